// CppHeaderEmitter: the compat tables as a C++17/C++20 header.
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

std::string u64(std::uint64_t v) { return hex16(v) + "ULL"; }

// One sorted index array, each entry preceded by its comment.
void indexArray(std::string &out, const PlatformSet &set, const MachineTypeResult &m,
                const char *name, const std::vector<TableEntry> &entries, bool pins) {
  const char *type = pins ? "ValuePin" : "std::uint64_t";
  out += "inline constexpr std::array<" + std::string(type) + ", " + std::to_string(entries.size()) +
         "> " + name + (entries.empty() ? "{};\n" : "{{\n");
  if (entries.empty()) return;
  for (const TableEntry &e : entries) {
    out += "    // " + commentText(entryNote(set, m, e)) + "\n";
    out += pins ? "    {" + u64(e.id.index()) + ", " + hex16(e.value) + "ULL},\n"
                : "    " + u64(e.id.index()) + ",\n";
  }
  out += "}};\n";
}

void registerSets(std::string &out, const Analysis &analysis) {
  const PlatformSet &set = *analysis.set;
  out += "\n// --- Register sets and required migrations (--with-register-sets) ---------\n\n";
  out += "struct PlatformRegister {\n  std::uint64_t index;\n  std::uint64_t value;\n"
         "  bool is_constant;\n};\n\nnamespace platforms {\n";
  for (std::size_t i = 0; i < set.platforms.size(); ++i) {
    const Platform &p = set.platforms[i];
    out += "// " + commentText(p.id + ": register set " + p.set->key.toString()) + "\n";
    out += "inline constexpr std::array<PlatformRegister, " + std::to_string(p.registers.size()) +
           "> p" + std::to_string(i) + (p.registers.empty() ? "{};\n" : "{{\n");
    if (p.registers.empty()) continue;
    for (const auto &r : p.registers) {
      auto id = RegisterId::fromIndex(r.index);
      out += "    {" + u64(r.index) + ", " + hex16(r.value) + "ULL, " +
             (r.is_constant ? "true" : "false") + "},";
      if (id) out += "  // " + commentText(set.displayName(id.value()));
      out += "\n";
    }
    out += "}};\n";
  }
  out += "} // namespace platforms\n\n";
  out += "struct PlatformView {\n  const char *id;\n  const PlatformRegister *registers;\n"
         "  std::size_t count;\n};\n\n";
  out += "inline constexpr std::array<PlatformView, " + std::to_string(set.platforms.size()) +
         "> kPlatforms" + (set.platforms.empty() ? "{};\n" : "{{\n");
  if (!set.platforms.empty()) {
    for (std::size_t i = 0; i < set.platforms.size(); ++i) {
      const std::string p = "platforms::p" + std::to_string(i);
      out += "    {\"" + set.platforms[i].id + "\", " + p + ".data(), " + p + ".size()},\n";
    }
    out += "}};\n";
  }
  std::size_t edges = analysis.requiredMigrations();
  out += "\n// A required migration: indexes into kTables and kPlatforms, and what the\n"
         "// generator's own verification (the runtime's merge) found.\n"
         "struct RequiredMigration {\n  std::size_t table;\n  std::size_t source;\n"
         "  std::size_t dest;\n  bool loads_without_table;\n  bool loads_with_table;\n};\n\n";
  out += "inline constexpr std::array<RequiredMigration, " + std::to_string(edges) +
         "> kRequiredMigrations" + (edges == 0 ? "{};\n" : "{{\n");
  if (edges == 0) return;
  for (std::size_t t = 0; t < analysis.machine_types.size(); ++t) {
    const auto &m = analysis.machine_types[t];
    for (std::size_t e = 0; e < m.graph.edges.size(); ++e) {
      const MigrationEdge &edge = m.graph.edges[e];
      out += "    {" + std::to_string(t) + ", " + std::to_string(edge.source) + ", " +
             std::to_string(edge.dest) + ", " +
             (m.verdicts[e].without_table.loads ? "true" : "false") + ", " +
             (m.verdicts[e].with_table.loads ? "true" : "false") + "},  // " +
             commentText(m.graph.name() + ": " + edgeLabel(set, edge) + " (" +
                         std::string(toString(edge.direction)) + ")") +
             "\n";
    }
  }
  out += "}};\n";
}

} // namespace

