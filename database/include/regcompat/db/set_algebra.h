// Set algebra on register sets, by index, and the register-level diff.
#pragma once

#include <string_view>
#include <vector>

#include "regcompat/db/register_entry.h"
#include "regcompat/db/register_set.h"

namespace regcompat::db {

// Entries of `a` whose index `b` lacks, in index order.
std::vector<RegisterEntry> difference(const RegisterSet &a, const RegisterSet &b);
// Entries of `a` whose index `b` also has, in index order.
std::vector<RegisterEntry> intersection(const RegisterSet &a, const RegisterSet &b);

// One index present on both sides whose name, flags or value differ.
// Provenance is not compared: a definition moving to another source line is
// not a change of the register.
struct RegisterChange {
  RegisterEntry before;
  RegisterEntry after;
  bool name_changed = false;   // only when both sides name it (an empty name
                               // means "the catalogue's", not a different one)
  bool flags_changed = false;
  bool value_changed = false;  // includes a value appearing or disappearing

  // "name", "flags", "value": the fields that changed, in that order.
  std::vector<std::string_view> changedFields() const;
  bool operator==(const RegisterChange &) const = default;
};

struct SetDiff {
  std::vector<RegisterEntry> added;     // only in `to`
  std::vector<RegisterEntry> removed;   // only in `from`
  std::vector<RegisterChange> changed;  // on both sides, different
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
  bool operator==(const SetDiff &) const = default;
};

SetDiff diff(const RegisterSet &from, const RegisterSet &to);

} // namespace regcompat::db
