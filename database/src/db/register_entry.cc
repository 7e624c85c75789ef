#include "regcompat/db/register_entry.h"

#include <algorithm>

namespace regcompat::db {

std::string_view toString(Provenance::Kind kind) {
  return kind == Provenance::Kind::Source ? "source" : "probe";
}

bool RegisterEntry::hasFlag(std::string_view flag) const {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

bool RegisterEntry::migrated() const { return !hasFlag("alias") && !hasFlag("no_raw"); }

} // namespace regcompat::db
