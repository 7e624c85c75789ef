// regcompat extract qemu: QEMU's ARM system-register tables, read from the
// source with LLVM/Clang libTooling, expanded by QEMU's own rules into the
// register list each CPU model puts on the migration stream.
//
// How it works (see extractor/qemu/README.md):
//   1. Every relevant C file under target/arm (and the ones given in
//      QemuExtractOptions::files) is parsed, in parallel, with the flags of
//      the build's compile_commands.json or with synthesized flags and stub
//      generated headers (no-build mode).
//   2. A walk over each unit (scan.cc, Walker) collects ARMCPRegInfo
//      initializers, the define_arm_cp_regs()-style calls with the
//      conditions around them (as Predicates). The CPU model list is what
//      QEMU's own type registration (module init, type_register*) registers
//      when the interpreter of step 3 runs it.
//   3. For each CPU model an interpreter runs QEMU's own instance-init and
//      realize code over the AST (with the machine's CPU properties, e.g.
//      virt: has_el3=off, has_el2=off) and feeds every register definition
//      into the Expander, which applies QEMU's expansion rules
//      (target/arm/helper.c define_one_arm_cp_reg*, add_cpreg_to_hashtable,
//      add_cpreg_to_list).
// This header does not expose any Clang type.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::extract::qemu {

struct QemuExtractOptions {
  std::filesystem::path source;                    // QEMU source tree
  std::optional<std::filesystem::path> build_dir;  // -p: has compile_commands.json
  std::string release;                             // "7.2" (recorded, not parsed)
  // CPU models to evaluate ("cortex-a57"); empty: every model found.
  std::vector<std::string> models;
  std::string accelerator = "tcg";  // only tcg is modelled
  // Board whose CPU property settings apply before realize. "virt" (the
  // default: has_el3=0 has_el2=0 reset_cbar=0x8000000, as -M virt with
  // secure=off virtualization=off) or "none" (the CPU's own defaults).
  std::string machine = "virt";
  // Extra CPU fields to set before realize ("has_el2" -> 1): these win over
  // the machine's settings.
  std::map<std::string, std::uint64_t> cpu_properties;
  // Files (relative to source) to parse in addition to the default selection.
  std::vector<std::string> files;
  // Replace the default selection with exactly `files`.
  bool only_listed_files = false;
  std::vector<std::string> extra_args;  // appended to every compile command
  unsigned jobs = 0;                    // parallel parses; 0: all cores
  // Progress lines on stderr: -1 auto (when stderr is a terminal), 0 off, 1 on.
  int progress = -1;
  // Directory of the scan cache (src/scan_cache.h: a whole extraction,
  // keyed on the extractor version, these options, every compile command and
  // the content of every file read); empty: ${REGCOMPAT_CACHE:-~/.cache/regcompat}/scan.
  // Set `use_cache` to false to neither read nor write it.
  std::filesystem::path cache_dir;
  bool use_cache = true;
  // Do not parse the function bodies that neither the interpreter nor the
  // matchers read (src/body_needs.h). Off: every body is parsed (slower, same
  // result; the benchmark checks both agree).
  bool skip_unneeded_bodies = true;
  // Keep only the registers on the migration stream in
  // CpuModelSet::registers: the instances QEMU keeps off it (ALIAS, NO_RAW;
  // CP_ANY expands to hundreds) are most of them (10.2.2: 105k of 111k over
  // 36 models), and building them is most of a scan cache hit. The cache holds
  // them all either way.
  bool migrated_only = false;
};

struct Diagnostic {
  std::string where;  // "target/arm/helper.c:123" or a file name or ""
  std::string message;
};

// One ARMCPRegInfo initializer as written in the source (before expansion).
// Fields that are not compile-time constants (e.g. `cpu->isar.id_pfr0`) are
// empty here; the per-model expansion evaluates them.
struct RegDefinition {
  std::string name;          // "DBGBVR%d_EL1" style when built in a loop
  std::string where;         // "target/arm/helper.c:4711"
  std::string table;         // enclosing variable or function
  std::optional<std::uint64_t> cp, crn, crm, opc0, opc1, opc2, state, type,
      access, secure, resetvalue;
  std::string resetvalue_expr;  // source text when not constant
  // Normalized predicate under which the table is defined ("true" when the
  // definition is unconditional; "?" when no define call was seen).
  std::string guard;
  std::string loop;  // "i in [0, 16)" when the definition sits in a loop
};

// One register instance of a CPU model after QEMU's expansion.
struct CpuRegister {
  std::uint64_t index = 0;  // KVM_GET_REG_LIST format (cpreg_to_kvm_id)
  std::uint32_t key = 0;    // QEMU's internal cpreg key
  std::string name;
  std::uint64_t type = 0;              // ARM_CP_* bits after expansion
  std::vector<std::string> flags;      // lower-case ARM_CP_* names of `type`
  bool migrated = false;               // neither NO_RAW nor ALIAS
  bool is_const = false;
  std::optional<std::uint64_t> value;  // the constant, for CONST registers
  std::string where;                   // definition file:line
  std::string guard;                   // static predicate of its define call
};

struct CpuModelSet {
  std::string model;          // "cortex-a57"
  std::string type_name;      // "cortex-a57-arm-cpu"
  std::string init_function;  // "aarch64_a57_initfn"
  std::string where;          // of the init function
  std::vector<std::string> features;  // ARM_FEATURE_* set after realize
  std::map<std::string, std::uint64_t> id_registers;  // cpu->isar.* after realize
  std::vector<CpuRegister> registers;  // every instance, sorted by index
  std::vector<Diagnostic> diagnostics;
  std::size_t unknown_conditions = 0;  // branches the interpreter could not decide

  std::vector<std::uint64_t> migratedIndexes() const;
};

struct ScanStats {
  std::size_t files_parsed = 0;      // translation units in the scan
  std::size_t files_from_cache = 0;  // of which served by the scan cache
  std::size_t files_with_errors = 0;
  std::size_t bodies_skipped = 0;  // function bodies not parsed (skip_unneeded_bodies)
  double parse_seconds = 0;
  double evaluate_seconds = 0;
};

struct QemuExtraction {
  std::string release;
  std::vector<RegDefinition> definitions;
  std::vector<CpuModelSet> models;
  std::vector<Diagnostic> diagnostics;  // per-file problems; the scan went on
  std::vector<std::string> files;       // translation units scanned, relative to the source
  ScanStats stats;
};

Result<QemuExtraction> extractQemu(const QemuExtractOptions &options);

// The machine settings `machine` stands for (see QemuExtractOptions).
Result<std::map<std::string, std::uint64_t>> machineCpuProperties(const std::string &machine);

}  // namespace regcompat::extract::qemu
