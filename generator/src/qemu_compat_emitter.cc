// QemuCompatEmitter: per virt-X.Y, the GlobalProperty entries setting the
// CPU's x-mig-hidden-regs and x-mig-safe-missing-regs
// (docs/upstream-mitigation.md) to comma-separated hex lists, ready for
// hw/arm/virt.c.
#include "emit_common.h"
#include "identifiers.h"
#include "regcompat/generator/emitters.h"
#include "story.h"

namespace regcompat::generator {
namespace {

// The list as C string literals, four indexes per line (adjacent literals
// concatenate).
std::string hexList(const std::vector<TableEntry> &entries, const std::string &indent) {
  std::string out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i % 4 == 0) out += (i ? "\"\n" + indent + "\"" : "\"");
    out += hex16(entries[i].id.index());
    if (i + 1 < entries.size()) out += ",";
  }
  return out + "\"";
}

void property(std::string &out, const PlatformSet &set, const MachineTypeResult &m,
              const char *name, const std::vector<TableEntry> &entries) {
  if (entries.empty()) return;
  out += "    /*\n     * " + std::string(name) + ":\n";
  for (const TableEntry &e : entries)
    out += "     *   " + hex16(e.id.index()) + " " + commentText(entryNote(set, m, e)) + "\n";
  out += "     */\n";
  out += "    { TYPE_ARM_CPU, \"" + std::string(name) + "\",\n      " + hexList(entries, "      ") +
         " },\n";
}

std::string optionsFunction(const std::string &machine_type) {
  if (machine_type.rfind("virt-", 0) == 0) {
    std::string version = machine_type.substr(5);
    for (char &c : version)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
    return "virt_machine_" + version + "_options()";
  }
  return "the " + machine_type + " options function";
}

} // namespace

std::string emitQemuCompat(const Analysis &analysis) {
  const PlatformSet &set = *analysis.set;
  std::string out;
  out += "/*\n * " + commentText(provenanceLine(analysis)) + "\n";
  out += " * Do not edit: regenerate with `regcompat gen --qemu`.\n"
         " *\n"
         " * CPU register migration compat properties for hw/arm/virt.c: per machine\n"
         " * type, the registers the CPU hides (x-mig-hidden-regs) and the registers\n"
         " * it accepts to miss (x-mig-safe-missing-regs), as KVM_GET_REG_LIST\n"
         " * indexes (QEMU's stream format, TCG included). An array property can be\n"
         " * set only once, so each block holds its machine type's own entries and\n"
         " * those of every newer machine type: it overrides the newer one's value\n"
         " * that the options chain sets first.\n"
         " */\n";
  for (const MachineTypeResult &m : analysis.machine_types) {
    const std::string array = "arm_" + machineTypeIdentifier(m.graph.name()) + "_mig_regs_compat";
    out += "\n/*\n * " + commentText(m.graph.name() + ": " + machineTypeSummary(analysis, m)) + "\n";
    if (m.table.hidden.empty() && m.table.safe_missing.empty()) {
      out += " * No x-mig-hidden-regs or x-mig-safe-missing-regs entries are needed.\n */\n";
    } else {
      out += " * In " + commentText(optionsFunction(m.graph.name())) + ":\n"
             " *     compat_props_add(mc->compat_props, " + array + ",\n"
             " *                      G_N_ELEMENTS(" + array + "));\n */\n";
      out += "static GlobalProperty " + array + "[] = {\n";
      property(out, set, m, "x-mig-hidden-regs", m.table.hidden);
      property(out, set, m, "x-mig-safe-missing-regs", m.table.safe_missing);
      out += "};\n";
    }
    if (!m.table.values.empty()) {
      out += "/*\n * " + m.graph.name() +
             " value rules (QEMU has no property for these; each names the register,\n"
             " * the values and the releases):\n";
      for (const TableEntry &e : m.table.values) {
        const std::string rule = e.kind == EntryKind::Pin ? "pin to " + hexValue(e.value) : "tolerate";
        out += " *   " + hex16(e.id.index()) + " " + commentText(rule + ": " + entryNote(set, m, e)) + "\n";
      }
      out += " */\n";
    }
    if (!m.table.blockers.empty()) {
      out += "/*\n * " + m.graph.name() + ": required migrations no table can fix:\n";
      for (const Blocker &b : m.table.blockers)
        out += " *   " + commentText(edgeLabel(set, m.graph.edges[b.edge]) + ": " +
                                    registerLabel(set, b.id) + ": " + b.reason) +
               "\n";
      out += " */\n";
    }
  }
  return out;
}

} // namespace regcompat::generator
