// A Linux source tree as the kernel register extractors read it, and the
// clang front end they parse it with.
//
// The extractors parse the kernel's own C files (arch/arm64/kvm/sys_regs.c,
// arch/x86/kvm/x86.c, ...) with clang's libTooling, with the flags a kernel
// build would use (-D__KERNEL__, -nostdinc, the arch and uapi include dirs,
// -include kconfig.h/compiler_types.h) and the headers a build generates
// supplied in memory: a synthesized autoconf.h, bounds.h, timeconst.h,
// version.h, the asm-generic wrappers Kbuild writes for mandatory-y /
// generic-y headers, and the arch headers produced by the kernel's own
// generators (arch/arm64/tools/gen-sysreg.awk, gen-cpucaps.awk,
// gen-kernel-hwcaps.sh, as arch/arm64/tools/Makefile lists them), which are
// run once into ${REGCOMPAT_CACHE:-$HOME/.cache/regcompat}/gen/.
// Includes that remain missing are skipped, not fatal; errors elsewhere in
// the headers are counted and reported, and every extractor checks that the
// declarations it evaluates are free of errors.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "regcompat/result.h"

namespace clang::ast_matchers {
class MatchFinder;
}
namespace clang {
class SourceManager;
class SourceLocation;
}

namespace regcompat::kernel {

struct KernelTree {
  std::filesystem::path root;
  std::string release;  // "6.12.107": --release, else Makefile, else dir name
  int major = 0, minor = 0, sublevel = 0;
};

// Checks that `root` looks like a kernel tree; `release` may be empty (then
// it is read from the top Makefile or the directory name linux-X.Y.Z).
Result<KernelTree> openKernelTree(const std::filesystem::path &root, const std::string &release = {});

// One macro expansion seen while parsing (for predicates whose meaning lives
// in macro names, e.g. kvm_has_tcr2(), kvm_has_feat(kvm, ID_..., TCRX, IMP)).
struct MacroUse {
  unsigned file_offset = 0;  // expansion location offset in the main file
  std::string name;
  std::vector<std::string> args;  // spelled, unexpanded
};

// A stretch of the main file compiled only with (or without) one kernel
// configuration option: `#ifdef CONFIG_KVM_HYPERV` ... `#endif`, or its
// `#ifndef` / `#else` side. The synthesized configuration (kernel_tree.cc)
// enables the options KVM needs, so such code is parsed; the region says
// which entries a kernel built without the option lacks.
struct ConfigRegion {
  unsigned begin = 0, end = 0;  // main-file offsets
  std::string option;           // "CONFIG_KVM_HYPERV"
  bool enabled = true;          // false: the code is there when the option is off
};

struct ParseReport {
  std::string file;           // relative to the tree
  unsigned errors = 0;
  std::vector<std::string> first_errors;     // up to 5, "file:line: message"
  std::vector<std::string> missing_includes; // skipped #includes

  // "FILE: N parse error(s)" and the first errors, one per line: what an
  // extraction that found nothing appends to say why.
  std::string describe() const;
};

enum class KernelArch { Arm64, X86 };

class KernelParser {
 public:
  KernelParser(KernelTree tree, KernelArch arch);

  // Parses `file` (relative to the tree) as kernel code and runs `finder`
  // over it. `macros`, if given, receives the macro expansions in the main
  // file. `userspace`: a selftest file (no -D__KERNEL__ prelude).
  // `regions`, if given, receives the main file's #ifdef/#ifndef CONFIG_*
  // regions (they are complete before `finder` runs).
  Result<ParseReport> parse(const std::string &file, clang::ast_matchers::MatchFinder &finder,
                            std::vector<MacroUse> *macros = nullptr, bool userspace = false,
                            std::vector<ConfigRegion> *regions = nullptr);

  const KernelTree &tree() const { return tree_; }

 private:
  Result<bool> prepareGenerated();

  KernelTree tree_;
  KernelArch arch_;
  bool prepared_ = false;
  std::string gen_root_;  // virtual directory of the in-memory headers
  std::vector<std::pair<std::string, std::string>> gen_files_;  // path, text
};

// "arch/arm64/kvm/sys_regs.c:1234" for a location (its expansion point when it
// comes from a macro), relative to the tree root.
std::string whereOf(const clang::SourceManager &sm, clang::SourceLocation loc,
                    const std::filesystem::path &root);

}  // namespace regcompat::kernel
