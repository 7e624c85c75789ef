#include "regcompat/runtime/save_side.h"

#include <algorithm>
#include <string>

#include "regcompat/register_id.h"
#include "regcompat/runtime/register_naming.h"

namespace regcompat::runtime {

LocalRegisterList visibleRegisters(std::span<const LocalRegister> local,
                                   const CompatTable &table) {
  LocalRegisterList visible;
  visible.reserve(local.size());
  for (const LocalRegister &reg : local) {
    if (table.isHidden(reg.index)) continue;
    LocalRegister shown = reg;
    if (const Pin *pin = table.pin(reg.index)) {
      shown.value = pin->value;
      shown.is_constant = true;
    }
    visible.push_back(shown);
  }
  return visible;
}

Result<StreamRegisterList> outgoing(std::span<const LocalRegister> local,
                                    const CompatTable &table) {
  // Positions are kept with the entries so that an error can point into the
  // caller's list after sorting.
  struct Entry {
    StreamRegister reg;
    std::size_t position;
  };
  std::vector<Entry> entries;
  entries.reserve(local.size());
  for (std::size_t i = 0; i < local.size(); ++i) {
    const LocalRegister &reg = local[i];
    if (auto id = RegisterId::fromIndex(reg.index); !id)
      return fail("local register list, position " + std::to_string(i) + ": " + id.error());
    if (table.isHidden(reg.index)) continue;
    const Pin *pin = table.pin(reg.index);
    entries.push_back({{reg.index, pin ? pin->value : reg.value}, i});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return a.reg.index < b.reg.index;
  });
  StreamRegisterList stream;
  stream.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && entries[i].reg.index == entries[i - 1].reg.index)
      return fail("local register list: " + describeRegister(entries[i].reg.index) +
                  " is listed twice, at positions " + std::to_string(entries[i - 1].position) +
                  " and " + std::to_string(entries[i].position));
    stream.push_back(entries[i].reg);
  }
  return stream;
}

} // namespace regcompat::runtime
