// Emitters: one function per output form, each a pure function of the
// analysis (same input, byte-identical output: no time stamps, no paths, no
// host names; every list in a fixed order).
//
//   CppHeaderEmitter   C++17/20 header: per machine type sorted constexpr
//                      arrays of hidden and safe-missing indexes and value
//                      rules, every entry commented with name, decoded form
//                      and reason
//   CHeaderEmitter     the same for C VMMs (C99)
//   QemuCompatEmitter  per machine type, GlobalProperty entries setting
//                      x-mig-hidden-regs / x-mig-safe-missing-regs for
//                      hw/arm/virt.c; value rules as comments
//   ReportEmitter      JSON and YAML reports of tables, migrations, pools
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
std::string emitQemuCompat(const Analysis &analysis);
std::string emitJsonReport(const Analysis &analysis);
std::string emitYamlReport(const Analysis &analysis);
// One compat file per machine type (aggregated table), in analysis order.
std::vector<db::CompatFile> emitCompatFiles(const Analysis &analysis);
// A short human summary: per machine type its table and the required
// migrations failing without and with it.
std::string emitTextSummary(const Analysis &analysis);

} // namespace regcompat::generator
