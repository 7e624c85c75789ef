// Combining databases: the release pipeline starts from the shipped database
// and lays fresh extractions and this host's probe over it.
#pragma once

#include <string>
#include <vector>

#include "regcompat/db/database.h"

namespace regcompat::db {

struct MergeNotes {
  std::vector<std::string> replaced_releases;  // "qemu/10.2.2": the overlay's sets replaced the base's
  std::vector<std::string> kept_names;         // catalogue names the base kept over the overlay's
};

// Lays `overlay` over `base`. A release the overlay has replaces the base's
// release of the same component and version with all its sets (a refreshed
// extraction is the whole truth about its release). Catalogue: the base's
// name for an index stays (names are stable across refreshes; README, reports
// and compat files use them); an overlay entry whose name or index clashes
// is left out, and a set entry's own name that disagrees with the merged
// catalogue is dropped so the result validates. The base's name and
// description stay.
MergeNotes mergeInto(Database &base, const Database &overlay);

} // namespace regcompat::db
