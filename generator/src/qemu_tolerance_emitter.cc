// QemuToleranceEmitter: the form upstream QEMU merged (11.1 cycle, "cpreg
// migration tolerances", docs/upstream-mitigation.md): per CPU class, C code
// calling arm_register_cpreg_mig_tolerance() with QEMU's own register
// macros, one call per register whose presence differs between the releases
// a machine type must migrate between, each with the register's name and the
// reason, within checkpatch's 80 columns.
//
// Which kind: ToleranceOnlySrcTestValue where the register's benign value is
// known — a firmware feature bitmap (KVM_REG_ARM_FW_FEAT_BMAP_REG) is 0 when
// the guest was offered none of its services, so only 0 may arrive for a
// destination without it (upstream's VENDOR_HYP_BMAP_2 rule) —
// ToleranceNotOnBothEnds otherwise. Value rules (a pinned or tolerated
// constant) have no QEMU tolerance: they are listed as such.
#include <algorithm>
#include <map>
#include <set>

#include "emit_common.h"
#include "identifiers.h"
#include "regcompat/generator/emitters.h"
#include "regcompat/generator/qemu_verdict.h"

namespace regcompat::generator {
namespace {

constexpr std::size_t kColumns = 80;

// Wraps TEXT into comment lines " * ..." of at most 80 columns.
std::string commentBlock(const std::string &indent, const std::vector<std::string> &paragraphs) {
  std::string out = indent + "/*\n";
  const std::string lead = indent + " * ";
  for (const std::string &p : paragraphs) {
    std::string line = lead;
    std::size_t pos = 0;
    const std::string text = commentText(p);
    while (pos < text.size()) {
      std::size_t end = text.find(' ', pos);
      if (end == std::string::npos) end = text.size();
      const std::string word = text.substr(pos, end - pos);
      if (line.size() > lead.size() && line.size() + 1 + word.size() > kColumns) {
        out += line + "\n";
        line = lead;
      }
      if (line.size() > lead.size()) line += ' ';
      line += word;
      pos = end + 1;
    }
    out += line + "\n";
  }
  return out + indent + " */\n";
}

// QEMU's spelling of the register's KVM index.
Result<std::string> qemuMacro(RegisterId id) {
  const RegisterFields f = id.fields();
  if (const auto *s = std::get_if<Arm64SysregFields>(&f))
    return "ARM64_SYS_REG(" + std::to_string(s->op0) + ", " + std::to_string(s->op1) + ", " +
           std::to_string(s->crn) + ", " + std::to_string(s->crm) + ", " + std::to_string(s->op2) + ")";
  if (const auto *w = std::get_if<Arm64FirmwareFields>(&f)) {
    if (w->bitmap) return "KVM_REG_ARM_FW_FEAT_BMAP_REG(" + std::to_string(w->number) + ")";
    return "KVM_REG_ARM_FW_REG(" + std::to_string(w->number) + ")";
  }
  if (const auto *a = std::get_if<Arm32CoprocFields>(&f))
    // target/arm/cpregs.h ENCODE_CP_REG(cp, is64, ns, crn, crm, opc1, opc2),
    // as upstream spells the DBGDTR tolerance in target/arm/helper.c.
    return "cpreg_to_kvm_id(ENCODE_CP_REG(" + std::to_string(a->cp) + ", " + std::to_string(a->is64 ? 1 : 0) +
           ", " + std::to_string(a->ns ? 1 : 0) + ", " + std::to_string(a->crn) + ", " + std::to_string(a->crm) +
           ", " + std::to_string(a->opc1) + ", " + std::to_string(a->opc2) + "))";
  return fail("no QEMU macro spells " + id.toText() + " (" + std::string(toString(id.family())) + ")");
}

// The call, its arguments packed into lines of at most 80 columns: aligned
// under the opening parenthesis where they fit, else indented by eight.
void call(std::string &out, const GeneratedTolerance &t, const std::string &macro) {
  const std::string head = "    arm_register_cpreg_mig_tolerance(";
  const std::vector<std::string> args = {"cpu", macro, t.test_value ? "UINT64_MAX" : "0", "0",
                                         t.test_value ? "ToleranceOnlySrcTestValue" : "ToleranceNotOnBothEnds"};
  bool aligned = head.size() + macro.size() + 2 <= kColumns;
  const std::string pad = aligned ? std::string(head.size(), ' ') : std::string(8, ' ');
  std::string line = head;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string piece = args[i] + (i + 1 < args.size() ? "," : ");");
    const bool first_on_line = line == head || line == pad;
    if (!first_on_line && line.size() + 1 + piece.size() > kColumns) {
      out += line + "\n";
      line = pad;
    }
    if (line != head && line != pad) line += ' ';
    line += piece;
  }
  out += line + "\n";
}

}  // namespace

