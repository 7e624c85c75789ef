#include "regcompat/db/register_set.h"

#include <algorithm>

namespace regcompat::db {
namespace {

bool indexLess(const RegisterEntry &entry, RegisterId id) { return entry.id < id; }

} // namespace

const RegisterEntry *RegisterSet::find(RegisterId id) const {
  auto it = std::lower_bound(registers.begin(), registers.end(), id, indexLess);
  return it != registers.end() && it->id == id ? &*it : nullptr;
}

bool RegisterSet::insert(RegisterEntry entry) {
  auto it = std::lower_bound(registers.begin(), registers.end(), entry.id, indexLess);
  if (it != registers.end() && it->id == entry.id) return false;
  registers.insert(it, std::move(entry));
  return true;
}

std::vector<RegisterId> RegisterSet::ids() const {
  std::vector<RegisterId> result;
  result.reserve(registers.size());
  for (const RegisterEntry &entry : registers) result.push_back(entry.id);
  return result;
}

} // namespace regcompat::db
