// Storing register sets into a database directory; see db_store.h.
#include "regcompat/probe/db_store.h"

#include <algorithm>
#include <set>
#include <system_error>

#include "regcompat/db/loader.h"

namespace regcompat::probe {
namespace fs = std::filesystem;
namespace {

// Puts the set's register names into the catalogue, or takes them off the
// set where the catalogue says otherwise (validate() refuses a name that
// contradicts the catalogue, and a name two registers of one architecture
// share).
// A conflict is reported once, for the first set that shows it.
void catalogueNames(db::Catalogue &catalogue, db::RegisterSet &set, StoreReport &report,
                    std::set<RegisterId> &reported) {
  for (db::RegisterEntry &e : set.registers) {
    if (e.name.empty()) continue;
    if (const db::CatalogueEntry *known = catalogue.find(e.id)) {
      if (known->name != e.name && reported.insert(e.id).second)
        report.name_conflicts.push_back(e.id.hex() + " (" + set.key.toString() + "): extracted name " + e.name +
                                        ", the catalogue has " + known->name + "; kept the catalogue's");
      e.name.clear();  // the catalogue names it
      continue;
    }
    auto added = catalogue.add(db::CatalogueEntry{e.id, e.name, {}});
    if (added) {
      ++report.catalogue_added;
      e.name.clear();
    } else {
      if (reported.insert(e.id).second)
        report.name_conflicts.push_back(e.id.hex() + " (" + set.key.toString() + "): " + added.error() +
                                        "; left unnamed");
      e.name.clear();
    }
  }
}

}  // namespace

StoreReport mergeInto(db::Database &database, StoreRequest request) {
  StoreReport report;
  // The release: kept as it is when present (it may carry a distribution
  // version and notes another command wrote), added otherwise.
  if (database.findRelease(request.release.component, request.release.version) == nullptr) {
    report.release_added = true;
    database.releases.push_back(request.release);
    std::sort(database.releases.begin(), database.releases.end(),
              [](const db::Release &a, const db::Release &b) { return db::compareReleases(a, b) < 0; });
  }
  std::vector<db::RegisterSet> kept;
  for (db::RegisterSet &s : database.sets) {
    bool replaced = request.replace && s.key.matches(*request.replace);
    for (const db::RegisterSet &n : request.sets) replaced = replaced || n.key == s.key;
    if (!replaced) {
      kept.push_back(std::move(s));
      continue;
    }
    bool rewritten = false;
    for (const db::RegisterSet &n : request.sets) rewritten = rewritten || n.key == s.key;
    if (!rewritten) report.sets_removed.push_back(s.key.toString());
  }
  std::set<RegisterId> reported;
  for (db::RegisterSet &s : request.sets) {
    catalogueNames(database.catalogue, s, report, reported);
    report.sets_written.push_back(s.key.toString());
    kept.push_back(std::move(s));
  }
  std::sort(kept.begin(), kept.end(), [](const db::RegisterSet &a, const db::RegisterSet &b) { return a.key < b.key; });
  database.sets = std::move(kept);
  return report;
}

Result<StoreReport> storeInDatabase(const fs::path &dir, StoreRequest request) {
  std::error_code ec;
  db::Database database;
  bool created = false;
  if (fs::exists(dir / "regcompat-db.yaml", ec)) {
    auto loaded = db::loadDatabase(dir);
    if (!loaded) return fail("cannot load database " + dir.string() + ":\n" + loaded.errorText());
    database = std::move(loaded).value();
  } else if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
    return fail(dir.string() + ": exists but is not a regcompat database (no regcompat-db.yaml); "
                "give a new or empty directory");
  } else {
    created = true;
    fs::path full = fs::absolute(dir, ec).lexically_normal();
    if (full.filename().empty()) full = full.parent_path();  // "db/"
    std::string name = full.filename().string();
    if (name.empty() || name == "." || name == "..") name = "regcompat-db";
    database.name = name;
    database.description = "Register sets extracted from sources and probed by regcompat";
  }
  StoreReport report = mergeInto(database, std::move(request));
  report.database_created = created;
  auto saved = db::saveDatabase(database, dir);
  if (!saved) return fail("cannot save database " + dir.string() + ":\n" + saved.errorText());
  report.save = std::move(saved).value();
  return report;
}

}  // namespace regcompat::probe
