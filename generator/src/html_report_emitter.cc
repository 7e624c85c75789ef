// HtmlReportEmitter: the analysis (and optionally the release gate's
// verdict) as one self-contained HTML page: inline CSS and SVG, no script,
// no external asset, no clock; the same input gives the same bytes.
#include <map>
#include <set>

#include "emit_common.h"
#include "html_report_parts.h"
#include "html_text.h"
#include "identifiers.h"
#include "regcompat/generator/emitters.h"
#include "regcompat/generator/release_gate.h"

namespace regcompat::generator {
namespace {

using html::attr;
using html::escape;
using html::idPart;

constexpr const char *kStyle = R"(body{font-family:sans-serif;margin:1.5em;color:#1a1a1a;max-width:1400px}
h1{font-size:1.6em}h2{border-bottom:2px solid #444;margin-top:2em}h3{margin-top:1.4em}
nav ul{columns:2}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top;font-size:.85em}
th{background:#eee}
table.summary td:last-child{text-align:right}
.matrices{display:flex;flex-wrap:wrap;gap:1.2em}
table.matrix caption{font-weight:bold;text-align:left}
table.matrix th{font-size:.72em;white-space:nowrap}
td.cell,span.cell{width:2.2em;height:1.6em;text-align:center;font-weight:bold;display:table-cell}
span.cell{display:inline-block;border:1px solid #bbb;line-height:1.6em}
.cell.loads{background:#8fd19e}
.cell.loads-with-table{background:#ffd966}
.cell.fails{background:#e06666;color:#fff}
.cell.not-required{background:#f4f4f4}
.cell.same-platform{background:#999;color:#fff}
ul.legend{list-style:none;padding:0}ul.legend li{margin:.2em 0}
tr.added td:first-child{color:#1b6e2a}tr.removed td:first-child{color:#a61b1b}tr.changed td:first-child{color:#8a5a00}
.ship-verdict{font-size:1.25em;font-weight:bold;padding:.5em .8em;border-left:.5em solid}
.ship-verdict.ship{border-color:#3c9a50}.ship-verdict.ship-with-tables{border-color:#e0b000}.ship-verdict.do-not-ship{border-color:#c00000}
.verdict{font-weight:bold;padding:.4em .8em;display:inline-block}
.verdict.pass{background:#8fd19e}.verdict.change{background:#ffd966}.verdict.incompatible{background:#e06666;color:#fff}
svg.chart text{font-family:sans-serif;font-size:11px}
svg.chart .chart-title{font-size:14px;font-weight:bold}
svg.chart .value{font-size:9px}
svg.chart .subcategory{fill:#555}
svg.chart .grid{stroke:#ddd}svg.chart .axis{stroke:#333}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto}
footer{margin-top:3em;color:#555;font-size:.85em}
)";

std::string count(std::size_t n) { return std::to_string(n); }

std::string summaryTable(const Analysis &analysis) {
  const PlatformSet &set = *analysis.set;
  std::string out = "<table class=\"summary\">\n";
  auto row = [&out](const std::string &label, std::size_t n, const std::string &key) {
    out += "<tr" + attr("data-key", key) + "><th>" + escape(label) + "</th><td>" + count(n) + "</td></tr>\n";
  };
  row("product releases", set.products.size(), "products");
  row("platforms (release, kernel, accelerator, CPU model)", set.platforms.size(), "platforms");
  row("machine types", analysis.machine_types.size(), "machine_types");
  row("required migrations", analysis.requiredMigrations(), "required_migrations");
  row("failing without compat tables", analysis.brokenWithout(), "failing_without_tables");
  row("failing with the computed tables", analysis.brokenWith(), "failing_with_tables");
  return out + "</table>\n";
}

// The gate's verdict, for the summary.
std::string gateVerdict(const GateReport &gate, bool under_current_tables) {
  const int bits = gate.exitBits();
  const char *verdict = (bits & kGateIncompatible) ? "incompatible" : (bits & kGateChange) ? "change" : "pass";
  if (gate.rules == GateRules::Qemu)
    return "<p>Release gate: <span class=\"verdict " + std::string(verdict) + "\" id=\"gate-verdict\"" +
           attr("data-exit-status", static_cast<std::uint64_t>(bits)) + attr("data-rules", "qemu") + ">" + verdict +
           " (exit status " + std::to_string(bits) + ")</span></p>\n<p>Judged by real QEMU's loader of each "
           "destination release: " + count(gate.checked) + " required migrations checked, " +
           count(gate.qemuCount(QemuVerdictKind::LoadsAsIs)) + " load as is, " +
           count(gate.qemuCount(QemuVerdictKind::LoadsUnderOwnTolerances)) +
           " load under the release's own tolerances, " +
           count(gate.qemuCount(QemuVerdictKind::FixedByGeneratedTolerances)) + " need the generated tolerances, " +
           count(gate.qemuCount(QemuVerdictKind::Inexpressible)) + " need what QEMU cannot express.</p>\n";
  std::size_t fixable = 0;
  for (const BrokenMigration &b : gate.broken) fixable += b.fixable ? 1 : 0;
  return "<p>Release gate: <span class=\"verdict " + std::string(verdict) + "\" id=\"gate-verdict\"" +
         attr("data-exit-status", static_cast<std::uint64_t>(bits)) + ">" + verdict + " (exit status " +
         std::to_string(bits) + ")</span></p>\n<p>Judged " +
         (under_current_tables ? "under the shipped compat files" : "without compat tables") + ": " +
         count(gate.checked) + " required migrations checked, " + count(gate.broken.size()) + " fail, " +
         count(fixable) + " of them fixed by the generated tables, " + count(gate.broken.size() - fixable) +
         " beyond every table the policy allows.</p>\n";
}

// Per machine type, the registers that break its migrations as the gate
// judged them, with the entry that fixes each (or why none can).
std::string qemuGateSection(const Analysis &analysis, const GateReport &gate) {
  const PlatformSet &set = *analysis.set;
  std::string out = "<section id=\"gate\"" + attr("data-exit-status", static_cast<std::uint64_t>(gate.exitBits())) +
                    attr("data-rules", "qemu") + ">\n<h2>Release gate: the registers that break migrations</h2>\n";
  out += "<p>Every required migration that does not load as is on real QEMU, judged by the destination "
         "release's loader (docs/qemu-cpreg-migration.md), with what it relies on or what stops it.</p>\n";
  out += "<table class=\"qemu-gate\">\n<tr><th>machine type</th><th>source</th><th>destination</th>"
         "<th>verdict</th><th>detail</th></tr>\n";
  for (const QemuJudgedMigration &j : gate.qemu) {
    const QemuEdgeVerdict &v = *j.verdict;
    if (v.kind == QemuVerdictKind::LoadsAsIs) continue;
    const MachineTypeResult &m = analysis.machine_types[j.machine_type];
    const MigrationEdge &edge = m.graph.edges[j.edge];
    std::string detail;
    for (const std::string &line : qemuVerdictLines(set, v)) detail += escape(line) + "<br>";
    out += "<tr" + attr("data-verdict", std::string(toString(v.kind))) + "><td>" + escape(m.graph.name()) +
           "</td><td>" + escape(set.platforms[edge.source].id) + "</td><td>" + escape(set.platforms[edge.dest].id) +
           "</td><td>" + escape(std::string(qemuVerdictText(v.kind))) + "</td><td>" + detail + "</td></tr>\n";
  }
  return out + "</table>\n</section>\n";
}

std::string gateSection(const Analysis &analysis, const GateReport &gate) {
  const PlatformSet &set = *analysis.set;
  if (gate.rules == GateRules::Qemu) return qemuGateSection(analysis, gate);
  std::string out = "<section id=\"gate\"" + attr("data-exit-status", static_cast<std::uint64_t>(gate.exitBits())) +
                    ">\n<h2>Release gate: the registers that break migrations</h2>\n";
  if (gate.broken.empty()) return out + "<p>No required migration fails.</p>\n</section>\n";
  // (machine type, register) -> migrations it breaks; first seen keeps the text.
  struct Culprit {
    const ResponsibleRegister *reg = nullptr;
    std::size_t migrations = 0;
  };
  std::map<std::pair<std::size_t, std::uint64_t>, Culprit> culprits;
  for (const BrokenMigration &b : gate.broken)
    for (const ResponsibleRegister &r : b.registers) {
      Culprit &c = culprits[{b.machine_type, r.id.index()}];
      if (!c.reg) c.reg = &r;
      ++c.migrations;
    }
  out += "<table class=\"culprits\">\n<tr><th>machine type</th><th>register</th><th>index</th><th>broken "
         "migrations</th><th>what changed</th><th>fix</th></tr>\n";
  for (const auto &[key, c] : culprits) {
    const std::string fix = c.reg->fix ? fixText(*c.reg->fix) : "none: " + c.reg->blocker;
    out += "<tr><td>" + escape(analysis.machine_types[key.first].graph.name()) + "</td><td>" +
           escape(registerLabel(set, c.reg->id)) + "</td><td><code>" + escape(hex16(key.second)) + "</code></td><td>" +
           count(c.migrations) + "</td><td>" + escape(c.reg->story) + "</td><td>" + escape(fix) + "</td></tr>\n";
  }
  return out + "</table>\n</section>\n";
}

std::string entryTable(const PlatformSet &set, const MachineTypeResult &m, const char *heading, const char *kind,
                       const std::vector<TableEntry> &entries) {
  std::string out = "<h4>" + escape(heading) + " (" + count(entries.size()) + ")</h4>\n";
  if (entries.empty()) return out + "<p>none</p>\n";
  out += "<table class=\"entries\"" + attr("data-kind", kind) +
         ">\n<tr><th>register</th><th>text form</th><th>index</th><th>value</th><th>needed by</th><th>reason</th></tr>\n";
  for (const TableEntry &e : entries) {
    const std::string value = e.kind == EntryKind::Pin ? hexValue(e.value) : "";
    const std::string origin = e.origin == m.graph.name() ? e.origin : e.origin + " (compat chain)";
    out += "<tr" + attr("data-kind", std::string(toString(e.kind))) + attr("data-index", hex16(e.id.index())) +
           "><td>" + escape(set.displayName(e.id)) + "</td><td><code>" + escape(e.id.toText()) +
           "</code></td><td><code>" + escape(hex16(e.id.index())) + "</code></td><td>" + escape(value) + "</td><td>" +
           escape(origin) + "</td><td>" + escape(e.reason) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string valueEntries(const PlatformSet &set, const MachineTypeResult &m, EntryKind kind, const char *heading) {
  std::vector<TableEntry> selected;
  for (const TableEntry &e : m.table.values)
    if (e.kind == kind) selected.push_back(e);
  return entryTable(set, m, heading, kind == EntryKind::Pin ? "pin" : "tolerate", selected);
}

std::string poolList(const PlatformSet &set, const MachineTypeResult &m) {
  if (m.pools.empty()) return "<p>Not computed (the pool search was skipped).</p>\n";
  std::string out = "<ul class=\"pools\">\n";
  for (const Pool &pool : m.pools) {
    out += "<li" + attr("data-group", pool.group) + attr("data-size", pool.platforms.size()) + "><b>" +
           escape(pool.group) + "</b> (" + count(pool.platforms.size()) + "): ";
    for (std::size_t i = 0; i < pool.platforms.size(); ++i)
      out += (i ? ", " : "") + escape(set.platforms[pool.platforms[i]].id);
    out += "</li>\n";
  }
  return out + "</ul>\n";
}

std::string machineTypeSection(const Analysis &analysis, const MachineTypeResult &m) {
  const PlatformSet &set = *analysis.set;
  std::string out = "<section class=\"machine-type\"" + attr("id", "mt-" + idPart(m.graph.name())) +
                    attr("data-machine-type", m.graph.name()) + ">\n<h2>Machine type " + escape(m.graph.name()) +
                    "</h2>\n<p>" + escape(m.graph.name() + " " + machineTypeSummary(analysis, m)) + ".</p>\n";
  out += "<h3>Migration matrix</h3>\n" + html::migrationMatrices(analysis, m);
  out += "<h3>Compat table entries (" + count(m.table.size()) + ")</h3>\n";
  out += entryTable(set, m, "Hidden", "hidden", m.table.hidden);
  out += entryTable(set, m, "Safe to miss", "safe-missing", m.table.safe_missing);
  out += valueEntries(set, m, EntryKind::Pin, "Pinned values");
  out += valueEntries(set, m, EntryKind::Tolerate, "Tolerated values");
  if (!m.table.blockers.empty()) {
    out += "<h4>Blockers (" + count(m.table.blockers.size()) + ")</h4>\n<ul class=\"blockers\">\n";
    for (const Blocker &b : m.table.blockers) {
      const MigrationEdge &edge = m.graph.edges[b.edge];
      out += "<li>" + escape(set.platforms[edge.source].id + " -> " + set.platforms[edge.dest].id + ": " +
                             registerLabel(set, b.id) + ": " + b.reason) +
             "</li>\n";
    }
    out += "</ul>\n";
  }
  out += "<h3>Migration pools</h3>\n<p>Platforms of one group that can all migrate to each other under the "
         "table.</p>\n" +
         poolList(set, m);
  return out + "</section>\n";
}

} // namespace

std::string emitHtmlReport(const Analysis &analysis, const HtmlReportOptions &options) {
  const PlatformSet &set = *analysis.set;
  const std::string title = options.title.empty() ? "regcompat report: " + set.policy->name : options.title;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                    escape(title) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n<h1>" +
                    escape(title) + "</h1>\n";
  const GateOptions default_gate_options;
  const GateOptions &gate_options = options.gate_options ? *options.gate_options : default_gate_options;
  if (options.gate) {
    // What a release manager reads first: the decision, in one sentence.
    const GateVerdict verdict = generator::gateVerdict(analysis, gate_options, *options.gate);
    const std::string decision(toString(verdict.decision));
    out += "<p id=\"ship-verdict\" class=\"ship-verdict " + decision + "\"" + attr("data-decision", decision) + ">" +
           escape(verdict.summary) + "</p>\n";
  }
  out += "<p>Policy <b>" + escape(set.policy->name) + "</b>";
  if (!set.policy->description.empty()) out += " (" + escape(set.policy->description) + ")";
  out += ", database <b>" + escape(set.database->name) + "</b>, architecture " + escape(set.policy->architecture) +
         ".";
  if (!options.generated_at.empty())
    out += " <span id=\"generated-at\">Generated " + escape(options.generated_at) + ".</span>";
  out += "</p>\n";

  out += "<nav><ul>\n<li><a href=\"#summary\">Summary</a></li>\n";
  for (const MachineTypeResult &m : analysis.machine_types)
    out += "<li><a href=\"#mt-" + idPart(m.graph.name()) + "\">Machine type " + escape(m.graph.name()) + "</a></li>\n";
  if (options.gate) out += "<li><a href=\"#gate\">Release gate: the registers that break migrations</a></li>\n";
  out += "<li><a href=\"#deltas\">Register deltas per release</a></li>\n"
         "<li><a href=\"#sizes\">Register-set sizes</a></li>\n";
  for (const HtmlSection &s : options.extra_sections)
    out += "<li><a href=\"#" + idPart(s.id) + "\">" + escape(s.heading) + "</a></li>\n";
  out += "</ul></nav>\n";

  out += "<section id=\"summary\">\n<h2>Summary</h2>\n" + summaryTable(analysis);
  if (options.gate) out += gateVerdict(*options.gate, gate_options.current.has_value());
  out += "<p>Cells of the migration matrices (rows: source platform, columns: destination):</p>\n" +
         std::string(html::cellStatusLegend()) + "</section>\n";
  if (analysis.machine_types.empty()) out += "<p>The policy declares no machine type.</p>\n";
  for (const MachineTypeResult &m : analysis.machine_types) out += machineTypeSection(analysis, m);
  if (options.gate) out += gateSection(analysis, *options.gate);
  out += "<section id=\"deltas\">\n<h2>Register deltas per release</h2>\n" + html::releaseDeltas(set) +
         "</section>\n";
  out += "<section id=\"sizes\">\n<h2>Register-set sizes</h2>\n" + html::registerSetSizes(set) + "</section>\n";
  for (const HtmlSection &s : options.extra_sections)
    out += "<section class=\"extra\"" + attr("id", idPart(s.id)) + ">\n<h2>" + escape(s.heading) + "</h2>\n<pre>" +
           escape(s.text) + "</pre>\n</section>\n";
  out += "<footer>" + escape(provenanceLine(analysis)) + "</footer>\n</body>\n</html>\n";
  return out;
}

} // namespace regcompat::generator
