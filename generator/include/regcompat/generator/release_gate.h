// The release gate (`regcompat check`): which required migrations fail as
// things stand (without compat tables, or under the compat files shipped
// now), which register is responsible for each failure, the table entry that
// would fix it, and whether any migration is beyond every table the policy
// allows.
//
// Exit status is a bit field, like abidiff's (docs/peer-tools.md):
//   1 error (invalid input, internal error), 2 usage error,
//   4 change: a required migration fails as things stand and the generated
//     tables fix it, 8 incompatible change: a required migration that no
//     table the policy allows makes load.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "regcompat/db/compat_file.h"
#include "regcompat/generator/analysis.h"
#include "regcompat/result.h"

namespace regcompat::generator {

enum GateBits : int {
  kGateError = 1,
  kGateUsage = 2,
  kGateChange = 4,
  kGateIncompatible = 8,
};

struct GateOptions {
  // Only migrations from or to this release: a product release, a
  // hypervisor release or a kernel release of the policy.
  std::optional<std::string> candidate;
  // Judge migrations under these compat files (by machine type; a machine
  // type without one has an empty table) instead of without tables.
  std::optional<std::map<std::string, db::CompatFile>> current;
};

struct ResponsibleRegister {
  RegisterId id;
  std::string name;                 // display name
  runtime::FindingKind kind = runtime::FindingKind::NotHere;
  runtime::Side side = runtime::Side::SourceOnly;
  std::optional<std::uint64_t> local_value;     // the destination's
  std::optional<std::uint64_t> incoming_value;  // the source's
  std::string story;                // which releases gained, dropped or changed it
  std::optional<TableEntry> fix;    // the generated table's entry that fixes it
  std::string blocker;              // why no table can, when there is no fix
};

struct BrokenMigration {
  std::size_t machine_type = 0;  // Analysis::machine_types index
  std::size_t edge = 0;          // MachineTypeGraph::edges index
  std::vector<ResponsibleRegister> registers;
  std::vector<std::string> other_errors;  // findings about no one register
  bool fixable = false;  // the generated table makes it load (runtime merge)
};

struct GateReport {
  std::size_t checked = 0;  // required migrations looked at
  std::vector<BrokenMigration> broken;
  // Per machine type with a fixable broken migration: the current compat
  // file (or an empty one) plus the entries that fix them, in analysis order.
  std::vector<db::CompatFile> suggested;
  int exitBits() const;
};

// Fails when the candidate names no release of the policy, or a current
// compat file is not a valid runtime table.
Result<GateReport> runGate(const Analysis &analysis, const GateOptions &options);

// "x-mig-hidden-regs += 0x40200000200e0298", "pin 0x... = 0x1", ...
std::string fixText(const TableEntry &entry);

std::string renderGateText(const Analysis &analysis, const GateOptions &options,
                           const GateReport &report);
std::string renderGateJson(const Analysis &analysis, const GateOptions &options,
                           const GateReport &report);

} // namespace regcompat::generator
