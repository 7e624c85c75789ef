// Kernel tree, generated headers and the clang front end; see kernel_tree.h.
#include "regcompat/linux/kernel_tree.h"

#include <clang/ASTMatchers/ASTMatchFinder.h>
#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/FrontendAction.h>
#include <clang/Lex/MacroArgs.h>
#include <clang/Lex/PPCallbacks.h>
#include <clang/Lex/Preprocessor.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/Tooling.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/VirtualFileSystem.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace regcompat::kernel {

std::string ParseReport::describe() const {
  std::string s = file + ": " + std::to_string(errors) + " parse error(s)";
  for (const auto &e : first_errors) s += "\n  " + e;
  return s;
}

namespace fs = std::filesystem;
namespace {

std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "6.12.107" -> 6, 12, 107.
bool splitRelease(const std::string &release, int &major, int &minor, int &sub) {
  major = minor = sub = 0;
  int *parts[3] = {&major, &minor, &sub};
  std::size_t i = 0;
  for (int k = 0; k < 3 && i < release.size(); ++k) {
    std::size_t digits = 0;
    int v = 0;
    while (i < release.size() && release[i] >= '0' && release[i] <= '9' && digits < 6) {
      v = v * 10 + (release[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0) return k >= 2;
    *parts[k] = v;
    if (i < release.size() && release[i] == '.') ++i;
    else return k >= 1;
  }
  return true;
}

// The top Makefile's "VERSION = 6", "PATCHLEVEL = 1", "SUBLEVEL = 176".
std::string releaseFromMakefile(const fs::path &root) {
  std::ifstream in(root / "Makefile");
  std::string line, v, p, s;
  for (int n = 0; n < 10 && std::getline(in, line); ++n) {
    auto value = [&](const char *key, std::string &out) {
      const std::string k = key;
      if (line.rfind(k, 0) == 0) {
        std::size_t eq = line.find('=');
        if (eq != std::string::npos) {
          out = line.substr(eq + 1);
          out.erase(0, out.find_first_not_of(" \t"));
          out.erase(out.find_last_not_of(" \t\r") + 1);
        }
      }
    };
    value("VERSION", v);
    value("PATCHLEVEL", p);
    value("SUBLEVEL", s);
  }
  if (v.empty() || p.empty()) return {};
  return v + "." + p + (s.empty() ? "" : "." + s);
}

std::string shellQuote(const std::string &s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

fs::path cacheRoot() {
  if (const char *c = std::getenv("REGCOMPAT_CACHE"); c != nullptr && *c != '\0') return c;
  if (const char *h = std::getenv("HOME"); h != nullptr && *h != '\0') return fs::path(h) / ".cache" / "regcompat";
  return fs::temp_directory_path() / "regcompat-cache";
}

// Names listed as "mandatory-y += x.h" / "generic-y += x.h" in a Kbuild file
// (a Makefile fragment, not C).
std::vector<std::string> kbuildHeaders(const fs::path &kbuild) {
  std::vector<std::string> out;
  std::ifstream in(kbuild);
  std::string line;
  while (std::getline(in, line)) {
    for (const char *key : {"mandatory-y", "generic-y"}) {
      if (line.rfind(key, 0) != 0) continue;
      std::size_t plus = line.find("+=");
      if (plus == std::string::npos) continue;
      std::string name = line.substr(plus + 2);
      name.erase(0, name.find_first_not_of(" \t"));
      name = name.substr(0, name.find_first_of(" \t#"));
      if (name.size() > 2 && name.compare(name.size() - 2, 2, ".h") == 0) out.push_back(name);
    }
  }
  return out;
}

// The generated headers of arch/arm64/tools/Makefile: rules of the form
//   $(kapi)/NAME.h: $(src)/SCRIPT INPUT FORCE
struct GenRule {
  std::string output, script, input;
};
std::vector<GenRule> arm64GenRules(const fs::path &root) {
  std::vector<GenRule> rules;
  std::ifstream in(root / "arch/arm64/tools/Makefile");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("$(kapi)/", 0) != 0) continue;
    std::istringstream words(line);
    std::string target, script, input;
    words >> target >> script >> input;
    if (target.empty() || target.back() != ':' || script.rfind("$(src)/", 0) != 0) continue;
    GenRule r;
    r.output = target.substr(8, target.size() - 9);
    r.script = "arch/arm64/tools/" + script.substr(7);
    if (input.rfind("$(src)/", 0) == 0) r.input = "arch/arm64/tools/" + input.substr(7);
    else if (input.rfind("$(srctree)/", 0) == 0) r.input = input.substr(11);
    else continue;
    rules.push_back(r);
  }
  return rules;
}

// A minimal kernel configuration: enough for the KVM sources and the headers
// they include to parse (64-bit, SMP, KVM with PMU/SVE/PAuth/MTE on arm64).
const char *const kArm64Config[] = {
    "ARM64", "64BIT", "MMU", "KVM", "HAVE_KVM", "VIRTUALIZATION", "SMP", "ARM64_4K_PAGES",
    "ARM64_VA_BITS_48", "ARM64_PA_BITS_48", "SPARSEMEM_VMEMMAP", "SPARSEMEM", "HW_PERF_EVENTS",
    "PERF_EVENTS", "KVM_ARM_PMU", "ARM64_SVE", "ARM64_PTR_AUTH", "ARM64_MTE", "COMPAT",
    "ARCH_DMA_ADDR_T_64BIT", "PHYS_ADDR_T_64BIT", "PRINTK", "BUG", "GENERIC_BUG", "ARM_GIC_V3",
    "ARM_ARCH_TIMER", "CC_IS_CLANG", "HAVE_KVM_IRQCHIP", "KVM_MMIO", "HAVE_KVM_EVENTFD",
    "HAVE_KVM_IRQFD", "HAVE_KVM_IRQ_ROUTING", "KVM_VFIO", "HAVE_KVM_MSI", "GENERIC_CLOCKEVENTS",
    "THREAD_INFO_IN_TASK", "DEBUG_BUGVERBOSE", "SLUB", "PREEMPT_NONE", "ARM64_HW_AFDBM", "ZONE_DMA32",
    "TREE_RCU", "TREE_SRCU", "ARCH_HAS_PTE_SPECIAL", "ARCH_USE_GNU_PROPERTY",
    "HAVE_ARCH_THREAD_STRUCT_WHITELIST", "ARCH_HAS_PTE_DEVMAP", "ARCH_USES_PG_ARCH_2",
    "ARCH_USES_PG_ARCH_3", "ARCH_USES_PG_ARCH_X", "MODULES", "ARM64_PAN", "ARM64_RAS_EXTN",
    "ARM64_AMU_EXTN", "ARM64_BTI", "ARM64_E0PD", "ARM64_POE", "ARM64_GCS", "NUMA", "HAVE_ARCH_PFN_VALID",
};
const char *const kX86Config[] = {
    "X86", "X86_64", "64BIT", "MMU", "KVM", "KVM_INTEL", "KVM_AMD", "HAVE_KVM", "VIRTUALIZATION", "SMP",
    "SPARSEMEM_VMEMMAP", "SPARSEMEM", "PERF_EVENTS", "PRINTK", "BUG", "GENERIC_BUG", "CC_IS_CLANG",
    "HAVE_KVM_IRQCHIP", "KVM_MMIO", "HAVE_KVM_EVENTFD", "HAVE_KVM_IRQFD", "HAVE_KVM_IRQ_ROUTING",
    "KVM_VFIO", "HAVE_KVM_MSI", "GENERIC_CLOCKEVENTS", "THREAD_INFO_IN_TASK", "DEBUG_BUGVERBOSE", "SLUB",
    "PREEMPT_NONE", "ZONE_DMA32", "TREE_RCU", "TREE_SRCU", "ARCH_HAS_PTE_SPECIAL",
    "HAVE_ARCH_THREAD_STRUCT_WHITELIST", "ARCH_HAS_PTE_DEVMAP", "MODULES", "X86_LOCAL_APIC",
    "X86_IO_APIC", "PCI", "KVM_HYPERV", "KVM_XEN", "KVM_SMM", "X86_SGX_KVM", "X86_PAT", "X86_MCE",
    "PARAVIRT", "KVM_GUEST", "HYPERVISOR_GUEST", "NUMA", "X86_64_SMP", "X86_CMPXCHG64",
};

std::string autoconf(KernelArch arch) {
  std::string s = "/* regcompat: synthesized configuration (see kernel_tree.h) */\n";
  if (arch == KernelArch::Arm64) {
    for (const char *c : kArm64Config) s += std::string("#define CONFIG_") + c + " 1\n";
    s += "#define CONFIG_ARM64_PAGE_SHIFT 12\n#define CONFIG_PAGE_SHIFT 12\n#define CONFIG_ARM64_VA_BITS 48\n"
         "#define CONFIG_ARM64_PA_BITS 48\n#define CONFIG_PGTABLE_LEVELS 4\n#define CONFIG_ARM64_CONT_PTE_SHIFT 4\n"
         "#define CONFIG_ARM64_CONT_PMD_SHIFT 4\n#define CONFIG_ARCH_MMAP_RND_BITS_MAX 33\n"
         "#define CONFIG_ARCH_MMAP_RND_COMPAT_BITS_MAX 16\n#define CONFIG_ARCH_FORCE_MAX_ORDER 10\n";
  } else {
    for (const char *c : kX86Config) s += std::string("#define CONFIG_") + c + " 1\n";
    s += "#define CONFIG_PAGE_SHIFT 12\n#define CONFIG_PGTABLE_LEVELS 4\n#define CONFIG_PHYSICAL_START 0x1000000\n"
         "#define CONFIG_PHYSICAL_ALIGN 0x200000\n#define CONFIG_X86_L1_CACHE_SHIFT 6\n"
         "#define CONFIG_X86_INTERNODE_CACHE_SHIFT 6\n#define CONFIG_ARCH_MMAP_RND_BITS_MAX 32\n"
         "#define CONFIG_ARCH_MMAP_RND_COMPAT_BITS_MAX 16\n#define CONFIG_NR_CPUS_RANGE_END 512\n"
         "#define CONFIG_X86_MINIMUM_CPU_FAMILY 64\n";
  }
  s += "#define CONFIG_NR_CPUS 256\n#define CONFIG_HZ 250\n#define CONFIG_NODES_SHIFT 2\n"
       "#define CONFIG_BASE_SMALL 0\n#define CONFIG_LOG_BUF_SHIFT 17\n#define CONFIG_FRAME_WARN 2048\n"
       "#define CONFIG_CLANG_VERSION 140000\n#define CONFIG_ILLEGAL_POINTER_VALUE 0xdead000000000000\n"
       "#define CONFIG_FORCE_MAX_ZONEORDER 11\n#define CONFIG_ARCH_NR_GPIO 0\n#define CONFIG_NR_IRQS 64\n";
  return s;
}

// Values a build computes into include/generated/; any consistent choice
// serves the extractors (they evaluate register tables, not layouts).
const char *kBounds =
    "#define NR_PAGEFLAGS 23\n#define MAX_NR_ZONES 4\n#define NR_CPUS_BITS 8\n#define SPINLOCK_SIZE 4\n"
    "#define LRU_GEN_WIDTH 0\n#define __LRU_REFS_WIDTH 0\n#define LRU_REFS_WIDTH 0\n";
const char *kTimeconst =
    "#define HZ_TO_MSEC_MUL32 0x80000000\n#define HZ_TO_MSEC_ADJ32 0\n#define HZ_TO_MSEC_SHR32 29\n"
    "#define MSEC_TO_HZ_MUL32 0x80000000\n#define MSEC_TO_HZ_ADJ32 0x180000000\n#define MSEC_TO_HZ_SHR32 33\n"
    "#define HZ_TO_MSEC_NUM 4\n#define HZ_TO_MSEC_DEN 1\n#define MSEC_TO_HZ_NUM 1\n#define MSEC_TO_HZ_DEN 4\n"
    "#define HZ_TO_USEC_MUL32 0xFA000000\n#define HZ_TO_USEC_ADJ32 0\n#define HZ_TO_USEC_SHR32 20\n"
    "#define USEC_TO_HZ_MUL32 0x83126E98\n#define USEC_TO_HZ_ADJ32 0x7FF7CED9168\n#define USEC_TO_HZ_SHR32 43\n"
    "#define HZ_TO_USEC_NUM 4000\n#define HZ_TO_USEC_DEN 1\n#define USEC_TO_HZ_NUM 1\n#define USEC_TO_HZ_DEN 4000\n"
    "#define HZ_TO_NSEC_NUM 4000000\n#define HZ_TO_NSEC_DEN 1\n#define NSEC_TO_HZ_NUM 1\n#define NSEC_TO_HZ_DEN 4000000\n";

class DiagnosticCounter : public clang::DiagnosticConsumer {
 public:
  explicit DiagnosticCounter(ParseReport &report, const fs::path &root) : report_(report), root_(root) {}
  void HandleDiagnostic(clang::DiagnosticsEngine::Level level, const clang::Diagnostic &info) override {
    clang::DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level < clang::DiagnosticsEngine::Error) return;
    ++report_.errors;
    if (report_.first_errors.size() >= 5) return;
    llvm::SmallString<256> text;
    info.FormatDiagnostic(text);
    std::string where;
    if (info.hasSourceManager() && info.getLocation().isValid())
      where = whereOf(info.getSourceManager(), info.getLocation(), root_) + ": ";
    report_.first_errors.push_back(where + std::string(text.str()));
  }

 private:
  ParseReport &report_;
  fs::path root_;
};

// The main file's #ifdef CONFIG_* / #ifndef CONFIG_* regions (and their
// #else sides). Other conditionals are tracked only to keep the nesting.
class ConfigRegionRecorder : public clang::PPCallbacks {
 public:
  ConfigRegionRecorder(const clang::SourceManager &sm, std::vector<ConfigRegion> &out) : sm_(sm), out_(out) {}

