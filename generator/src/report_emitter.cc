// ReportEmitter: the analysis as JSON and YAML (one tree, two renderings).
#include "emit_common.h"
#include "identifiers.h"
#include "regcompat/generator/emitters.h"
#include "report_tree.h"
#include "story.h"

namespace regcompat::generator {
namespace {

using report::Value;

Value registerValue(const PlatformSet &set, RegisterId id) {
  Value v = Value::map();
  v.set("index", hex16(id.index()));
  v.set("text", id.toText());
  if (auto name = set.database->nameOf(id)) v.set("name", *name);
  return v;
}

Value entryValue(const PlatformSet &set, const TableEntry &e) {
  Value v = registerValue(set, e.id);
  if (e.kind == EntryKind::Pin || e.kind == EntryKind::Tolerate) {
    v.set("rule", std::string(toString(e.kind)));
    if (e.kind == EntryKind::Pin) v.set("value", hexValue(e.value));
  }
  v.set("origin", e.origin);
  v.set("reason", e.reason);
  return v;
}

Value entries(const PlatformSet &set, const std::vector<TableEntry> &list) {
  Value v = Value::list();
  for (const TableEntry &e : list) v.push(entryValue(set, e));
  return v;
}

Value findingValue(const PlatformSet &set, const runtime::Finding &f) {
  Value v = Value::map();
  v.set("severity", std::string(runtime::toString(f.severity)));
  v.set("kind", std::string(runtime::toString(f.kind)));
  if (auto id = RegisterId::fromIndex(f.index)) {
    Value r = registerValue(set, id.value());
    for (const auto &[key, item] : r.entries()) v.set(key, item);
  } else {
    v.set("index", hex16(f.index));
  }
  v.set("side", std::string(runtime::toString(f.side)));
  if (f.local_value) v.set("local_value", hexValue(*f.local_value));
  if (f.incoming_value) v.set("incoming_value", hexValue(*f.incoming_value));
  return v;
}

Value runValue(const PlatformSet &set, const MigrationRun &run) {
  Value v = Value::map();
  v.set("loads", run.loads);
  v.set("sent", std::uint64_t{run.sent});
  v.set("accepted", std::uint64_t{run.accepted});
  v.set("over_qemu_length_cap", run.over_length_cap);
  Value findings = Value::list();
  std::uint64_t destination_only = 0;
  for (const runtime::Finding &f : run.report.findings) {
    // Registers the stream lacks keep their reset value: counted, not listed.
    if (f.kind == runtime::FindingKind::MissingFromStream && f.severity == runtime::Severity::Note) {
      ++destination_only;
      continue;
    }
    findings.push(findingValue(set, f));
  }
  v.set("destination_only", destination_only);
  v.set("findings", std::move(findings));
  return v;
}

Value buildReport(const Analysis &analysis) {
  const PlatformSet &set = *analysis.set;
  Value root = Value::map();
  root.set("generator", "regcompat gen");
  root.set("policy", set.policy->name);
  root.set("database", set.database->name);
  root.set("architecture", set.policy->architecture);

  Value summary = Value::map();
  summary.set("platforms", std::uint64_t{set.platforms.size()});
  summary.set("machine_types", std::uint64_t{analysis.machine_types.size()});
  summary.set("required_migrations", std::uint64_t{analysis.requiredMigrations()});
  summary.set("failing_without_tables", std::uint64_t{analysis.brokenWithout()});
  summary.set("failing_with_tables", std::uint64_t{analysis.brokenWith()});
  root.set("summary", std::move(summary));

  Value platforms = Value::list();
  for (const Platform &p : set.platforms) {
    Value v = Value::map();
    v.set("id", p.id);
    v.set("product", set.products[p.product]->release);
    v.set("hypervisor", set.products[p.product]->hypervisor);
    v.set("kernel", p.kernel);
    v.set("accelerator", p.accelerator);
    v.set("cpu_model", p.cpu_model);
    v.set("register_set", p.set->key.toString());
    v.set("migrated_registers", std::uint64_t{p.registers.size()});
    platforms.push(std::move(v));
  }
  root.set("platforms", std::move(platforms));

  Value machine_types = Value::list();
  for (const MachineTypeResult &m : analysis.machine_types) {
    Value mt = Value::map();
    mt.set("name", m.graph.name());
    mt.set("introduced", m.graph.machine_type->introduced);
    mt.set("baseline_release", set.products[m.graph.baseline_product]->release);
    Value baselines = Value::list();
    for (const std::string &g : m.graph.groups(set)) {
      Value b = Value::map();
      b.set("group", g);
      b.set("platform", set.platforms[*m.graph.baseline(set, g)].id);
      baselines.push(std::move(b));
    }
    mt.set("baselines", std::move(baselines));
    Value chain = Value::list();
    for (const std::string &c : chainOf(analysis, m)) chain.push(Value::string(c));
    mt.set("chain", std::move(chain));
    Value table = Value::map();
    table.set("hidden", entries(set, m.table.hidden));
    table.set("safe_missing", entries(set, m.table.safe_missing));
    table.set("values", entries(set, m.table.values));
    mt.set("table", std::move(table));

    Value migrations = Value::list();
    for (std::size_t e = 0; e < m.graph.edges.size(); ++e) {
      const MigrationEdge &edge = m.graph.edges[e];
      Value v = Value::map();
      v.set("source", set.platforms[edge.source].id);
      v.set("dest", set.platforms[edge.dest].id);
      v.set("direction", std::string(toString(edge.direction)));
      Value rules = Value::list();
      for (const std::string &r : edge.rules) rules.push(Value::string(r));
      v.set("rules", std::move(rules));
      v.set("without_table", runValue(set, m.verdicts[e].without_table));
      v.set("with_table", runValue(set, m.verdicts[e].with_table));
      Value blockers = Value::list();
      for (const Blocker &b : m.table.blockers) {
        if (b.edge != e) continue;
        Value bv = registerValue(set, b.id);
        bv.set("side", std::string(runtime::toString(b.side)));
        bv.set("reason", b.reason);
        blockers.push(std::move(bv));
      }
      v.set("blockers", std::move(blockers));
      migrations.push(std::move(v));
    }
    mt.set("migrations", std::move(migrations));

    Value pools = Value::list();
    for (const Pool &pool : m.pools) {
      Value v = Value::map();
      v.set("group", pool.group);
      Value members = Value::list();
      for (std::size_t p : pool.platforms) members.push(Value::string(set.platforms[p].id));
      v.set("platforms", std::move(members));
      pools.push(std::move(v));
    }
    mt.set("pools", std::move(pools));
    machine_types.push(std::move(mt));
  }
  root.set("machine_types", std::move(machine_types));
  return root;
}

} // namespace

std::string emitJsonReport(const Analysis &analysis) { return report::toJson(buildReport(analysis)); }
std::string emitYamlReport(const Analysis &analysis) { return report::toYaml(buildReport(analysis)); }

} // namespace regcompat::generator
