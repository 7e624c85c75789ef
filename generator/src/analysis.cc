#include "regcompat/generator/analysis.h"

#include <algorithm>

#include "regcompat/db/suggestions.h"
#include "regcompat/generator/table_solver.h"

namespace regcompat::generator {

std::size_t MachineTypeResult::brokenWithout() const {
  return static_cast<std::size_t>(std::count_if(verdicts.begin(), verdicts.end(),
                                                [](const EdgeVerdict &v) { return !v.without_table.loads; }));
}

std::size_t MachineTypeResult::brokenWith() const {
  return static_cast<std::size_t>(std::count_if(verdicts.begin(), verdicts.end(),
                                                [](const EdgeVerdict &v) { return !v.with_table.loads; }));
}

std::size_t Analysis::requiredMigrations() const {
  std::size_t n = 0;
  for (const auto &m : machine_types) n += m.graph.edges.size();
  return n;
}

std::size_t Analysis::brokenWithout() const {
  std::size_t n = 0;
  for (const auto &m : machine_types) n += m.brokenWithout();
  return n;
}

std::size_t Analysis::brokenWith() const {
  std::size_t n = 0;
  for (const auto &m : machine_types) n += m.brokenWith();
  return n;
}

const MachineTypeResult *Analysis::find(std::string_view machine_type) const {
  for (const auto &m : machine_types)
    if (m.graph.name() == machine_type) return &m;
  return nullptr;
}

bool Analysis::judgedOnQemu() const { return set != nullptr && set->policy->architecture == "arm64"; }

Result<Analysis> analyze(const PlatformSet &set, const AnalysisOptions &options) {
  Analysis analysis;
  analysis.set = &set;
  std::vector<MachineTypeGraph> graphs = buildGraphs(set);
  std::vector<MachineTable> tables = solveTables(set, graphs);
  for (std::size_t i = 0; i < graphs.size(); ++i) {
    auto runtime_table = tables[i].toRuntime();
    if (!runtime_table)
      return fail("the computed table of " + graphs[i].name() +
                  " is not a valid runtime table: " + runtime_table.error());
    MachineTypeResult result{std::move(graphs[i]), std::move(tables[i]),
                             std::move(runtime_table).value(), {}, {}, {}};
    result.verdicts = verifyEdges(set, result.graph, result.runtime_table);
    if (options.pools) result.pools = findPools(set, result.graph, result.runtime_table);
    analysis.machine_types.push_back(std::move(result));
  }
  if (analysis.judgedOnQemu()) {
    // After every table: QEMU registers tolerances per CPU class, the union
    // over the machine types.
    const GeneratedTolerances generated = generatedQemuTolerances(analysis);
    for (MachineTypeResult &m : analysis.machine_types)
      for (const MigrationEdge &edge : m.graph.edges)
        m.qemu.push_back(judgeOnQemu(set, set.platforms[edge.source], set.platforms[edge.dest], generated));
  }
  return analysis;
}

Result<Analysis> restrictToMachineTypes(const Analysis &analysis, const std::vector<std::string> &names) {
  std::vector<std::string> known;
  for (const auto &m : analysis.machine_types) known.push_back(m.graph.name());
  for (const std::string &name : names) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string list;
    for (const auto &k : known) list += (list.empty() ? "" : ", ") + k;
    return fail("the policy declares no machine type '" + name + "'" + db::didYouMean(name, known) +
                " (it declares: " + list + ")");
  }
  Analysis out;
  out.set = analysis.set;
  for (const auto &m : analysis.machine_types)
    if (std::find(names.begin(), names.end(), m.graph.name()) != names.end()) out.machine_types.push_back(m);
  return out;
}

} // namespace regcompat::generator
