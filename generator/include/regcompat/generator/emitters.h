// Emitters: one function per output form, each a pure function of the
// analysis (same input, byte-identical output: no time stamps, no paths, no
// host names; every list in a fixed order).
//
//   CppHeaderEmitter   C++17/20 header: per machine type sorted constexpr
//                      arrays of hidden and safe-missing indexes and value
//                      rules, every entry commented with name, decoded form
//                      and reason
//   CHeaderEmitter     the same for C VMMs (C99)
//   QemuToleranceEmitter  what upstream QEMU merged (11.1 cycle): per CPU
//                      class, arm_register_cpreg_mig_tolerance() calls with
//                      QEMU's register macros; value rules as comments
//   QemuCompatEmitter  the unmerged x-mig proposal: per machine type,
//                      GlobalProperty entries setting x-mig-hidden-regs /
//                      x-mig-safe-missing-regs for hw/arm/virt.c
//   ReportEmitter      JSON and YAML reports of tables, migrations, pools
//   HtmlReportEmitter  one self-contained HTML page (inline CSS and SVG, no
//                      script): migration matrices, register deltas per
//                      release, table entries, register-set sizes, pools
//   compat files       one db::CompatFile per machine type
#pragma once

#include <string>
#include <vector>

#include "regcompat/db/compat_file.h"
#include "regcompat/generator/analysis.h"

namespace regcompat::generator {

struct HeaderOptions {
  // C++: the namespace holding everything ("regcompat_tables" by default).
  // C: the prefix of every identifier ("regcompat" by default).
  std::string name;
  // Also emit every platform's register list and the required migrations
  // with their expected outcome: what a VMM test harness (or the build
  // integration test) needs to replay them.
  bool with_register_sets = false;
};

std::string emitCppHeader(const Analysis &analysis, const HeaderOptions &options = {});
std::string emitCHeader(const Analysis &analysis, const HeaderOptions &options = {});
// Fails for a policy that is not arm64 (QEMU has tolerances for Arm only).
Result<std::string> emitQemuTolerances(const Analysis &analysis);
// The x-mig-hidden-regs / x-mig-safe-missing-regs proposal (v2-v6, not
// merged upstream), kept for distributions that carry it.
std::string emitQemuCompat(const Analysis &analysis);
std::string emitJsonReport(const Analysis &analysis);
std::string emitYamlReport(const Analysis &analysis);
// One compat file per machine type (aggregated table), in analysis order.
std::vector<db::CompatFile> emitCompatFiles(const Analysis &analysis);
// A short human summary: per machine type its table and the required
// migrations failing without and with it.
std::string emitTextSummary(const Analysis &analysis);

struct GateReport;   // release_gate.h
struct GateOptions;  // release_gate.h

// A section the caller adds to the HTML report (e.g. the release pipeline's
// VM migration results): a heading and preformatted plain text, escaped.
struct HtmlSection {
  std::string id;       // the section's anchor ("vm-migrations")
  std::string heading;
  std::string text;
};

struct HtmlReportOptions {
  std::string title;         // empty: "regcompat report: <policy name>"
  std::string generated_at;  // shown when set; the emitter reads no clock
  // The release gate's verdict on the same analysis (runGate() with
  // `gate_options`, or with default options when that is null), shown when
  // set: the page opens with its decision in one sentence (gateVerdict()).
  const GateReport *gate = nullptr;
  const GateOptions *gate_options = nullptr;
  std::vector<HtmlSection> extra_sections;  // appended in order
};

// Every matrix cell carries data-machine-type, data-source, data-dest and
// data-status (loads, loads-with-table, fails, not-required, same-platform);
// every bar of the register-set size plot data-set and data-count.
std::string emitHtmlReport(const Analysis &analysis, const HtmlReportOptions &options = {});

} // namespace regcompat::generator
