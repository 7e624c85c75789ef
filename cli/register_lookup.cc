#include "register_lookup.h"

#include "command.h"
#include "regcompat/db/database.h"

namespace regcompat::cli {

RegisterId RegisterLookup::resolve(std::string_view text) const {
  if (database_) {
    auto r = database_->resolve(text);
    if (!r) throw CommandError(kExitBadInput, r.error());
    return r.value();
  }
  auto parsed = RegisterId::parse(text);
  if (parsed) return parsed.value();
  if (auto known = wellKnownByName(text)) return *known;
  throw CommandError(kExitBadInput, parsed.error() +
                                        " (to resolve register names, give --db DIR)");
}

std::optional<std::string> RegisterLookup::nameOf(RegisterId id) const {
  if (database_) return database_->nameOf(id);
  return wellKnownName(id);
}

} // namespace regcompat::cli
