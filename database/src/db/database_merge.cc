#include "regcompat/db/database_merge.h"

#include <algorithm>

namespace regcompat::db {

MergeNotes mergeInto(Database &base, const Database &overlay) {
  MergeNotes notes;
  for (const Release &release : overlay.releases) {
    auto same = [&](const Release &r) {
      return r.component == release.component && r.version == release.version;
    };
    auto it = std::find_if(base.releases.begin(), base.releases.end(), same);
    if (it != base.releases.end()) {
      notes.replaced_releases.push_back(release.component + "/" + release.version);
      *it = release;
      std::erase_if(base.sets, [&](const RegisterSet &s) {
        return s.key.component == release.component && s.key.release == release.version;
      });
    } else {
      base.releases.push_back(release);
    }
  }
  std::sort(base.releases.begin(), base.releases.end(), [](const Release &a, const Release &b) {
    return compareReleases(a, b) < 0;
  });

  for (const CatalogueEntry &entry : overlay.catalogue.entries()) {
    const CatalogueEntry *mine = base.catalogue.find(entry.id);
    if (mine && mine->name != entry.name)
      notes.kept_names.push_back(mine->name + " (overlay: " + entry.name + ")");
    if (!mine) (void)base.catalogue.add(entry);  // a clashing name is left out
  }

  for (RegisterSet set : overlay.sets) {
    for (RegisterEntry &e : set.registers) {
      const CatalogueEntry *named = base.catalogue.find(e.id);
      if (e.name.empty()) continue;
      if (named && e.name != named->name) e.name.clear();
      if (!named)
        for (const CatalogueEntry *other : base.catalogue.findByName(e.name))
          if (other->id.arch() == e.id.arch()) e.name.clear();
    }
    base.sets.push_back(std::move(set));
  }
  std::sort(base.sets.begin(), base.sets.end(),
            [](const RegisterSet &a, const RegisterSet &b) { return a.key < b.key; });
  return notes;
}

} // namespace regcompat::db
