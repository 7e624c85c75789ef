// Diffs between databases and between two releases of one component.
#pragma once

#include <string>
#include <vector>

#include "regcompat/db/database.h"
#include "regcompat/db/set_algebra.h"
#include "regcompat/db/set_key.h"
#include "regcompat/result.h"

namespace regcompat::db {

struct SetChange {
  SetKey key;
  SetDiff diff;
  bool operator==(const SetChange &) const = default;
};

// What changed from one database to another (e.g. before and after an
// extractor run), set by set.
struct DatabaseDiff {
  std::vector<Release> releases_added;
  std::vector<Release> releases_removed;
  std::vector<SetKey> sets_added;
  std::vector<SetKey> sets_removed;
  std::vector<SetChange> sets_changed;  // same key, non-empty SetDiff
  bool empty() const;
};

DatabaseDiff diff(const Database &from, const Database &to);

struct ReleaseRef {
  std::string component;
  std::string version;
  std::string toString() const;  // "qemu/10.0.13"
};

// Two sets of the two releases with the same (arch, accelerator, profile).
struct MatchedSets {
  SetKey from;
  SetKey to;
  SetDiff diff;  // may be empty: the set did not change
};

// A migration path's view: which register sets of release `from` and release
// `to` correspond, and how each pair differs.
struct ReleaseDiff {
  std::vector<SetKey> only_in_from;
  std::vector<SetKey> only_in_to;
  std::vector<MatchedSets> matched;  // in (arch, accelerator, profile) order
};

// Fails when either release is not declared in its database.
Result<ReleaseDiff> diffReleases(const Database &from_db, const ReleaseRef &from,
                                 const Database &to_db, const ReleaseRef &to);
Result<ReleaseDiff> diffReleases(const Database &db, const ReleaseRef &from,
                                 const ReleaseRef &to);

} // namespace regcompat::db
