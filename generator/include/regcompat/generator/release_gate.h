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

// The verdict's bits, abidiff's change bits (regcompat check's exit status:
// 0 ship, 4 ship with the generated tables, 12 do not ship).
enum GateBits : int {
  kGateChange = 4,
  kGateIncompatible = 8,
};

// Whose loader judges a migration: real QEMU's (the destination release's
// own rules, qemu_verdict.h) or regcompat's runtime merge (for VMMs that
// embed the runtime library, and for x86, where QEMU's MSR loading is not a
// register list).
enum class GateRules { Qemu, Runtime };

struct GateOptions {
  GateRules rules = GateRules::Runtime;
  // Only migrations from or to this release: a product release, a
  // hypervisor release or a kernel release of the policy.
  std::optional<std::string> candidate;
  // Judge migrations under these compat files (by machine type; a machine
  // type without one has an empty table) instead of without tables.
  std::optional<std::map<std::string, db::CompatFile>> current;
  // The regcompat version that judged, recorded in the JSON ("tool").
  std::string tool_version;
  // What it judged: each input (role "database", "policy", "compat") with
  // its path and content digest, recorded in the JSON ("inputs").
  struct Input {
    std::string role, path, digest;
  };
  std::vector<Input> inputs;
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

// One required migration as real QEMU judges it (GateRules::Qemu).
struct QemuJudgedMigration {
  std::size_t machine_type = 0;  // Analysis::machine_types index
  std::size_t edge = 0;          // MachineTypeGraph::edges index
  const QemuEdgeVerdict *verdict = nullptr;  // in the analysis
};

struct GateReport {
  GateRules rules = GateRules::Runtime;
  std::size_t checked = 0;  // required migrations looked at
  // GateRules::Qemu: every checked migration, with QEMU's verdict.
  std::vector<QemuJudgedMigration> qemu;
  std::size_t qemuCount(QemuVerdictKind kind) const;
  // GateRules::Runtime: the migrations the runtime merge refuses.
  std::vector<BrokenMigration> broken;
  // Per machine type with a fixable broken migration: the current compat
  // file (or an empty one) plus the entries that fix them, in analysis order.
  std::vector<db::CompatFile> suggested;
  int exitBits() const;
};

// Fails when the candidate names no release of the policy, a current compat
// file is not a valid runtime table, or (Qemu rules) the policy is not an
// Arm one, compat files are given, or a destination release has no modelled
// loader.
Result<GateReport> runGate(const Analysis &analysis, const GateOptions &options);

// The gate's decision in a release manager's words: ship, ship with the
// generated tables (QEMU: tolerances), or do not ship. Follows exitBits():
// 0 ship, 4 ship with tables, 8/12 do not ship.
enum class ShipDecision { Ship, ShipWithTables, DoNotShip };
std::string_view toString(ShipDecision decision);  // "ship", "ship-with-tables", "do-not-ship"

struct GateVerdict {
  ShipDecision decision = ShipDecision::Ship;
  std::string summary;  // one line, no newline: the decision and why
};
GateVerdict gateVerdict(const Analysis &analysis, const GateOptions &options, const GateReport &report);

// "x-mig-hidden-regs += 0x40200000200e0298", "pin 0x... = 0x1", ...
std::string fixText(const TableEntry &entry);

// The verdict line first, then every migration that does not load as
// things stand, then the counts.
std::string renderGateText(const Analysis &analysis, const GateOptions &options,
                           const GateReport &report);
std::string renderGateJson(const Analysis &analysis, const GateOptions &options,
                           const GateReport &report);

} // namespace regcompat::generator
