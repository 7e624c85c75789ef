// Compat files (database/SCHEMA.md), one per machine type, and the text
// summary `regcompat gen` prints.
#include "emit_common.h"
#include "identifiers.h"
#include "regcompat/generator/emitters.h"
#include "story.h"

namespace regcompat::generator {

std::vector<db::CompatFile> emitCompatFiles(const Analysis &analysis) {
  std::vector<db::CompatFile> files;
  for (const MachineTypeResult &m : analysis.machine_types) files.push_back(m.table.toCompatFile());
  return files;
}

std::string emitTextSummary(const Analysis &analysis) {
  const PlatformSet &set = *analysis.set;
  std::string out = "policy " + set.policy->name + " over database " + set.database->name + ": " +
                    std::to_string(analysis.machine_types.size()) + " machine types, " +
                    std::to_string(set.platforms.size()) + " platforms, " +
                    std::to_string(analysis.requiredMigrations()) + " required migrations (" +
                    std::to_string(analysis.brokenWithout()) + " fail without compat tables, " +
                    std::to_string(analysis.brokenWith()) + " with the generated tables)\n";
  for (const MachineTypeResult &m : analysis.machine_types) {
    out += "\n" + m.graph.name() + ": " + machineTypeSummary(analysis, m) + "\n";
    auto list = [&](const char *label, const std::vector<TableEntry> &entries) {
      for (const TableEntry &e : entries) {
        std::string kind = label;
        if (e.kind == EntryKind::Pin) kind = "pin " + hexValue(e.value);
        if (e.kind == EntryKind::Tolerate) kind = "tolerate";
        out += "  " + kind + "  " + hex16(e.id.index()) + "  " + entryNote(set, m, e) + "\n";
      }
    };
    list("hidden", m.table.hidden);
    list("safe-missing", m.table.safe_missing);
    list("value", m.table.values);
    for (const Blocker &b : m.table.blockers)
      out += "  BLOCKED  " + edgeLabel(set, m.graph.edges[b.edge]) + ": " + registerLabel(set, b.id) +
             ": " + b.reason + "\n";
    for (std::size_t e = 0; e < m.graph.edges.size(); ++e) {
      if (m.verdicts[e].with_table.loads) continue;
      out += "  FAILS WITH THE TABLE  " + edgeLabel(set, m.graph.edges[e]) + "\n";
    }
    std::size_t over_cap = 0;
    for (const EdgeVerdict &v : m.verdicts) over_cap += v.with_table.over_length_cap ? 1 : 0;
    if (over_cap > 0)
      out += "  note: " + std::to_string(over_cap) +
             " required migrations send more registers than the destination lists: an unpatched "
             "QEMU refuses that count before merging (its cap must count safe-missing entries)\n";
    for (const Pool &pool : m.pools) {
      out += "  pool " + pool.group + ":";
      for (std::size_t p : pool.platforms) out += " " + set.platforms[p].id;
      out += "\n";
    }
  }
  return out;
}

} // namespace regcompat::generator
