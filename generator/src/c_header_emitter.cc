// CHeaderEmitter: the compat tables as a C99 header for C VMMs.
#include <cctype>

#include "emit_common.h"
#include "identifiers.h"
#include "regcompat/generator/emitters.h"
#include "story.h"

namespace regcompat::generator {
namespace {

std::string upper(std::string s) {
  for (char &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string u64(std::uint64_t v) { return "UINT64_C(" + hex16(v) + ")"; }

// `name` with its count macro. A C array cannot be empty: an empty list is
// one zero element and a count of 0.
void indexArray(std::string &out, const PlatformSet &set, const MachineTypeResult &m,
                const std::string &type, const std::string &name,
                const std::vector<TableEntry> &entries, bool pins) {
  out += "#define " + upper(name) + "_COUNT " + std::to_string(entries.size()) + "\n";
  if (entries.empty()) {
    out += "static const " + type + " " + name + "[1] = {" + (pins ? "{0, 0}" : "0") +
           "}; /* empty: count 0 */\n";
    return;
  }
  out += "static const " + type + " " + name + "[] = {\n";
  for (const TableEntry &e : entries) {
    out += "    /* " + commentText(entryNote(set, m, e)) + " */\n";
    out += pins ? "    {" + u64(e.id.index()) + ", " + u64(e.value) + "},\n"
                : "    " + u64(e.id.index()) + ",\n";
  }
  out += "};\n";
}

void registerSets(std::string &out, const Analysis &analysis, const std::string &prefix) {
  const PlatformSet &set = *analysis.set;
  const std::string P = upper(prefix);
  out += "\n/* --- Register sets and required migrations (--with-register-sets) --- */\n\n";
  out += "struct " + prefix + "_platform_register {\n  uint64_t index;\n  uint64_t value;\n"
         "  bool is_constant;\n};\n\n";
  for (std::size_t i = 0; i < set.platforms.size(); ++i) {
    const Platform &p = set.platforms[i];
    const std::string name = prefix + "_platform_" + std::to_string(i);
    out += "/* " + commentText(p.id + ": register set " + p.set->key.toString()) + " */\n";
    out += "#define " + upper(name) + "_COUNT " + std::to_string(p.registers.size()) + "\n";
    if (p.registers.empty()) {
      out += "static const struct " + prefix + "_platform_register " + name +
             "[1] = {{0, 0, false}}; /* empty: count 0 */\n";
      continue;
    }
    out += "static const struct " + prefix + "_platform_register " + name + "[] = {\n";
    for (const auto &r : p.registers) {
      auto id = RegisterId::fromIndex(r.index);
      out += "    {" + u64(r.index) + ", " + u64(r.value) + ", " + (r.is_constant ? "true" : "false") + "},";
      if (id) out += " /* " + commentText(set.displayName(id.value())) + " */";
      out += "\n";
    }
    out += "};\n";
  }
  out += "\nstruct " + prefix + "_platform {\n  const char *id;\n  const struct " + prefix +
         "_platform_register *registers;\n  size_t count;\n};\n\n";
  out += "#define " + P + "_PLATFORM_COUNT " + std::to_string(set.platforms.size()) + "\n";
  out += "static const struct " + prefix + "_platform " + prefix + "_platforms[] = {\n";
  for (std::size_t i = 0; i < set.platforms.size(); ++i) {
    const std::string name = prefix + "_platform_" + std::to_string(i);
    out += "    {\"" + set.platforms[i].id + "\", " + name + ", " + upper(name) + "_COUNT},\n";
  }
  if (set.platforms.empty()) out += "    {0, 0, 0}\n";
  out += "};\n\n";
  out += "/* A required migration: indexes into " + prefix + "_tables and " + prefix +
         "_platforms, and what\n   the generator's own verification (the runtime's merge) found. */\n";
  out += "struct " + prefix + "_required_migration {\n  size_t table;\n  size_t source;\n"
         "  size_t dest;\n  bool loads_without_table;\n  bool loads_with_table;\n};\n\n";
  out += "#define " + P + "_REQUIRED_MIGRATION_COUNT " + std::to_string(analysis.requiredMigrations()) + "\n";
  out += "static const struct " + prefix + "_required_migration " + prefix +
         "_required_migrations[] = {\n";
  for (std::size_t t = 0; t < analysis.machine_types.size(); ++t) {
    const auto &m = analysis.machine_types[t];
    for (std::size_t e = 0; e < m.graph.edges.size(); ++e) {
      const MigrationEdge &edge = m.graph.edges[e];
      out += "    {" + std::to_string(t) + ", " + std::to_string(edge.source) + ", " +
             std::to_string(edge.dest) + ", " + (m.verdicts[e].without_table.loads ? "true" : "false") +
             ", " + (m.verdicts[e].with_table.loads ? "true" : "false") + "}, /* " +
             commentText(m.graph.name() + ": " + edgeLabel(set, edge) + " (" +
                         std::string(toString(edge.direction)) + ")") +
             " */\n";
    }
  }
  if (analysis.requiredMigrations() == 0) out += "    {0, 0, 0, false, false}\n";
  out += "};\n";
}

} // namespace

std::string emitCHeader(const Analysis &analysis, const HeaderOptions &options) {
  const PlatformSet &set = *analysis.set;
  const std::string prefix = options.name.empty() ? "regcompat" : options.name;
  const std::string P = upper(prefix);
  const std::string guard = P + "_GENERATED_TABLES_H";
  std::string out;
  out += "/*\n * " + commentText(provenanceLine(analysis)) + "\n";
  out += " * Do not edit: regenerate with `regcompat gen --c-header`.\n"
         " *\n"
         " * Per machine type, the CPU registers to hide (never exposed, saved or\n"
         " * restored) and the registers safe to miss (may arrive without existing\n"
         " * here), as sorted KVM_GET_REG_LIST indexes, and the value rules for\n"
         " * constant registers whose value differs between releases. Each machine\n"
         " * type's table holds its own entries and those of every newer machine\n"
         " * type (its compat chain). C99.\n"
         " */\n";
  out += "#ifndef " + guard + "\n#define " + guard + "\n\n";
  out += "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n";
  out += "/* A register presented at `value` on every release of the machine type. */\n";
  out += "struct " + prefix + "_value_pin {\n  uint64_t index;\n  uint64_t value;\n};\n";

  for (const MachineTypeResult &m : analysis.machine_types) {
    const std::string base = prefix + "_" + machineTypeIdentifier(m.graph.name());
    std::vector<TableEntry> pins, tolerated;
    for (const TableEntry &e : m.table.values) (e.kind == EntryKind::Pin ? pins : tolerated).push_back(e);
    out += "\n/* " + commentText(m.graph.name() + ": " + machineTypeSummary(analysis, m)) + " */\n";
    out += "#define " + upper(base) + "_MACHINE_TYPE \"" + m.graph.name() + "\"\n";
    out += "/* x-mig-hidden-regs */\n";
    indexArray(out, set, m, "uint64_t", base + "_hidden", m.table.hidden, false);
    out += "/* x-mig-safe-missing-regs */\n";
    indexArray(out, set, m, "uint64_t", base + "_safe_missing", m.table.safe_missing, false);
    out += "/* Value rules: pinned registers and their value */\n";
    indexArray(out, set, m, "struct " + prefix + "_value_pin", base + "_pinned", pins, true);
    out += "/* Value rules: tolerated registers (the local constant stays) */\n";
    indexArray(out, set, m, "uint64_t", base + "_tolerated", tolerated, false);
  }

  out += "\n/* Every machine type's table, newest machine type first. */\n";
  out += "struct " + prefix + "_compat_table {\n"
         "  const char *machine_type;\n"
         "  const uint64_t *hidden;\n  size_t hidden_count;\n"
         "  const uint64_t *safe_missing;\n  size_t safe_missing_count;\n"
         "  const struct " + prefix + "_value_pin *pinned;\n  size_t pinned_count;\n"
         "  const uint64_t *tolerated;\n  size_t tolerated_count;\n"
         "};\n\n";
  out += "#define " + P + "_TABLE_COUNT " + std::to_string(analysis.machine_types.size()) + "\n";
  out += "static const struct " + prefix + "_compat_table " + prefix + "_tables[] = {\n";
  for (const MachineTypeResult &m : analysis.machine_types) {
    const std::string base = prefix + "_" + machineTypeIdentifier(m.graph.name());
    out += "    {" + upper(base) + "_MACHINE_TYPE";
    for (const char *what : {"_hidden", "_safe_missing", "_pinned", "_tolerated"})
      out += ", " + base + what + ", " + upper(base + what) + "_COUNT";
    out += "},\n";
  }
  if (analysis.machine_types.empty()) out += "    {0, 0, 0, 0, 0, 0, 0, 0, 0}\n";
  out += "};\n";
  if (options.with_register_sets) registerSets(out, analysis, prefix);
  out += "\n#endif /* " + guard + " */\n";
  return out;
}

} // namespace regcompat::generator
