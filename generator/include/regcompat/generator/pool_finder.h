// Migration pools: for one machine type, the groups of platforms that can
// all migrate to each other under its table (strongly connected components
// of the "loads" graph, Boost.Graph), so that an operator can see which
// hosts may share a pool.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "regcompat/generator/platform_graph.h"
#include "regcompat/generator/platform_set.h"
#include "regcompat/runtime/compat_table.h"

namespace regcompat::generator {

struct Pool {
  std::string group;                   // "tcg/max"
  std::vector<std::size_t> platforms;  // PlatformSet::platforms indexes, in its order
};

// Every ordered pair of one group's platforms is tried with the runtime's
// merge (required by the policy or not). Pools come by group, then by first
// platform; a platform that loads from nobody and into nobody is a pool of
// one.
std::vector<Pool> findPools(const PlatformSet &set, const MachineTypeGraph &graph,
                            const runtime::CompatTable &table);

} // namespace regcompat::generator
