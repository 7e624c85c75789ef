// The registers one release exposes for one (arch, accelerator, profile).
#pragma once

#include <string>
#include <vector>

#include "regcompat/db/register_entry.h"
#include "regcompat/db/set_key.h"

namespace regcompat::db {

struct RegisterSet {
  SetKey key;
  std::string description;
  std::vector<RegisterEntry> registers;  // sorted by index, unique

  // Binary search; `registers` must keep its order (use insert()).
  const RegisterEntry *find(RegisterId id) const;

  // Inserts in index order. False (and no change) when the index is present.
  bool insert(RegisterEntry entry);

  std::vector<RegisterId> ids() const;

  bool operator==(const RegisterSet &) const = default;
};

} // namespace regcompat::db
