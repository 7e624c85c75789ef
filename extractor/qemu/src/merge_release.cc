// mergeRelease(): one extracted release into a database (see qemu_db.h).
#include <algorithm>

#include "regcompat/db/vocabulary.h"
#include "regcompat/extract/qemu_db.h"

namespace regcompat::extract::qemu {

namespace {

void upsertRelease(db::Database &database, db::Release release, MergeReport &report) {
  for (db::Release &r : database.releases) {
    if (r.component != release.component || r.version != release.version) continue;
    // A re-extraction refreshes what it knows and keeps what people wrote.
    if (!release.distro_version) release.distro_version = r.distro_version;
    if (!release.date) release.date = r.date;
    if (release.notes.empty()) release.notes = r.notes;
    r = std::move(release);
    return;
  }
  report.release_added = true;
  database.releases.push_back(std::move(release));
  std::sort(database.releases.begin(), database.releases.end(),
            [](const db::Release &a, const db::Release &b) { return db::compareReleases(a, b) < 0; });
}

bool endsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// QEMU 7.2 names encodings it reserves "..._RESERVED" (ID_AA64ISAR2_EL1_RESERVED);
// a later release that defines the register gives its real name, which the
// catalogue then takes whichever release was extracted first.
bool namesBetter(std::string_view candidate, std::string_view catalogued) {
  return endsWith(catalogued, "_RESERVED") && !endsWith(candidate, "_RESERVED");
}

// Makes the entry's name agree with the catalogue, cataloguing it when new.
void reconcileName(db::Catalogue &catalogue, const std::string &set_key, db::RegisterEntry &entry,
                   MergeReport &report) {
  if (entry.name.empty()) return;
  std::string where = entry.provenance.where.empty() ? set_key : entry.provenance.where;
  if (auto bad = db::checkRegisterName(entry.name)) {
    report.notes.push_back({where, *bad + "; left unnamed"});
    entry.name.clear();
    return;
  }
  if (const db::CatalogueEntry *known = catalogue.find(entry.id)) {
    if (namesBetter(entry.name, known->name)) {
      const std::string old = known->name;
      if (catalogue.rename(entry.id, entry.name)) {
        report.renamed.emplace_back(old, entry.name);
        return;
      }
    }
    if (known->name != entry.name) {
      report.notes.push_back({where, "register " + entry.id.hex() + " is named " + entry.name +
                                         " here but " + known->name +
                                         " in the catalogue; kept the catalogue's name"});
      entry.name = known->name;
    }
    return;
  }
  auto added = catalogue.add({entry.id, entry.name, ""});
  if (added) {
    ++report.catalogue_added;
    return;
  }
  // The name already belongs to another register of this architecture: a
  // set name may not contradict the catalogue, so the entry stays unnamed.
  report.notes.push_back({where, "register " + entry.id.hex() + " (" + entry.name +
                                     ") not catalogued: " + added.error() + "; left unnamed"});
  entry.name.clear();
}

}  // namespace

MergeReport mergeRelease(db::Database &database, db::Release release, std::vector<db::RegisterSet> sets,
                         bool replace_whole_release) {
  MergeReport report;
  const std::string component = release.component, version = release.version;
  upsertRelease(database, std::move(release), report);

  auto replaced = [&](const db::RegisterSet &old) {
    if (old.key.component != component || old.key.release != version) return false;
    if (replace_whole_release) return true;
    return std::any_of(sets.begin(), sets.end(), [&](const db::RegisterSet &s) { return s.key == old.key; });
  };
  std::vector<db::RegisterSet> kept;
  for (db::RegisterSet &old : database.sets) {
    if (!replaced(old)) {
      kept.push_back(std::move(old));
      continue;
    }
    bool rewritten = std::any_of(sets.begin(), sets.end(), [&](const db::RegisterSet &s) { return s.key == old.key; });
    if (!rewritten) report.sets_removed.push_back(old.key.toString());
  }
  database.sets = std::move(kept);

  for (db::RegisterSet &set : sets) {
    std::string key = set.key.toString();
    for (db::RegisterEntry &e : set.registers) reconcileName(database.catalogue, key, e, report);
    report.sets_written.push_back(key);
    database.sets.push_back(std::move(set));
  }
  // Older releases' entries that carried a renamed name take the new one, so
  // that every set agrees with the catalogue.
  for (const auto &[old_name, new_name] : report.renamed)
    for (db::RegisterSet &set : database.sets)
      for (db::RegisterEntry &e : set.registers)
        if (e.name == old_name) {
          const db::CatalogueEntry *c = database.catalogue.find(e.id);
          if (c && c->name == new_name) e.name = new_name;
        }
  std::sort(database.sets.begin(), database.sets.end(),
            [](const db::RegisterSet &a, const db::RegisterSet &b) { return (a.key <=> b.key) < 0; });
  return report;
}

}  // namespace regcompat::extract::qemu
