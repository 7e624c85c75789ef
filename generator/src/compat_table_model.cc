#include "regcompat/generator/compat_table_model.h"

#include <algorithm>

#include "regcompat/db/vocabulary.h"

namespace regcompat::generator {
namespace {

const TableEntry *findIn(const std::vector<TableEntry> &list, RegisterId id) {
  auto it = std::lower_bound(list.begin(), list.end(), id,
                             [](const TableEntry &e, RegisterId i) { return e.id < i; });
  return it != list.end() && it->id == id ? &*it : nullptr;
}

std::string fileName(const TableEntry &e) {
  // Compat files only take identifier-like names; a register known only by
  // its text form is written without one.
  if (e.name.empty() || db::checkRegisterName(e.name)) return {};
  return e.name;
}

} // namespace

std::string_view toString(EntryKind kind) {
  switch (kind) {
    case EntryKind::Hidden: return "hidden";
    case EntryKind::SafeMissing: return "safe-missing";
    case EntryKind::Pin: return "pin";
    case EntryKind::Tolerate: return "tolerate";
  }
  return "?";
}

const TableEntry *MachineTable::hiddenEntry(RegisterId id) const { return findIn(hidden, id); }
const TableEntry *MachineTable::safeMissingEntry(RegisterId id) const { return findIn(safe_missing, id); }
const TableEntry *MachineTable::valueEntry(RegisterId id) const { return findIn(values, id); }

Result<runtime::CompatTable> MachineTable::toRuntime() const {
  runtime::CompatTableSpec spec;
  spec.machine_type = machine_type;
  for (const auto &e : hidden) spec.hidden.push_back(e.id.index());
  for (const auto &e : safe_missing) spec.safe_missing.push_back(e.id.index());
  for (const auto &e : values) {
    if (e.kind == EntryKind::Pin)
      spec.value_rules.push_back(runtime::Pin{e.id.index(), e.value});
    else
      spec.value_rules.push_back(runtime::Tolerate{e.id.index()});
  }
  return runtime::CompatTable::create(std::move(spec));
}

db::CompatFile MachineTable::toCompatFile() const {
  db::CompatFile file;
  file.machine_type = machine_type;
  for (const auto &e : hidden) file.hidden.push_back({e.id, fileName(e), e.reason});
  for (const auto &e : safe_missing) file.safe_missing.push_back({e.id, fileName(e), e.reason});
  for (const auto &e : values) {
    db::ValueRule rule;
    rule.id = e.id;
    rule.name = fileName(e);
    rule.reason = e.reason;
    if (e.kind == EntryKind::Pin) {
      rule.rule = db::ValueRule::Kind::Pin;
      rule.value = e.value;
    } else {
      rule.rule = db::ValueRule::Kind::Tolerate;
    }
    file.values.push_back(std::move(rule));
  }
  return file;
}

} // namespace regcompat::generator
