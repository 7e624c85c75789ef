// Verifying required migrations with the runtime library's own save and
// merge (one source of truth: the code a VMM runs decides whether a
// migration loads, not a second model of it).
#pragma once

#include <cstddef>
#include <vector>

#include "regcompat/generator/platform_graph.h"
#include "regcompat/generator/platform_set.h"
#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/merge.h"

namespace regcompat::generator {

struct MigrationRun {
  bool loads = false;
  std::size_t sent = 0;      // registers the source puts on the stream
  std::size_t accepted = 0;  // registers the destination exposes (its list length)
  // QEMU refuses an incoming count above its own list length before any
  // merge (docs/qemu-cpreg-migration.md; "Invalid value 292 expecting positive
  // value <= 291"). The runtime does not; this flags where an unpatched
  // QEMU would.
  bool over_length_cap = false;
  runtime::MergeReport report;
};

// The source's outgoing() list merged into the destination's under `table`.
MigrationRun runMigration(const Platform &source, const Platform &dest,
                          const runtime::CompatTable &table,
                          const runtime::MergeOptions &options = {});

struct EdgeVerdict {
  MigrationRun without_table;  // an empty table: what QEMU does today
  MigrationRun with_table;     // the machine type's computed table
};

// One verdict per MachineTypeGraph::edges entry, in order.
std::vector<EdgeVerdict> verifyEdges(const PlatformSet &set, const MachineTypeGraph &graph,
                                     const runtime::CompatTable &table);

// Names registers in merge messages from the database.
runtime::NameResolver nameResolver(const PlatformSet &set);

} // namespace regcompat::generator
