// The whole computation for one policy over one database: graphs, tables,
// verification and pools, the input of every emitter and of the release
// gate.
#pragma once

#include <cstddef>
#include <vector>

#include "regcompat/generator/compat_table_model.h"
#include "regcompat/generator/edge_verifier.h"
#include "regcompat/generator/platform_graph.h"
#include "regcompat/generator/platform_set.h"
#include "regcompat/generator/pool_finder.h"
#include "regcompat/generator/qemu_verdict.h"
#include "regcompat/result.h"
#include "regcompat/runtime/compat_table.h"

namespace regcompat::generator {

struct MachineTypeResult {
  MachineTypeGraph graph;
  MachineTable table;                 // aggregated (own entries and the chain's)
  runtime::CompatTable runtime_table; // table.toRuntime()
  std::vector<EdgeVerdict> verdicts;  // per graph.edges entry
  std::vector<Pool> pools;
  // Per graph.edges entry, real QEMU's verdict (arm64 policies; empty for
  // others: QEMU migrates x86 MSRs as vmstate fields, not a register list).
  std::vector<QemuEdgeVerdict> qemu;

  std::size_t brokenWithout() const;  // required migrations failing without a table
  std::size_t brokenWith() const;     // ... failing with the computed table
};

struct Analysis {
  const PlatformSet *set = nullptr;
  std::vector<MachineTypeResult> machine_types;  // newest first (the chain's order)

  std::size_t requiredMigrations() const;
  std::size_t brokenWithout() const;
  std::size_t brokenWith() const;
  const MachineTypeResult *find(std::string_view machine_type) const;
  bool judgedOnQemu() const;  // the machine types carry QEMU verdicts
};

struct AnalysisOptions {
  bool pools = true;  // the pool search merges every pair of a group's platforms
};

// Fails only when a computed table is rejected by the runtime (a bug).
Result<Analysis> analyze(const PlatformSet &set, const AnalysisOptions &options = {});

// The analysis of the named machine types only, in the analysis' order:
// each table and verdict as the whole policy computed it (tables are solved
// along the whole compat chain first). Fails on a name the policy does not
// declare, with the closest ones.
Result<Analysis> restrictToMachineTypes(const Analysis &analysis, const std::vector<std::string> &names);

} // namespace regcompat::generator