  void Ifdef(clang::SourceLocation loc, const clang::Token &name, const clang::MacroDefinition &) override {
    open(loc, name, true);
  }
  void Ifndef(clang::SourceLocation loc, const clang::Token &name, const clang::MacroDefinition &) override {
    open(loc, name, false);
  }
  void If(clang::SourceLocation loc, clang::SourceRange, ConditionValueKind) override {
    if (sm_.isInMainFile(loc)) stack_.push_back({});
  }
  void Else(clang::SourceLocation loc, clang::SourceLocation if_loc) override {
    if (!sm_.isInMainFile(if_loc) || stack_.empty() || stack_.back().option.empty()) return;
    ConfigRegion r = close(loc);
    stack_.push_back({offset(loc), 0, r.option, !r.enabled});
  }
  void Endif(clang::SourceLocation loc, clang::SourceLocation if_loc) override {
    if (!sm_.isInMainFile(if_loc) || stack_.empty()) return;
    if (stack_.back().option.empty()) stack_.pop_back();
    else close(loc);
  }

 private:
  unsigned offset(clang::SourceLocation loc) const { return sm_.getFileOffset(sm_.getExpansionLoc(loc)); }
  void open(clang::SourceLocation loc, const clang::Token &name, bool enabled) {
    if (!sm_.isInMainFile(loc)) return;
    const clang::IdentifierInfo *id = name.getIdentifierInfo();
    std::string option = id != nullptr ? id->getName().str() : "";
    if (option.rfind("CONFIG_", 0) != 0) option.clear();  // not a configuration test
    stack_.push_back({offset(loc), 0, option, enabled});
  }
  ConfigRegion close(clang::SourceLocation loc) {
    ConfigRegion r = stack_.back();
    stack_.pop_back();
    r.end = offset(loc);
    out_.push_back(r);
    return r;
  }

