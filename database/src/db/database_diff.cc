#include "regcompat/db/database_diff.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace regcompat::db {
namespace {

// Sets of one release keyed by what a migration path keeps fixed.
using LocalKey = std::tuple<std::string, std::string, std::string>;  // arch, accelerator, profile

std::map<LocalKey, const RegisterSet *> setsOf(const Database &db, const ReleaseRef &release) {
  std::map<LocalKey, const RegisterSet *> sets;
  for (const RegisterSet *set : db.query(SetKey{release.component, release.version, "", "", ""})) {
    sets.emplace(LocalKey{set->key.arch, set->key.accelerator, set->key.profile}, set);
  }
  return sets;
}

bool containsRelease(const std::vector<Release> &releases, const Release &release) {
  return std::any_of(releases.begin(), releases.end(), [&](const Release &candidate) {
    return candidate.component == release.component && candidate.version == release.version;
  });
}

} // namespace

bool DatabaseDiff::empty() const {
  return releases_added.empty() && releases_removed.empty() && sets_added.empty() &&
         sets_removed.empty() && sets_changed.empty();
}

DatabaseDiff diff(const Database &from, const Database &to) {
  DatabaseDiff result;
  for (const Release &release : to.releases) {
    if (!containsRelease(from.releases, release)) result.releases_added.push_back(release);
  }
  for (const Release &release : from.releases) {
    if (!containsRelease(to.releases, release)) result.releases_removed.push_back(release);
  }
  for (const RegisterSet *set : to.query(SetKey{})) {
    const RegisterSet *before = from.findSet(set->key);
    if (before == nullptr) {
      result.sets_added.push_back(set->key);
    } else if (SetDiff changes = diff(*before, *set); !changes.empty()) {
      result.sets_changed.push_back(SetChange{set->key, std::move(changes)});
    }
  }
  for (const RegisterSet *set : from.query(SetKey{})) {
    if (to.findSet(set->key) == nullptr) result.sets_removed.push_back(set->key);
  }
  return result;
}

std::string ReleaseRef::toString() const { return component + "/" + version; }

Result<ReleaseDiff> diffReleases(const Database &from_db, const ReleaseRef &from,
                                 const Database &to_db, const ReleaseRef &to) {
  if (from_db.findRelease(from.component, from.version) == nullptr) {
    return fail("release " + from.toString() + " is not in the database");
  }
  if (to_db.findRelease(to.component, to.version) == nullptr) {
    return fail("release " + to.toString() + " is not in the database");
  }
  std::map<LocalKey, const RegisterSet *> old_sets = setsOf(from_db, from);
  std::map<LocalKey, const RegisterSet *> new_sets = setsOf(to_db, to);
  ReleaseDiff result;
  for (const auto &[local, set] : old_sets) {
    auto match = new_sets.find(local);
    if (match == new_sets.end()) {
      result.only_in_from.push_back(set->key);
    } else {
      result.matched.push_back(MatchedSets{set->key, match->second->key, diff(*set, *match->second)});
    }
  }
  for (const auto &[local, set] : new_sets) {
    if (old_sets.count(local) == 0) result.only_in_to.push_back(set->key);
  }
  return result;
}

Result<ReleaseDiff> diffReleases(const Database &db, const ReleaseRef &from, const ReleaseRef &to) {
  return diffReleases(db, from, db, to);
}

} // namespace regcompat::db
