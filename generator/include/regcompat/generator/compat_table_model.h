// A machine type's computed compat table, with the reason for every entry,
// and the migrations no table can fix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "regcompat/db/compat_file.h"
#include "regcompat/register_id.h"
#include "regcompat/result.h"
#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/finding.h"

namespace regcompat::generator {

enum class EntryKind : std::uint8_t { Hidden, SafeMissing, Pin, Tolerate };
std::string_view toString(EntryKind kind);  // "hidden", "safe-missing", "pin", "tolerate"

struct TableEntry {
  RegisterId id;
  EntryKind kind = EntryKind::Hidden;
  std::uint64_t value = 0;   // Pin: the value every platform presents
  std::string name;          // display name (catalogue, ABI, else text form)
  std::string reason;        // one line: which releases gained, dropped or changed it, and why this entry
  std::string why;           // the second half of `reason`: why this kind of entry
  std::string origin;        // the machine type whose migrations need it (own name, or a newer one's)
  std::vector<std::size_t> edges;  // own required migrations needing it (MachineTypeGraph::edges)
};

// A required migration that no table the policy allows makes load.
struct Blocker {
  std::size_t edge = 0;  // MachineTypeGraph::edges index
  RegisterId id;
  std::string name;
  runtime::Side side = runtime::Side::SourceOnly;
  std::string reason;
};

struct MachineTable {
  std::string machine_type;
  std::vector<TableEntry> hidden;        // by index
  std::vector<TableEntry> safe_missing;  // by index
  std::vector<TableEntry> values;        // Pin and Tolerate, by index
  std::vector<Blocker> blockers;         // by (edge, index)

  // The entry for `id` in one of the three lists, or nullptr.
  const TableEntry *hiddenEntry(RegisterId id) const;
  const TableEntry *safeMissingEntry(RegisterId id) const;
  const TableEntry *valueEntry(RegisterId id) const;
  std::size_t size() const { return hidden.size() + safe_missing.size() + values.size(); }

  // The runtime's table: what every emitter writes and every verification runs.
  Result<runtime::CompatTable> toRuntime() const;
  // The compat file (database/SCHEMA.md) with names and reasons. A name is
  // written only when the register has one (`names` gives it).
  db::CompatFile toCompatFile() const;
};

} // namespace regcompat::generator