  const clang::SourceManager &sm_;
  std::vector<ConfigRegion> &out_;
  std::vector<ConfigRegion> stack_;  // open conditionals; option empty when not CONFIG_*
};

class PreprocessorRecorder : public clang::PPCallbacks {
 public:
  PreprocessorRecorder(clang::Preprocessor &pp, ParseReport &report, std::vector<MacroUse> *macros)
      : pp_(pp), report_(report), macros_(macros) {}

  bool FileNotFound(llvm::StringRef name, llvm::SmallVectorImpl<char> &) override {
    if (seen_.insert(name.str()).second && report_.missing_includes.size() < 200)
      report_.missing_includes.push_back(name.str());
    return false;
  }

  void MacroExpands(const clang::Token &name, const clang::MacroDefinition &, clang::SourceRange range,
                    const clang::MacroArgs *args) override {
    if (macros_ == nullptr) return;
    const clang::SourceManager &sm = pp_.getSourceManager();
    const clang::SourceLocation loc = sm.getExpansionLoc(range.getBegin());
    if (!sm.isInMainFile(loc)) return;
    const clang::IdentifierInfo *id = name.getIdentifierInfo();
    if (id == nullptr) return;
    // Only feature tests matter: kvm_has_*, vcpu_has_*, kvm_vcpu_has_*, ...
    const llvm::StringRef n = id->getName();
    if (!n.contains("has_") && !n.contains("_feat")) return;
    MacroUse use;
    use.file_offset = sm.getFileOffset(loc);
    use.name = n.str();
    if (args != nullptr) {
      for (unsigned i = 0; i < args->getNumMacroArguments(); ++i) {
        std::string spelled;
        for (const clang::Token *t = args->getUnexpArgument(i); t->isNot(clang::tok::eof); ++t) {
          if (!spelled.empty()) spelled += ' ';
          spelled += pp_.getSpelling(*t);
        }
        use.args.push_back(spelled);
      }
    }
    macros_->push_back(std::move(use));
  }

