#include "regcompat/generator/compat_conversion.h"

namespace regcompat::generator {

Result<runtime::CompatTable> toCompatTable(const db::CompatFile &file) {
  runtime::CompatTableSpec spec;
  spec.machine_type = file.machine_type;
  for (const auto &e : file.hidden) spec.hidden.push_back(e.id.index());
  for (const auto &e : file.safe_missing) spec.safe_missing.push_back(e.id.index());
  for (const auto &r : file.values) {
    if (r.rule == db::ValueRule::Kind::Pin)
      spec.value_rules.push_back(runtime::Pin{r.id.index(), r.value.value_or(0)});
    else
      spec.value_rules.push_back(runtime::Tolerate{r.id.index()});
  }
  return runtime::CompatTable::create(std::move(spec));
}

runtime::LocalRegisterList toLocalRegisters(const db::RegisterSet &set) {
  runtime::LocalRegisterList list;
  for (const auto &e : set.registers) {
    if (!e.migrated()) continue;
    list.push_back({e.id.index(), e.value.value_or(0), e.hasFlag("const")});
  }
  return list;
}

} // namespace regcompat::generator
