#include "regcompat/generator/edge_verifier.h"

#include "regcompat/runtime/save_side.h"

namespace regcompat::generator {

runtime::NameResolver nameResolver(const PlatformSet &set) {
  const db::Database *database = set.database;
  return [database](std::uint64_t index) -> std::optional<std::string> {
    auto id = RegisterId::fromIndex(index);
    return id ? database->nameOf(id.value()) : std::nullopt;
  };
}

MigrationRun runMigration(const Platform &source, const Platform &dest,
                          const runtime::CompatTable &table, const runtime::MergeOptions &options) {
  MigrationRun run;
  auto stream = runtime::outgoing(source.registers, table);
  if (!stream) {
    // The database validated every index; report rather than trust.
    run.report.ok = false;
    runtime::Finding f;
    f.kind = runtime::FindingKind::InvalidLocalIndex;
    f.message = source.id + ": " + stream.error();
    run.report.findings.push_back(std::move(f));
    return run;
  }
  run.sent = stream->size();
  run.accepted = runtime::visibleRegisters(dest.registers, table).size();
  run.over_length_cap = run.sent > run.accepted;
  run.report = runtime::merge(dest.registers, stream.value(), table, options);
  run.loads = run.report.ok;
  return run;
}

std::vector<EdgeVerdict> verifyEdges(const PlatformSet &set, const MachineTypeGraph &graph,
                                     const runtime::CompatTable &table) {
  runtime::MergeOptions options;
  options.name_resolver = nameResolver(set);
  const runtime::CompatTable none(graph.name());
  std::vector<EdgeVerdict> verdicts;
  verdicts.reserve(graph.edges.size());
  for (const MigrationEdge &edge : graph.edges) {
    const Platform &s = set.platforms[edge.source];
    const Platform &d = set.platforms[edge.dest];
    verdicts.push_back({runMigration(s, d, none, options), runMigration(s, d, table, options)});
  }
  return verdicts;
}

} // namespace regcompat::generator