 private:
  clang::Preprocessor &pp_;
  ParseReport &report_;
  std::vector<MacroUse> *macros_;
  std::set<std::string> seen_;
};

class ExtractAction : public clang::ASTFrontendAction {
 public:
  ExtractAction(clang::ast_matchers::MatchFinder &finder, ParseReport &report, std::vector<MacroUse> *macros,
                std::vector<ConfigRegion> *regions)
      : finder_(finder), report_(report), macros_(macros), regions_(regions) {}

  std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(clang::CompilerInstance &ci, llvm::StringRef) override {
    clang::Preprocessor &pp = ci.getPreprocessor();
    pp.SetSuppressIncludeNotFoundError(true);
    pp.addPPCallbacks(std::make_unique<PreprocessorRecorder>(pp, report_, macros_));
    if (regions_ != nullptr) pp.addPPCallbacks(std::make_unique<ConfigRegionRecorder>(pp.getSourceManager(), *regions_));
    return finder_.newASTConsumer();
  }

 private:
  clang::ast_matchers::MatchFinder &finder_;
  ParseReport &report_;
  std::vector<MacroUse> *macros_;
  std::vector<ConfigRegion> *regions_;
};

class ActionFactory : public clang::tooling::FrontendActionFactory {
 public:
  ActionFactory(clang::ast_matchers::MatchFinder &finder, ParseReport &report, std::vector<MacroUse> *macros,
                std::vector<ConfigRegion> *regions)
      : finder_(finder), report_(report), macros_(macros), regions_(regions) {}
  std::unique_ptr<clang::FrontendAction> create() override {
    return std::make_unique<ExtractAction>(finder_, report_, macros_, regions_);
  }

