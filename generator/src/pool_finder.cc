#include "regcompat/generator/pool_finder.h"

#include <algorithm>
#include <map>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include "regcompat/generator/edge_verifier.h"

namespace regcompat::generator {

std::vector<Pool> findPools(const PlatformSet &set, const MachineTypeGraph &graph,
                            const runtime::CompatTable &table) {
  using LoadsGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  const std::size_t n = graph.platforms.size();
  LoadsGraph loads(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const Platform &s = set.platforms[graph.platforms[i]];
      const Platform &d = set.platforms[graph.platforms[j]];
      if (i == j || s.group() != d.group()) continue;
      if (runMigration(s, d, table).loads) boost::add_edge(i, j, loads);
    }
  }
  std::vector<std::size_t> component(n);
  if (n > 0) boost::strong_components(loads, boost::make_iterator_property_map(
                                                 component.begin(), boost::get(boost::vertex_index, loads)));
  // Components in order of their first vertex (platform order).
  std::map<std::size_t, std::size_t> pool_of_component;
  std::vector<Pool> pools;
  for (std::size_t i = 0; i < n; ++i) {
    auto [it, inserted] = pool_of_component.emplace(component[i], pools.size());
    if (inserted) pools.push_back({set.platforms[graph.platforms[i]].group(), {}});
    pools[it->second].platforms.push_back(graph.platforms[i]);
  }
  std::stable_sort(pools.begin(), pools.end(), [](const Pool &a, const Pool &b) { return a.group < b.group; });
  return pools;
}

} // namespace regcompat::generator