std::string emitCppHeader(const Analysis &analysis, const HeaderOptions &options) {
  const PlatformSet &set = *analysis.set;
  const std::string ns = options.name.empty() ? "regcompat_tables" : options.name;
  std::string flat = ns;  // "vmm::tables" -> "vmm_tables": no "__" (reserved) in the guard
  for (std::size_t at; (at = flat.find("::")) != std::string::npos;) flat.replace(at, 2, "_");
  const std::string guard = "REGCOMPAT_GENERATED_" + upper(flat) + "_H";
  std::string out;
  out += "// " + commentText(provenanceLine(analysis)) + "\n";
  out += "// Do not edit: regenerate with `regcompat gen --cpp-header`.\n"
         "//\n"
         "// Per machine type, the CPU registers to hide (never exposed, saved or\n"
         "// restored) and the registers safe to miss (may arrive without existing\n"
         "// here), as sorted KVM_GET_REG_LIST indexes, and the value rules for\n"
         "// constant registers whose value differs between releases. Each machine\n"
         "// type's table holds its own entries and those of every newer machine\n"
         "// type (its compat chain). This header needs C++17; the runtime library's\n"
         "// C++ API (regcompat/runtime.h) that applies the tables needs C++20.\n";
  out += "#ifndef " + guard + "\n#define " + guard + "\n\n";
  out += "#include <array>\n#include <cstddef>\n#include <cstdint>\n\n";
  out += "namespace " + ns + " {\n\n";
  out += "// A register presented at `value` on every release of the machine type.\n"
         "struct ValuePin {\n  std::uint64_t index;\n  std::uint64_t value;\n};\n\n";
  out += "namespace detail {\n"
         "template <std::size_t N>\n"
         "constexpr bool sortedUnique(const std::array<std::uint64_t, N> &a) {\n"
         "  for (std::size_t i = 1; i < N; ++i)\n"
         "    if (!(a[i - 1] < a[i])) return false;\n"
         "  return true;\n"
         "}\n"
         "template <std::size_t N>\n"
         "constexpr bool sortedUnique(const std::array<ValuePin, N> &a) {\n"
         "  for (std::size_t i = 1; i < N; ++i)\n"
         "    if (!(a[i - 1].index < a[i].index)) return false;\n"
         "  return true;\n"
         "}\n"
         "} // namespace detail\n";

  for (const MachineTypeResult &m : analysis.machine_types) {
    const std::string id = machineTypeIdentifier(m.graph.name());
    std::vector<TableEntry> pins, tolerated;
    for (const TableEntry &e : m.table.values) (e.kind == EntryKind::Pin ? pins : tolerated).push_back(e);
    out += "\n// " + commentText(m.graph.name() + ": " + machineTypeSummary(analysis, m)) + "\n";
    out += "namespace " + id + " {\n";
    out += "inline constexpr char kMachineType[] = \"" + m.graph.name() + "\";\n";
    out += "// x-mig-hidden-regs\n";
    indexArray(out, set, m, "kHidden", m.table.hidden, false);
    out += "// x-mig-safe-missing-regs\n";
    indexArray(out, set, m, "kSafeMissing", m.table.safe_missing, false);
    out += "// Value rules: pinned registers and their value\n";
    indexArray(out, set, m, "kPinned", pins, true);
    out += "// Value rules: tolerated registers (the local constant stays)\n";
    indexArray(out, set, m, "kTolerated", tolerated, false);
    for (const char *array : {"kHidden", "kSafeMissing", "kPinned", "kTolerated"})
      out += "static_assert(detail::sortedUnique(" + std::string(array) + "), \"" + array +
             " must be sorted and unique\");\n";
    out += "} // namespace " + id + "\n";
  }

  out += "\n// Every machine type's table, newest machine type first.\n"
         "struct CompatTableView {\n"
         "  const char *machine_type;\n"
         "  const std::uint64_t *hidden;\n  std::size_t hidden_count;\n"
         "  const std::uint64_t *safe_missing;\n  std::size_t safe_missing_count;\n"
         "  const ValuePin *pinned;\n  std::size_t pinned_count;\n"
         "  const std::uint64_t *tolerated;\n  std::size_t tolerated_count;\n"
         "};\n\n";
  out += "inline constexpr std::array<CompatTableView, " +
         std::to_string(analysis.machine_types.size()) + "> kTables" +
         (analysis.machine_types.empty() ? "{};\n" : "{{\n");
  if (!analysis.machine_types.empty()) {
    for (const MachineTypeResult &m : analysis.machine_types) {
      const std::string id = machineTypeIdentifier(m.graph.name());
      out += "    {" + id + "::kMachineType";
      for (const char *array : {"kHidden", "kSafeMissing", "kPinned", "kTolerated"})
        out += ", " + id + "::" + array + ".data(), " + id + "::" + array + ".size()";
      out += "},\n";
    }
    out += "}};\n";
  }
  if (options.with_register_sets) registerSets(out, analysis);
  out += "\n} // namespace " + ns + "\n\n#endif // " + guard + "\n";
  return out;
}

} // namespace regcompat::generator