 private:
  clang::ast_matchers::MatchFinder &finder_;
  ParseReport &report_;
  std::vector<MacroUse> *macros_;
  std::vector<ConfigRegion> *regions_;
};

}  // namespace

std::string whereOf(const clang::SourceManager &sm, clang::SourceLocation loc, const fs::path &root) {
  const clang::SourceLocation exp = sm.getExpansionLoc(loc);
  const clang::PresumedLoc p = sm.getPresumedLoc(exp);
  if (p.isInvalid()) return "?";
  std::string file = p.getFilename();
  const std::string r = root.string() + "/";
  if (file.rfind(r, 0) == 0) file = file.substr(r.size());
  return file + ":" + std::to_string(p.getLine());
}

Result<KernelTree> openKernelTree(const fs::path &root, const std::string &release) {
  std::error_code ec;
  const fs::path abs = fs::weakly_canonical(fs::absolute(root, ec), ec);
  if (ec || !fs::is_directory(abs)) return fail(root.string() + ": not a directory");
  if (!fs::is_directory(abs / "include/uapi/linux"))
    return fail(root.string() + ": not a Linux source tree (no include/uapi/linux)");
  KernelTree t;
  t.root = abs;
  t.release = release;
  if (t.release.empty()) t.release = releaseFromMakefile(abs);
  if (t.release.empty()) {
    const std::string dir = abs.filename().string();
    if (dir.rfind("linux-", 0) == 0) t.release = dir.substr(6);
  }
  if (t.release.empty())
    return fail(root.string() + ": cannot tell the kernel release (no Makefile, directory not named linux-X.Y); "
                                "give --release");
  if (!splitRelease(t.release, t.major, t.minor, t.sublevel))
    return fail(root.string() + ": release '" + t.release + "' is not X.Y[.Z]");
  return t;
}

