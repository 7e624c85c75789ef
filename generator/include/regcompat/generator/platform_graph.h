// The migration graph of one machine type (Boost.Graph): vertices are the
// platforms that run it, edges the migrations the policy requires.
//
// A machine type is run by every product release at or after the one that
// introduced it. Edges join platforms of one group (same accelerator and CPU
// model); a policy rule selects them by direction, release distance, stream
// and kernel range (POLICY.md, "Migrations").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "regcompat/generator/platform_set.h"
#include "regcompat/generator/policy.h"

namespace regcompat::generator {

struct PlatformVertex {
  std::size_t platform = 0;  // index into PlatformSet::platforms
};

struct MigrationEdge {
  std::size_t source = 0;  // index into PlatformSet::platforms
  std::size_t dest = 0;
  Direction direction = Direction::Forward;  // Forward or Backward, never Both
  std::vector<std::string> rules;            // the policy rules requiring it
};

using MigrationGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                             PlatformVertex, MigrationEdge>;

struct MachineTypeGraph {
  const MachineTypeSpec *machine_type = nullptr;
  std::size_t baseline_product = 0;    // rank of the oldest product release running it
  std::vector<std::size_t> platforms;  // indexes into PlatformSet::platforms, in its order
  std::vector<MigrationEdge> edges;    // required migrations, by (source, dest)
  MigrationGraph graph;                // vertex i = platforms[i]

  const std::string &name() const { return machine_type->name; }
  // The group's baseline: its first platform (oldest product release, then
  // oldest kernel); nullopt when the group has no platform here.
  std::optional<std::size_t> baseline(const PlatformSet &set, const std::string &group) const;
  // The platforms of one group, in PlatformSet order.
  std::vector<std::size_t> group(const PlatformSet &set, const std::string &group) const;
  // Every group with a platform here, sorted.
  std::vector<std::string> groups(const PlatformSet &set) const;
};

// Whether the policy's rule requires the migration from `s` to `d` (both
// running the machine type, same group); the direction it would have.
bool ruleSelects(const PlatformSet &set, const MigrationRule &rule, const std::string &machine_type,
                 const Platform &s, const Platform &d);
Direction directionOf(const PlatformSet &set, const Platform &s, const Platform &d);

// One graph per machine type, ordered newest machine type first (by
// introduction, then name): the order the compat chain is built in.
std::vector<MachineTypeGraph> buildGraphs(const PlatformSet &set);

} // namespace regcompat::generator
