// Computing each machine type's compat table from its required migrations
// (POLICY.md, "How tables are computed").
//
// For every required migration s -> d of a machine type:
//   * a register s migrates and d lacks is fixed by hiding it (no platform
//     of the machine type sends it) when no group's baseline platform has it
//     (the machine type's oldest releases never exposed it), else by marking
//     it safe to miss (d ignores it); the policy may force either, and a
//     register annotated as guest state is never hidden nor dropped: the
//     migration is reported as a blocker instead;
//   * a register both migrate, constant on d, with different values is fixed
//     by a value rule: pinned to the machine type's baseline value, or
//     tolerated, or refused (a blocker), as the policy says. A pin is one
//     value for every CPU model of the machine type; when the models start
//     from different values, values.on_conflict decides.
// Then the compat chain: a machine type's table holds its own entries and
// those of every newer machine type (an array property is set once), its own
// value rules winning, hidden registers taking no value rule.
#pragma once

#include <vector>

#include "regcompat/generator/compat_table_model.h"
#include "regcompat/generator/platform_graph.h"
#include "regcompat/generator/platform_set.h"

namespace regcompat::generator {

// The entries this machine type's own required migrations need.
MachineTable solveOwnTable(const PlatformSet &set, const MachineTypeGraph &graph);

// `own` plus the entries of `newer` (the next newer machine type's
// aggregated table; nullptr for the newest).
MachineTable aggregateChain(const PlatformSet &set, const MachineTypeGraph &graph, MachineTable own,
                            const MachineTable *newer);

// Every machine type's aggregated table, in `graphs` order (newest first, as
// buildGraphs() returns them).
std::vector<MachineTable> solveTables(const PlatformSet &set,
                                      const std::vector<MachineTypeGraph> &graphs);

} // namespace regcompat::generator