KernelParser::KernelParser(KernelTree tree, KernelArch arch) : tree_(std::move(tree)), arch_(arch) {
  gen_root_ = "/regcompat-generated/linux-" + tree_.release + (arch_ == KernelArch::Arm64 ? "-arm64" : "-x86");
}

Result<bool> KernelParser::prepareGenerated() {
  if (prepared_) return true;
  const fs::path &root = tree_.root;
  const std::string a = arch_ == KernelArch::Arm64 ? "arm64" : "x86";
  auto add = [this](const std::string &rel, std::string text) { gen_files_.emplace_back(gen_root_ + "/" + rel, std::move(text)); };

  add("include/generated/autoconf.h", autoconf(arch_));
  add("include/generated/bounds.h", kBounds);
  add("include/generated/timeconst.h", kTimeconst);
  add("include/generated/utsrelease.h", "#define UTS_RELEASE \"" + tree_.release + "\"\n");
  add("include/generated/compile.h", "");
  add("include/generated/rq-offsets.h", "");
  add("include/generated/asm-offsets.h", "");
  const int code = (tree_.major << 16) + (tree_.minor << 8) + std::min(tree_.sublevel, 255);
  add("include/generated/uapi/linux/version.h",
      "#define LINUX_VERSION_CODE " + std::to_string(code) +
          "\n#define KERNEL_VERSION(a,b,c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))\n"
          "#define LINUX_VERSION_MAJOR " + std::to_string(tree_.major) + "\n#define LINUX_VERSION_PATCHLEVEL " +
          std::to_string(tree_.minor) + "\n#define LINUX_VERSION_SUBLEVEL " + std::to_string(tree_.sublevel) + "\n");

  // Kbuild's asm-generic wrappers (scripts/Makefile.asm-generic): a listed
  // header the architecture does not provide includes the generic one.
  for (const auto &name : kbuildHeaders(root / "include/asm-generic/Kbuild"))
    if (!fs::exists(root / "arch" / a / "include/asm" / name))
      add("arch/" + a + "/include/generated/asm/" + name, "#include <asm-generic/" + name + ">\n");
  for (const auto &name : kbuildHeaders(root / "arch" / a / "include/asm/Kbuild"))
    if (!fs::exists(root / "arch" / a / "include/asm" / name))
      add("arch/" + a + "/include/generated/asm/" + name, "#include <asm-generic/" + name + ">\n");
  for (const auto &name : kbuildHeaders(root / "include/uapi/asm-generic/Kbuild"))
    if (!fs::exists(root / "arch" / a / "include/uapi/asm" / name))
      add("arch/" + a + "/include/generated/uapi/asm/" + name, "#include <asm-generic/" + name + ">\n");
  for (const auto &name : kbuildHeaders(root / "arch" / a / "include/uapi/asm/Kbuild"))
    if (!fs::exists(root / "arch" / a / "include/uapi/asm" / name))
      add("arch/" + a + "/include/generated/uapi/asm/" + name, "#include <asm-generic/" + name + ">\n");

  if (arch_ == KernelArch::Arm64) {
    // The kernel's own generators, run once into the cache.
    // Keyed by release and tree: two trees of one release may differ.
    std::uint32_t h = 2166136261u;
    for (char c : root.string()) h = (h ^ static_cast<std::uint8_t>(c)) * 16777619u;
    char tag[16];
    std::snprintf(tag, sizeof tag, "-%08x", h);
    const fs::path cache = cacheRoot() / "gen" / ("linux-" + tree_.release + "-arm64" + tag);
    std::error_code ec;
    fs::create_directories(cache, ec);
    if (ec) return fail(cache.string() + ": " + ec.message());
    for (const GenRule &r : arm64GenRules(root)) {
      const fs::path out = cache / r.output;
      if (!fs::exists(out) || fs::file_size(out, ec) == 0) {
        const bool awk = r.script.size() > 4 && r.script.compare(r.script.size() - 4, 4, ".awk") == 0;
        const fs::path tmp = out.string() + ".tmp";
        const std::string cmd = std::string(awk ? "awk -f " : "/bin/sh -e ") + shellQuote((root / r.script).string()) +
                                " " + shellQuote((root / r.input).string()) + " > " + shellQuote(tmp.string()) +
                                " 2>/dev/null";
        if (std::system(cmd.c_str()) != 0) return fail("running " + r.script + " on " + r.input + " failed");
        fs::rename(tmp, out, ec);
        if (ec) return fail(out.string() + ": " + ec.message());
      }
      add("arch/arm64/include/generated/asm/" + r.output, readFile(out));
    }
  }
  prepared_ = true;
  return true;
}

