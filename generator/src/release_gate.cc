#include "regcompat/generator/release_gate.h"

#include <algorithm>

#include "emit_common.h"
#include "identifiers.h"
#include "regcompat/generator/compat_conversion.h"
#include "regcompat/json_writer.h"
#include "story.h"

namespace regcompat::generator {
namespace {

bool involves(const PlatformSet &set, const Platform &p, const std::string &release) {
  const Product &product = *set.products[p.product];
  return product.release == release || product.hypervisor == release || p.kernel == release;
}

bool isPresenceFinding(runtime::FindingKind kind) {
  return kind == runtime::FindingKind::NotHere || kind == runtime::FindingKind::HiddenHere;
}
bool isValueFinding(runtime::FindingKind kind) {
  return kind == runtime::FindingKind::ConstantMismatch || kind == runtime::FindingKind::PinMismatch;
}

// The generated entry that settles this finding, if any.
const TableEntry *fixFor(const MachineTable &table, RegisterId id, runtime::FindingKind kind) {
  if (const TableEntry *e = table.hiddenEntry(id)) return e;
  if (isPresenceFinding(kind)) return table.safeMissingEntry(id);
  if (isValueFinding(kind)) return table.valueEntry(id);
  return nullptr;
}

db::CompatEntry compatEntry(const TableEntry &e, const PlatformSet &set) {
  return {e.id, set.knownName(e.id).value_or(""), e.reason};
}

// `file` with `fix` added (replacing what it contradicts).
void applyFix(db::CompatFile &file, const TableEntry &fix, const PlatformSet &set) {
  auto has = [&](const std::vector<db::CompatEntry> &list) {
    return std::any_of(list.begin(), list.end(), [&](const db::CompatEntry &c) { return c.id == fix.id; });
  };
  auto dropRule = [&] {
    std::erase_if(file.values, [&](const db::ValueRule &r) { return r.id == fix.id; });
  };
  switch (fix.kind) {
    case EntryKind::Hidden:
      if (!has(file.hidden)) file.hidden.push_back(compatEntry(fix, set));
      dropRule();
      break;
    case EntryKind::SafeMissing:
      if (!has(file.safe_missing)) file.safe_missing.push_back(compatEntry(fix, set));
      break;
    case EntryKind::Pin:
    case EntryKind::Tolerate: {
      dropRule();
      db::ValueRule rule;
      rule.id = fix.id;
      rule.name = set.knownName(fix.id).value_or("");
      rule.rule = fix.kind == EntryKind::Pin ? db::ValueRule::Kind::Pin : db::ValueRule::Kind::Tolerate;
      if (fix.kind == EntryKind::Pin) rule.value = fix.value;
      rule.reason = fix.reason;
      file.values.push_back(std::move(rule));
      break;
    }
  }
  auto byId = [](const auto &a, const auto &b) { return a.id < b.id; };
  std::sort(file.hidden.begin(), file.hidden.end(), byId);
  std::sort(file.safe_missing.begin(), file.safe_missing.end(), byId);
  std::sort(file.values.begin(), file.values.end(), byId);
}

std::string sideText(runtime::Side side) {
  switch (side) {
    case runtime::Side::SourceOnly: return "source only";
    case runtime::Side::DestinationOnly: return "destination only";
    case runtime::Side::Both: return "both sides";
    case runtime::Side::NotApplicable: return "n/a";
  }
  return "?";
}

// "virt-10.0 tcg/max: 10.0.13/6.12.107 -> 10.2.2/6.12.107"
std::string migrationLabel(const PlatformSet &set, const MachineTypeResult &m, std::size_t e) {
  const MigrationEdge &edge = m.graph.edges[e];
  const Platform &s = set.platforms[edge.source];
  const Platform &d = set.platforms[edge.dest];
  return m.graph.name() + " " + s.group() + ": " + set.products[s.product]->release + "/" + s.kernel + " -> " +
         set.products[d.product]->release + "/" + d.kernel;
}

std::string migrationHeading(const PlatformSet &set, const MachineTypeResult &m, std::size_t e,
                             const std::string &verdict) {
  const MigrationEdge &edge = m.graph.edges[e];
  return verdict + ": " + migrationLabel(set, m, e) + " (" + std::string(toString(edge.direction)) + "; source " +
         set.platforms[edge.source].id + ", destination " + set.platforms[edge.dest].id + ")";
}

void indexArray(JsonWriter &json, const char *key, const std::vector<std::uint64_t> &indexes) {
  json.key(key).beginArray();
  for (std::uint64_t i : indexes) json.value(hex16(i));
  json.endArray();
}

void writeQemuVerdictJson(JsonWriter &json, const std::string &machine_type, const Platform &source,
                          const Platform &dest, const std::string &direction, const QemuEdgeVerdict &v) {
  json.beginObject()
      .field("machine_type", machine_type)
      .field("source", source.id)
      .field("dest", dest.id)
      .field("direction", direction)
      .field("verdict", std::string(toString(v.kind)))
      .field("dest_release", v.dest_release)
      .field("loader", std::string(toString(v.loader)))
      .field("values_judged", v.values_modelled)
      .field("failed_check", std::string(toString(v.prediction.failed)));
  indexArray(json, "tolerated", v.prediction.tolerated);
  indexArray(json, "needed_tolerances", v.needed_tolerances);
  json.key("obstacles").beginArray();
  for (const QemuObstacle &o : v.obstacles) {
    json.beginObject().field("kind", std::string(toString(o.kind)));
    indexArray(json, "registers", o.registers);
    json.field("why", o.why).field("fix", o.fix).endObject();
  }
  json.endArray();
  json.key("messages").beginArray();
  for (const std::string &m : v.prediction.messages) json.value(m);
  json.endArray().endObject();
}

} // namespace

std::size_t GateReport::qemuCount(QemuVerdictKind kind) const {
  return static_cast<std::size_t>(
      std::count_if(qemu.begin(), qemu.end(), [&](const QemuJudgedMigration &m) { return m.verdict->kind == kind; }));
}

int GateReport::exitBits() const {
  int bits = 0;
  for (const QemuJudgedMigration &m : qemu) {
    if (m.verdict->kind == QemuVerdictKind::FixedByGeneratedTolerances) bits |= kGateChange;
    if (m.verdict->kind == QemuVerdictKind::Inexpressible) bits |= kGateChange | kGateIncompatible;
  }
  for (const BrokenMigration &b : broken) bits |= b.fixable ? kGateChange : (kGateChange | kGateIncompatible);
  return bits;
}

std::string_view toString(ShipDecision decision) {
  switch (decision) {
    case ShipDecision::Ship: return "ship";
    case ShipDecision::ShipWithTables: return "ship-with-tables";
    case ShipDecision::DoNotShip: return "do-not-ship";
  }
  return "?";
}

GateVerdict gateVerdict(const Analysis &analysis, const GateOptions &options, const GateReport &report) {
  const PlatformSet &set = *analysis.set;
  const int bits = report.exitBits();
  const std::string required = std::to_string(report.checked) + " required migrations" +
                               (options.candidate ? " involving " + *options.candidate : std::string());
  GateVerdict v;
  v.decision = (bits & kGateIncompatible) ? ShipDecision::DoNotShip
               : (bits & kGateChange)     ? ShipDecision::ShipWithTables
                                          : ShipDecision::Ship;
  if (report.checked == 0) {
    v.summary = "Ship: there is nothing to judge (no required migration" +
                (options.candidate ? " involves " + *options.candidate : std::string(" in the policy")) + ").";
    return v;
  }
  if (report.rules == GateRules::Qemu) {
    const std::size_t fixed = report.qemuCount(QemuVerdictKind::FixedByGeneratedTolerances);
    const std::size_t blocked = report.qemuCount(QemuVerdictKind::Inexpressible);
    switch (v.decision) {
      case ShipDecision::Ship:
        v.summary = "Ship: all " + required + " load on real QEMU as things stand (" +
                    std::to_string(report.qemuCount(QemuVerdictKind::LoadsAsIs)) + " as is, " +
                    std::to_string(report.qemuCount(QemuVerdictKind::LoadsUnderOwnTolerances)) +
                    " under the destination release's own tolerances).";
        break;
      case ShipDecision::ShipWithTables:
        v.summary = "Ship with the generated QEMU tolerances (regcompat gen --qemu): " + std::to_string(fixed) +
                    " of the " + required + " load on real QEMU only with them; the others load as things stand.";
        break;
      case ShipDecision::DoNotShip: {
        const auto first = std::find_if(report.qemu.begin(), report.qemu.end(), [](const QemuJudgedMigration &j) {
          return j.verdict->kind == QemuVerdictKind::Inexpressible;
        });
        const QemuEdgeVerdict &fv = *first->verdict;
        v.summary = "Do not ship: " + std::to_string(blocked) + " of the " + required +
                    " cannot load on real QEMU whatever tolerances it registers (first: " +
                    migrationLabel(set, analysis.machine_types[first->machine_type], first->edge) +
                    (fv.obstacles.empty() ? std::string() : ", " + std::string(toString(fv.obstacles.front().kind))) +
                    ").";
        break;
      }
    }
    return v;
  }
  const std::string judged = options.current ? "under the current compat files" : "without compat tables";
  switch (v.decision) {
    case ShipDecision::Ship:
      v.summary = "Ship: all " + required + " load " + judged + ".";
      break;
    case ShipDecision::ShipWithTables:
      v.summary = "Ship with the generated compat tables (regcompat gen): " + std::to_string(report.broken.size()) +
                  " of the " + required + " fail " + judged + ", and the tables fix every one.";
      break;
    case ShipDecision::DoNotShip: {
      std::size_t unfixable = 0;
      for (const BrokenMigration &b : report.broken) unfixable += b.fixable ? 0 : 1;
      const auto first = std::find_if(report.broken.begin(), report.broken.end(),
                                      [](const BrokenMigration &b) { return !b.fixable; });
      v.summary = "Do not ship: " + std::to_string(unfixable) + " of the " + required +
                  " fail under every table the policy allows (first: " +
                  migrationLabel(set, analysis.machine_types[first->machine_type], first->edge) + ").";
      break;
    }
  }
  return v;
}

std::string fixText(const TableEntry &e) {
  switch (e.kind) {
    case EntryKind::Hidden: return "x-mig-hidden-regs += " + hex16(e.id.index());
    case EntryKind::SafeMissing: return "x-mig-safe-missing-regs += " + hex16(e.id.index());
    case EntryKind::Pin: return "value rule: pin " + hex16(e.id.index()) + " to " + hexValue(e.value);
    case EntryKind::Tolerate: return "value rule: tolerate " + hex16(e.id.index());
  }
  return "?";
}

Result<GateReport> runGate(const Analysis &analysis, const GateOptions &options) {
  const PlatformSet &set = *analysis.set;
  if (options.candidate) {
    const bool known = std::any_of(set.platforms.begin(), set.platforms.end(),
                                   [&](const Platform &p) { return involves(set, p, *options.candidate); });
    if (!known)
      return fail("candidate " + *options.candidate +
                  " is no product, hypervisor or kernel release of the policy's platforms");
  }
  GateReport report;
  report.rules = options.rules;
  if (options.rules == GateRules::Qemu) {
    if (!analysis.judgedOnQemu())
      return fail("QEMU's loader is judged for Arm CPUs only; the policy's architecture is " +
                  set.policy->architecture + " (use --rules runtime)");
    if (options.current)
      return fail("compat files are runtime tables; QEMU is judged under its own and the generated "
                  "tolerances (use --rules runtime with --compat)");
    for (std::size_t t = 0; t < analysis.machine_types.size(); ++t) {
      const MachineTypeResult &m = analysis.machine_types[t];
      for (std::size_t e = 0; e < m.graph.edges.size(); ++e) {
        const MigrationEdge &edge = m.graph.edges[e];
        if (options.candidate && !involves(set, set.platforms[edge.source], *options.candidate) &&
            !involves(set, set.platforms[edge.dest], *options.candidate))
          continue;
        const QemuEdgeVerdict &v = m.qemu.at(e);
        if (v.kind == QemuVerdictKind::Unjudged)
          return fail(set.platforms[edge.source].id + " -> " + set.platforms[edge.dest].id + ": " + v.unjudged);
        ++report.checked;
        report.qemu.push_back({t, e, &v});
      }
    }
    return report;
  }
  runtime::MergeOptions merge_options;
  merge_options.name_resolver = nameResolver(set);
  for (std::size_t t = 0; t < analysis.machine_types.size(); ++t) {
    const MachineTypeResult &m = analysis.machine_types[t];
    std::optional<runtime::CompatTable> current;
    db::CompatFile suggested;
    suggested.machine_type = m.graph.name();
    if (options.current) {
      auto it = options.current->find(m.graph.name());
      if (it != options.current->end()) {
        auto table = toCompatTable(it->second);
        if (!table) return fail("compat file for " + m.graph.name() + ": " + table.error());
        current = std::move(table).value();
        suggested = it->second;
      } else {
        current = runtime::CompatTable(m.graph.name());
      }
    }
    bool any_fix = false;
    for (std::size_t e = 0; e < m.graph.edges.size(); ++e) {
      const MigrationEdge &edge = m.graph.edges[e];
      const Platform &s = set.platforms[edge.source];
      const Platform &d = set.platforms[edge.dest];
      if (options.candidate && !involves(set, s, *options.candidate) && !involves(set, d, *options.candidate))
        continue;
      ++report.checked;
      const MigrationRun run = current ? runMigration(s, d, *current, merge_options) : m.verdicts[e].without_table;
      if (run.loads) continue;
      BrokenMigration broken;
      broken.machine_type = t;
      broken.edge = e;
      broken.fixable = m.verdicts[e].with_table.loads;
      for (const runtime::Finding &f : run.report.findings) {
        if (f.severity != runtime::Severity::Error) continue;
        auto id = RegisterId::fromIndex(f.index);
        if (!id || !(isPresenceFinding(f.kind) || isValueFinding(f.kind))) {
          broken.other_errors.push_back(f.message);
          continue;
        }
        ResponsibleRegister r;
        r.id = id.value();
        r.name = set.displayName(id.value());
        r.kind = f.kind;
        r.side = f.side;
        r.local_value = f.local_value;
        r.incoming_value = f.incoming_value;
        r.story = isValueFinding(f.kind) ? valueStory(set, m.graph, id.value())
                                         : presenceStory(set, m.graph, id.value());
        if (const TableEntry *fix = fixFor(m.table, id.value(), f.kind)) {
          r.fix = *fix;
          if (broken.fixable) {
            applyFix(suggested, *fix, set);
            any_fix = true;
          }
        } else {
          for (const Blocker &b : m.table.blockers)
            if (b.edge == e && b.id == id.value()) r.blocker = b.reason;
          if (r.blocker.empty()) r.blocker = "no table entry the policy allows fixes it";
        }
        broken.registers.push_back(std::move(r));
      }
      report.broken.push_back(std::move(broken));
    }
    if (any_fix) report.suggested.push_back(std::move(suggested));
  }
  return report;
}

std::string renderGateText(const Analysis &analysis, const GateOptions &options, const GateReport &report) {
  const PlatformSet &set = *analysis.set;
  std::string out = gateVerdict(analysis, options, report).summary + "\n";
  if (report.rules == GateRules::Qemu) {
    for (const QemuJudgedMigration &j : report.qemu) {
      const QemuEdgeVerdict &v = *j.verdict;
      if (v.kind == QemuVerdictKind::LoadsAsIs) continue;
      const MachineTypeResult &m = analysis.machine_types[j.machine_type];
      out += migrationHeading(set, m, j.edge, std::string(qemuVerdictText(v.kind))) + "\n";
      for (const std::string &line : qemuVerdictLines(set, v)) out += "  " + line + "\n";
    }
    out += "checked " + std::to_string(report.checked) + " required migrations" +
           (options.candidate ? " involving " + *options.candidate : std::string()) +
           " against real QEMU's loader of each destination release: " +
           std::to_string(report.qemuCount(QemuVerdictKind::LoadsAsIs)) + " load as is, " +
           std::to_string(report.qemuCount(QemuVerdictKind::LoadsUnderOwnTolerances)) +
           " load under the release's own tolerances, " +
           std::to_string(report.qemuCount(QemuVerdictKind::FixedByGeneratedTolerances)) +
           " need the generated tolerances, " + std::to_string(report.qemuCount(QemuVerdictKind::Inexpressible)) +
           " need what QEMU cannot express\n";
    return out;
  }
  const std::string judged = options.current ? "under the current compat files" : "without compat tables";
  for (const BrokenMigration &b : report.broken) {
    const MachineTypeResult &m = analysis.machine_types[b.machine_type];
    const MigrationEdge &edge = m.graph.edges[b.edge];
    out += (b.fixable ? "BROKEN " : "BROKEN (no table fixes it) ") + m.graph.name() + " " +
           set.platforms[edge.source].group() + ": " + set.products[set.platforms[edge.source].product]->release +
           "/" + set.platforms[edge.source].kernel + " -> " +
           set.products[set.platforms[edge.dest].product]->release + "/" + set.platforms[edge.dest].kernel +
           " (" + std::string(toString(edge.direction)) + "; source " + set.platforms[edge.source].id +
           ", destination " + set.platforms[edge.dest].id + ")\n";
    for (const ResponsibleRegister &r : b.registers) {
      out += "  " + hex16(r.id.index()) + " " + registerLabel(set, r.id) + ": " +
             std::string(runtime::toString(r.kind)) + ", " + sideText(r.side);
      if (isValueFinding(r.kind)) {
        out += " (source " + (r.incoming_value ? hexValue(*r.incoming_value) : std::string("-")) +
               ", destination " + (r.local_value ? hexValue(*r.local_value) : std::string("-")) + ")";
      }
      out += "\n    " + r.story + "\n";
      if (r.fix) {
        out += "    fix: " + fixText(*r.fix) + " in " + m.graph.name() + ": " + r.fix->why;
        if (r.fix->origin != m.graph.name()) out += " [from " + r.fix->origin + "'s compat chain]";
        out += "\n";
      }
      else out += "    no fix: " + r.blocker + "\n";
    }
    for (const std::string &e : b.other_errors) out += "  " + e + "\n";
  }
  std::size_t unfixable = 0;
  for (const BrokenMigration &b : report.broken) unfixable += b.fixable ? 0 : 1;
  out += "checked " + std::to_string(report.checked) + " required migrations" +
         (options.candidate ? " involving " + *options.candidate : std::string()) + ": " +
         std::to_string(report.broken.size()) + " fail " + judged + ", " +
         std::to_string(report.broken.size() - unfixable) + " of them fixed by the generated tables, " +
         std::to_string(unfixable) + " beyond any table the policy allows\n";
  return out;
}

std::string renderGateJson(const Analysis &analysis, const GateOptions &options, const GateReport &report) {
  const PlatformSet &set = *analysis.set;
  JsonWriter json;
  json.beginObject();
  json.field("schema_version", 1);
  if (!options.tool_version.empty()) json.field("tool", "regcompat " + options.tool_version);
  json.field("policy", set.policy->name).field("database", set.database->name);
  if (options.candidate) json.field("candidate", *options.candidate);
  json.key("inputs").beginArray();
  for (const GateOptions::Input &in : options.inputs)
    json.beginObject().field("role", in.role).field("path", in.path).field("digest", in.digest).endObject();
  json.endArray();
  json.field("rules", report.rules == GateRules::Qemu ? "qemu" : "runtime");
  const GateVerdict verdict = gateVerdict(analysis, options, report);
  json.field("verdict", toString(verdict.decision)).field("verdict_summary", verdict.summary);
  if (report.rules == GateRules::Qemu) {
    json.field("checked", std::uint64_t{report.checked});
    json.field("exit_status", report.exitBits());
    json.key("counts").beginObject();
    for (QemuVerdictKind k : {QemuVerdictKind::LoadsAsIs, QemuVerdictKind::LoadsUnderOwnTolerances,
                              QemuVerdictKind::FixedByGeneratedTolerances, QemuVerdictKind::Inexpressible})
      json.field(std::string(toString(k)), std::uint64_t{report.qemuCount(k)});
    json.endObject();
    json.key("migrations").beginArray();
    for (const QemuJudgedMigration &j : report.qemu) {
      const MachineTypeResult &m = analysis.machine_types[j.machine_type];
      const MigrationEdge &edge = m.graph.edges[j.edge];
      writeQemuVerdictJson(json, m.graph.name(), set.platforms[edge.source], set.platforms[edge.dest],
                           std::string(toString(edge.direction)), *j.verdict);
    }
    json.endArray().endObject();
    return json.take();
  }
  json.field("judged", options.current ? "current compat files" : "without compat tables");
  json.field("checked", std::uint64_t{report.checked});
  json.field("exit_status", report.exitBits());
  json.key("broken").beginArray();
  for (const BrokenMigration &b : report.broken) {
    const MachineTypeResult &m = analysis.machine_types[b.machine_type];
    const MigrationEdge &edge = m.graph.edges[b.edge];
    json.beginObject()
        .field("machine_type", m.graph.name())
        .field("source", set.platforms[edge.source].id)
        .field("dest", set.platforms[edge.dest].id)
        .field("direction", std::string(toString(edge.direction)))
        .field("fixable", b.fixable);
    json.key("registers").beginArray();
    for (const ResponsibleRegister &r : b.registers) {
      json.beginObject()
          .field("index", hex16(r.id.index()))
          .field("text", r.id.toText())
          .field("name", r.name)
          .field("kind", std::string(runtime::toString(r.kind)))
          .field("side", std::string(runtime::toString(r.side)));
      if (r.incoming_value) json.field("source_value", hexValue(*r.incoming_value));
      if (r.local_value) json.field("destination_value", hexValue(*r.local_value));
      json.field("story", r.story);
      if (r.fix) {
        json.key("fix").beginObject()
            .field("entry", std::string(toString(r.fix->kind)))
            .field("text", fixText(*r.fix))
            .field("reason", r.fix->reason)
            .endObject();
      } else {
        json.field("blocker", r.blocker);
      }
      json.endObject();
    }
    json.endArray();
    json.key("other_errors").beginArray();
    for (const std::string &e : b.other_errors) json.value(e);
    json.endArray().endObject();
  }
  json.endArray().endObject();
  return json.take();
}

} // namespace regcompat::generator
