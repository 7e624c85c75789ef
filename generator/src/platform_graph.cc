#include "regcompat/generator/platform_graph.h"

#include <algorithm>
#include <set>

#include "regcompat/db/release.h"

namespace regcompat::generator {
namespace {

// Product releases from `a` to `b`, counting only those `rule` spans (its
// stream, or all).
std::size_t releaseDistance(const PlatformSet &set, const MigrationRule &rule, const Platform &a,
                            const Platform &b) {
  const std::size_t lo = std::min(a.product, b.product), hi = std::max(a.product, b.product);
  if (!rule.within_stream) return hi - lo;
  const std::string &stream = set.products[a.product]->stream;
  std::size_t distance = 0;
  for (std::size_t i = lo + 1; i <= hi; ++i)
    if (set.products[i]->stream == stream) ++distance;
  return distance;
}

bool kernelInRange(const MigrationRule &rule, const std::string &kernel) {
  if (rule.kernel_min && db::compareVersions(kernel, *rule.kernel_min) < 0) return false;
  if (rule.kernel_max && db::compareVersions(kernel, *rule.kernel_max) > 0) return false;
  return true;
}

} // namespace

Direction directionOf(const PlatformSet &, const Platform &s, const Platform &d) {
  if (s.product != d.product) return s.product < d.product ? Direction::Forward : Direction::Backward;
  return db::compareVersions(s.kernel, d.kernel) <= 0 ? Direction::Forward : Direction::Backward;
}

bool ruleSelects(const PlatformSet &set, const MigrationRule &rule, const std::string &machine_type,
                 const Platform &s, const Platform &d) {
  if (s.group() != d.group()) return false;
  if (s.product == d.product && s.kernel == d.kernel) return false;  // the same platform
  if (!rule.machine_types.empty() &&
      std::find(rule.machine_types.begin(), rule.machine_types.end(), machine_type) ==
          rule.machine_types.end())
    return false;
  if (!rule.accelerators.empty() &&
      std::find(rule.accelerators.begin(), rule.accelerators.end(), s.accelerator) ==
          rule.accelerators.end())
    return false;
  const Direction direction = directionOf(set, s, d);
  if (rule.direction != Direction::Both && rule.direction != direction) return false;
  if (rule.within_stream && set.products[s.product]->stream != set.products[d.product]->stream)
    return false;
  if (rule.max_releases && releaseDistance(set, rule, s, d) > *rule.max_releases) return false;
  if (!kernelInRange(rule, s.kernel) || !kernelInRange(rule, d.kernel)) return false;
  const int kernels = std::is_lt(db::compareVersions(s.kernel, d.kernel))   ? -1
                      : std::is_gt(db::compareVersions(s.kernel, d.kernel)) ? 1
                                                                            : 0;
  switch (rule.kernel_change) {
    case KernelChange::Any: return true;
    case KernelChange::Same: return kernels == 0;
    case KernelChange::Upgrade: return kernels <= 0;
    case KernelChange::Downgrade: return kernels >= 0;
  }
  return true;
}

std::optional<std::size_t> MachineTypeGraph::baseline(const PlatformSet &set,
                                                      const std::string &name) const {
  for (std::size_t p : platforms)
    if (set.platforms[p].group() == name) return p;
  return std::nullopt;
}

std::vector<std::size_t> MachineTypeGraph::group(const PlatformSet &set,
                                                 const std::string &name) const {
  std::vector<std::size_t> out;
  for (std::size_t p : platforms)
    if (set.platforms[p].group() == name) out.push_back(p);
  return out;
}

std::vector<std::string> MachineTypeGraph::groups(const PlatformSet &set) const {
  std::set<std::string> names;
  for (std::size_t p : platforms) names.insert(set.platforms[p].group());
  return {names.begin(), names.end()};
}

std::vector<MachineTypeGraph> buildGraphs(const PlatformSet &set) {
  const Policy &policy = *set.policy;
  std::vector<const MachineTypeSpec *> order;
  for (const auto &m : policy.machine_types) order.push_back(&m);
  std::sort(order.begin(), order.end(), [](const MachineTypeSpec *a, const MachineTypeSpec *b) {
    if (auto c = db::compareVersions(a->introduced, b->introduced); c != 0) return c > 0;
    return a->name < b->name;
  });

  std::vector<MachineTypeGraph> graphs;
  for (const MachineTypeSpec *m : order) {
    MachineTypeGraph g;
    g.machine_type = m;
    bool found = false;
    for (std::size_t rank = 0; rank < set.products.size(); ++rank) {
      if (db::compareVersions(set.products[rank]->release, m->introduced) >= 0) {
        g.baseline_product = rank;
        found = true;
        break;
      }
    }
    if (found) {
      for (std::size_t p = 0; p < set.platforms.size(); ++p)
        if (set.platforms[p].product >= g.baseline_product &&
            (set.platforms[p].machine_type.empty() || set.platforms[p].machine_type == m->name))
          g.platforms.push_back(p);
    }
    std::vector<MigrationGraph::vertex_descriptor> vertex;
    for (std::size_t i = 0; i < g.platforms.size(); ++i)
      vertex.push_back(boost::add_vertex(PlatformVertex{g.platforms[i]}, g.graph));
    for (std::size_t i = 0; i < g.platforms.size(); ++i) {
      for (std::size_t j = 0; j < g.platforms.size(); ++j) {
        const Platform &s = set.platforms[g.platforms[i]];
        const Platform &d = set.platforms[g.platforms[j]];
        MigrationEdge edge{g.platforms[i], g.platforms[j], directionOf(set, s, d), {}};
        for (const MigrationRule &rule : policy.migrations)
          if (ruleSelects(set, rule, m->name, s, d)) edge.rules.push_back(rule.name);
        if (edge.rules.empty()) continue;
        boost::add_edge(vertex[i], vertex[j], edge, g.graph);
      }
    }
    // The edge list in a fixed order, read back from the graph.
    for (auto [it, end] = boost::edges(g.graph); it != end; ++it) g.edges.push_back(g.graph[*it]);
    std::sort(g.edges.begin(), g.edges.end(), [](const MigrationEdge &a, const MigrationEdge &b) {
      return std::pair(a.source, a.dest) < std::pair(b.source, b.dest);
    });
    graphs.push_back(std::move(g));
  }
  return graphs;
}

} // namespace regcompat::generator