Result<ParseReport> KernelParser::parse(const std::string &file, clang::ast_matchers::MatchFinder &finder,
                                        std::vector<MacroUse> *macros, bool userspace,
                                        std::vector<ConfigRegion> *regions) {
  if (auto ok = prepareGenerated(); !ok) return fail(ok.error());
  const fs::path &root = tree_.root;
  const fs::path abs = root / file;
  if (!fs::exists(abs)) return fail(abs.string() + ": no such file in the kernel tree");
  const std::string a = arch_ == KernelArch::Arm64 ? "arm64" : "x86";
  const std::string r = root.string();

  std::vector<std::string> args = {
      arch_ == KernelArch::Arm64 ? "--target=aarch64-linux-gnu" : "--target=x86_64-linux-gnu",
      "-fsyntax-only", "-nostdinc", "-std=gnu11", "-w", "-ferror-limit=0", "-fshort-wchar",
      "-fno-caret-diagnostics",  // no "N errors generated." on stderr: DiagnosticCounter reports them
      "-fno-strict-aliasing", "-D__KERNEL__", "-DKBUILD_MODNAME=\"regcompat\"", "-DKBUILD_BASENAME=\"regcompat\"",
      "-I" + r + "/arch/" + a + "/include", "-I" + gen_root_ + "/arch/" + a + "/include/generated",
      "-I" + r + "/include", "-I" + r + "/arch/" + a + "/include/uapi",
      "-I" + gen_root_ + "/arch/" + a + "/include/generated/uapi", "-I" + r + "/include/uapi",
      "-I" + gen_root_ + "/include/generated/uapi", "-I" + gen_root_ + "/include",
      "-I" + abs.parent_path().string()};
  if (fs::exists(root / "include/linux/compiler-version.h")) {
    args.push_back("-include");
    args.push_back(r + "/include/linux/compiler-version.h");
  }
  for (const char *pre : {"include/linux/kconfig.h", "include/linux/compiler_types.h"}) {
    args.push_back("-include");
    args.push_back(r + "/" + pre);
  }
  if (userspace) {
    // The selftest library's headers (processor.h defines
    // KVM_ARM64_SYS_REG()); what they include from tools/ is skipped if
    // absent. The uapi definitions are also given directly.
    const std::string kvm = r + "/tools/testing/selftests/kvm/include";
    args.push_back("-I" + kvm);
    args.push_back("-I" + kvm + (arch_ == KernelArch::Arm64 ? "/arm64" : "/x86"));
    args.push_back("-I" + kvm + (arch_ == KernelArch::Arm64 ? "/aarch64" : "/x86_64"));
    for (const char *pre : {"linux/types.h", "linux/kvm.h"}) {
      args.push_back("-include");
      args.push_back(pre);
    }
    if (arch_ == KernelArch::Arm64) {
      args.push_back("-include");
      args.push_back("asm/sysreg.h");
    }
  }

  auto memfs = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
  for (const auto &[path, text] : gen_files_)
    memfs->addFile(path, 0, llvm::MemoryBuffer::getMemBufferCopy(text, path));
  auto overlay = llvm::makeIntrusiveRefCnt<llvm::vfs::OverlayFileSystem>(llvm::vfs::getRealFileSystem());
  overlay->pushOverlay(memfs);

  ParseReport report;
  report.file = file;
  clang::tooling::FixedCompilationDatabase db(r, args);
  clang::tooling::ClangTool tool(db, {abs.string()}, std::make_shared<clang::PCHContainerOperations>(), overlay);
  DiagnosticCounter diagnostics(report, root);
  tool.setDiagnosticConsumer(&diagnostics);
  tool.setPrintErrorMessage(false);
  ActionFactory factory(finder, report, macros, regions);
  (void)tool.run(&factory);
  return report;
}

}  // namespace regcompat::kernel