Result<std::string> emitQemuTolerances(const Analysis &analysis) {
  const PlatformSet &set = *analysis.set;
  if (set.policy->architecture != "arm64")
    return fail("QEMU's cpreg migration tolerances exist for Arm CPUs only; the policy's architecture is " +
                set.policy->architecture + " (QEMU migrates x86 MSRs as vmstate fields, not a register list)");
  const GeneratedTolerances classes = generatedQemuTolerances(analysis);
  std::vector<std::string> inexpressible;
  for (const MachineTypeResult &m : analysis.machine_types) {
    for (const TableEntry &e : m.table.values)
      inexpressible.push_back(m.graph.name() + ": " + registerLabel(set, e.id) + ": " +
                              (e.kind == EntryKind::Pin ? "pin to " + hexValue(e.value) : std::string("tolerate")) +
                              " (" + e.reason + ")");
  }

  std::string out = commentBlock("", {provenanceLine(analysis), "Do not edit: regenerate with `regcompat gen --qemu`."});
  out += commentBlock("", {
      "cpreg migration tolerances (QEMU 11.1 and later, and distributions' backports: "
      "arm_register_cpreg_mig_tolerance() in target/arm/internals.h), one function per CPU class. "
      "Call the KVM one from the -cpu host init function (target/arm/cpu64.c, where upstream "
      "registers its own), a TCG model's from that model's init function.",
      "ToleranceOnlySrcTestValue(UINT64_MAX, 0): a firmware feature bitmap may arrive for a "
      "destination without the register only when it is 0, i.e. the guest was offered none of its "
      "services. ToleranceNotOnBothEnds: the register may be missing on either side."});
  if (classes.empty()) out += "\n/* No register differs between the releases: no tolerance is needed. */\n";
  // TCG models whose tolerances (and reasons) are the same share one
  // function, as upstream registers its DBGDTR tolerance once for every CPU.
  std::map<std::string, std::vector<std::string>> same;  // rendered body -> classes
  std::vector<std::string> order;
  for (const auto &[cls, tolerances] : classes) {
    std::string body;
    for (const auto &[id, t] : tolerances) {
      auto macro = qemuMacro(id);
      const std::string label = registerLabel(set, id);
      if (!macro) return fail(label + ": " + macro.error());
      std::vector<std::string> lines{label + ":"};
      lines.insert(lines.end(), t.reasons.begin(), t.reasons.end());
      body += commentBlock("    ", lines);
      call(body, t, macro.value());
    }
    if (same[body].empty()) order.push_back(body);
    same[body].push_back(cls);
  }
  for (const std::string &body : order) {
    const std::vector<std::string> &members = same[body];
    const bool kvm = members.front() == "kvm";
    std::string fn = "regcompat_" + std::string(kvm ? "kvm_host" : "tcg");
    std::string models;
    for (const std::string &c : members) {
      if (!kvm) fn += "_" + machineTypeIdentifier(c);
      models += (models.empty() ? "" : ", ") + c;
    }
    out += "\n" + commentBlock("", {kvm ? std::string("-cpu host under KVM: the host kernels' register lists differ.")
                                        : "TCG -cpu " + models + ": the QEMU releases' register lists differ."});
    const std::string signature = fn + "_mig_tolerances(ARMCPU *cpu)";
    out += (12 + signature.size() <= kColumns ? "static void " : "static void\n") + signature + "\n{\n" + body + "}\n";
  }
  if (!inexpressible.empty()) {
    std::vector<std::string> lines{"Value rules QEMU cannot express as a tolerance (a constant that differs fails "
                                   "QEMU's read-back whatever is registered):"};
    lines.insert(lines.end(), inexpressible.begin(), inexpressible.end());
    out += "\n" + commentBlock("", lines);
  }
  return out;
}

}  // namespace regcompat::generator
