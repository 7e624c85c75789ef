// Parsing (parallel, error tolerant) and the static walk over each unit:
//   Walker::table()      every ARMCPRegInfo initializer, fields evaluated by
//                        Clang's constant evaluator where they are constant
//   Walker::function()   define_arm_cp_regs()-style calls, with the
//   + toPredicate()      if-conditions around them (and around the calls of
//                        the enclosing function, a few levels up) as a
//                        normalized Predicate
//   constants            ARM_CP_* / PL* / CP_ANY of this release
// (A walk, not AST matchers: the guards need the path from each call up to
// its function, which a matcher callback does not see. Splitting this file
// one class per concern is open work: issue "A house the next engineer can
// live in".)
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Driver/Options.h>
#include <clang/Frontend/TextDiagnosticBuffer.h>
#include <clang/Lex/Lexer.h>
#include <clang/Lex/Preprocessor.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/JSONCompilationDatabase.h>
#include <clang/Tooling/Tooling.h>
#include <llvm/Option/ArgList.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/VirtualFileSystem.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "ast_index.h"
#include "body_needs.h"
#include "header_bodies.h"
#include "scan_cache.h"

namespace regcompat::extract::qemu {

namespace fs = std::filesystem;
using namespace clang;

#ifndef REGCOMPAT_CLANG_RESOURCE_DIR
#define REGCOMPAT_CLANG_RESOURCE_DIR "/usr/lib/llvm-14/lib/clang/14.0.6"
#endif

namespace {

constexpr const char *kStubDir = "/regcompat-generated-stubs";

// ---------------------------------------------------------------------------
// No-build mode: stub generated headers. Every include that no real include
// directory has resolves, through `-idirafter kStubDir`, to a file in this
// file system: the config headers get content derived from the source tree,
// everything else (trace, QAPI, ...) is empty. Declarations that depend on
// them fail; the ARMCPRegInfo tables and the CPU code do not.
class StubFileSystem : public llvm::vfs::FileSystem {
 public:
  explicit StubFileSystem(std::map<std::string, std::string> contents)
      : contents_(std::move(contents)), mem_(new llvm::vfs::InMemoryFileSystem) {}

  llvm::ErrorOr<llvm::vfs::Status> status(const llvm::Twine &path) override {
    std::string p = path.str();
    if (p == kStubDir || (p.rfind(std::string(kStubDir) + "/", 0) == 0 && p.size() > 2 &&
                          p.substr(p.size() - 2) != ".h")) {
      // The stub directory and any directory under it exist.
      return llvm::vfs::Status(p, llvm::sys::fs::UniqueID(0x5eed, std::hash<std::string>{}(p)),
                               llvm::sys::TimePoint<>(), 0, 0, 0, llvm::sys::fs::file_type::directory_file,
                               llvm::sys::fs::all_read | llvm::sys::fs::all_exe);
    }
    if (!ensure(p)) return std::make_error_code(std::errc::no_such_file_or_directory);
    return mem_->status(path);
  }
  llvm::ErrorOr<std::unique_ptr<llvm::vfs::File>> openFileForRead(const llvm::Twine &path) override {
    if (!ensure(path.str())) return std::make_error_code(std::errc::no_such_file_or_directory);
    return mem_->openFileForRead(path);
  }
  llvm::vfs::directory_iterator dir_begin(const llvm::Twine &dir, std::error_code &ec) override {
    return mem_->dir_begin(dir, ec);
  }
  std::error_code setCurrentWorkingDirectory(const llvm::Twine &) override { return {}; }
  llvm::ErrorOr<std::string> getCurrentWorkingDirectory() const override { return std::string("/"); }

 private:
  bool ensure(const std::string &path) {
    std::string prefix = std::string(kStubDir) + "/";
    if (path.rfind(prefix, 0) != 0) return false;
    std::string rel = path.substr(prefix.size());
    if (rel.size() < 3 || rel.substr(rel.size() - 2) != ".h") return false;
    std::lock_guard<std::mutex> lock(mu_);
    if (!mem_->exists(path)) {
      auto it = contents_.find(rel);
      std::string text = it != contents_.end() ? it->second : "/* regcompat stub */\n";
      mem_->addFile(path, 0, llvm::MemoryBuffer::getMemBufferCopy(text, path));
    }
    return true;
  }
  std::map<std::string, std::string> contents_;
  llvm::IntrusiveRefCntPtr<llvm::vfs::InMemoryFileSystem> mem_;
  std::mutex mu_;
};

// config-target.h of aarch64-softmmu, from configs/targets/aarch64-softmmu.mak
// the way QEMU's meson.build writes it.
std::map<std::string, std::string> stubContents(const fs::path &root) {
  std::string target = "#define CONFIG_SOFTMMU 1\n#define CONFIG_SYSTEM_ONLY 1\n"
                       "#define TARGET_NAME \"aarch64\"\n";
  std::ifstream mak(root / "configs/targets/aarch64-softmmu.mak");
  std::string line;
  while (std::getline(mak, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), val = line.substr(eq + 1);
    bool numeric = !val.empty() && val.find_first_not_of("0123456789") == std::string::npos;
    if (key == "TARGET_ARCH" || key == "TARGET_BASE_ARCH") {
      std::string up = val;
      for (auto &c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      target += "#define TARGET_" + up + " 1\n";
    } else if (key.rfind("TARGET_", 0) != 0 && key.rfind("CONFIG_", 0) != 0) {
      continue;
    } else if (val == "y") {
      target += "#define " + key + " 1\n";
    } else if (val == "n") {
      target += "#define " + key + " 0\n";
    } else if (numeric) {
      target += "#define " + key + " " + val + "\n";
    }
  }
  // meson.build: TARGET_BIG_ENDIAN defaults to 'n' (written as 0).
  if (target.find("TARGET_BIG_ENDIAN") == std::string::npos) target += "#define TARGET_BIG_ENDIAN 0\n";
  if (target.find("TARGET_AARCH64") == std::string::npos) target += "#define TARGET_AARCH64 1\n";
  if (target.find("TARGET_ARM ") == std::string::npos) target += "#define TARGET_ARM 1\n";
  std::string host =
      "#define CONFIG_TCG 1\n#define CONFIG_LINUX 1\n#define CONFIG_POSIX 1\n"
      "#define HOST_X86_64 1\n#define CONFIG_INT128 1\n#define CONFIG_ATOMIC64 1\n"
      "#define QEMU_VERSION \"regcompat\"\n#define QEMU_PKGVERSION \"\"\n"
      "#define CONFIG_BDRV_RW_WHITELIST NULL\n#define CONFIG_BDRV_RO_WHITELIST NULL\n"
      "#define CONFIG_QEMU_CONFDIR \"\"\n#define CONFIG_QEMU_DATADIR \"\"\n"
      "#define CONFIG_QEMU_MODDIR \"\"\n#define CONFIG_HOST_DSOSUF \".so\"\n"
      "#define CONFIG_IOVEC 1\n#define CONFIG_PTHREAD_SETNAME_NP_W_TID 1\n"
      "#define HAVE_STRUCT_STAT_ST_ATIM 1\n#define CONFIG_GETTID 1\n";
  return {{"config-host.h", host},
          {"aarch64-softmmu-config-target.h", target},
          {"config-target.h", target},
          {"aarch64-softmmu-config-devices.h", "/* devices */\n"}};
}

std::vector<std::string> glibIncludes() {
  std::vector<std::string> out;
  for (const char *dir : {"/usr/include/glib-2.0", "/usr/lib/x86_64-linux-gnu/glib-2.0/include",
                          "/usr/lib/aarch64-linux-gnu/glib-2.0/include",
                          "/usr/lib64/glib-2.0/include"}) {
    if (fs::exists(dir)) out.push_back(std::string("-I") + dir);
  }
  return out;
}

std::vector<std::string> synthesizedArgs(const fs::path &root) {
  std::vector<std::string> a = {
      "clang", "-x", "c", "-std=gnu11", "-D_GNU_SOURCE", "-D_FILE_OFFSET_BITS=64",
      "-D_LARGEFILE_SOURCE", "-DNEED_CPU_H", "-DCOMPILING_PER_TARGET",
      "-DCONFIG_TARGET=\"aarch64-softmmu-config-target.h\"",
      "-DCONFIG_DEVICES=\"aarch64-softmmu-config-devices.h\""};
  for (const char *d : {"target/arm", "target/arm/tcg", "", "include", "host/include/x86_64",
                        "host/include/generic", "tcg/i386", "tcg", "linux-headers"}) {
    fs::path p = std::string(d).empty() ? root : root / d;
    if (fs::exists(p)) a.push_back("-I" + p.string());
  }
  for (auto &g : glibIncludes()) a.push_back(g);
  return a;
}

// Which files to parse: C files under target/arm that define registers, CPU
// models or the realize path (a cheap textual preselection; every field is
// evaluated from the AST).
std::vector<std::string> selectFiles(const QemuExtractOptions &o) {
  std::set<std::string> out;
  if (!o.only_listed_files) {
    static const char *markers[] = {"define_arm_cp_regs", "define_one_arm_cp_reg", "ARMCPUInfo",
                                    "register_cp_regs_for_features", "arm_cpu_realizefn",
                                    "ARMCPRegInfo "};
    fs::path dir = o.source / "target/arm";
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      const fs::path &p = it->path();
      if (p.extension() != ".c") continue;
      std::string rel = fs::relative(p, o.source).generic_string();
      if (rel.find("/hvf/") != std::string::npos || rel.find("kvm") != std::string::npos ||
          rel.find("translate") != std::string::npos || rel.find("gdbstub") != std::string::npos)
        continue;
      // Mapped, not copied: every run (a warm one too) reads them all.
      auto text = llvm::MemoryBuffer::getFile(p.string(), /*IsText=*/false, /*RequiresNullTerminator=*/false);
      if (!text) continue;
      bool hit = false;
      for (const char *m : markers) hit = hit || (*text)->getBuffer().contains(m);
      if (hit) out.insert(rel);
    }
  }
  for (const auto &f : o.files) out.insert(f);
  return {out.begin(), out.end()};
}

class CountingConsumer : public DiagnosticConsumer {
 public:
  void HandleDiagnostic(DiagnosticsEngine::Level level, const clang::Diagnostic &info) override {
    DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level >= DiagnosticsEngine::Error && (first.empty() || verbose)) {
      llvm::SmallString<200> msg;
      info.FormatDiagnostic(msg);
      std::string loc;
      if (info.hasSourceManager() && info.getLocation().isValid()) {
        PresumedLoc p = info.getSourceManager().getPresumedLoc(info.getLocation());
        if (p.isValid()) loc = std::string(p.getFilename()) + ":" + std::to_string(p.getLine());
      }
      if (verbose && !first.empty()) {
        std::fprintf(stderr, "  %s: %s\n", loc.c_str(), std::string(msg.str()).c_str());
        return;
      }
      first = loc + ": " + std::string(msg.str());
    }
  }
  std::string first;
  // REGCOMPAT_QEMU_DEBUG=1: print every compile error.
  bool verbose = std::getenv("REGCOMPAT_QEMU_DEBUG") != nullptr;
};

bool stderrIsTty() { return isatty(2) != 0; }

// -p mode: the build's commands are GCC's. Clang 14 rejects the options it
// does not know (e.g. -fzero-call-used-regs=used-gpr) with an error; drop
// exactly those, as Clang's own option table parses them (argv[0] is the
// compiler).
tooling::ArgumentsAdjuster dropArgumentsClangRejects() {
  return [](const tooling::CommandLineArguments &args, llvm::StringRef) {
    if (args.size() < 2) return args;
    std::vector<const char *> argv;
    for (std::size_t i = 1; i < args.size(); ++i) argv.push_back(args[i].c_str());
    unsigned missing_index = 0, missing_count = 0;
    llvm::opt::InputArgList parsed = driver::getDriverOptTable().ParseArgs(argv, missing_index, missing_count);
    std::set<unsigned> unknown;
    for (const llvm::opt::Arg *a : parsed.filtered(driver::options::OPT_UNKNOWN)) unknown.insert(a->getIndex() + 1);
    // Known to Clang 14 but refused without a "benchmarking only" flag; it
    // changes code generation, not what is parsed.
    for (const llvm::opt::Arg *a : parsed.filtered(driver::options::OPT_ftrivial_auto_var_init))
      if (llvm::StringRef(a->getValue()) == "zero") unknown.insert(a->getIndex() + 1);
    if (unknown.empty()) return args;
    tooling::CommandLineArguments out;
    for (std::size_t i = 0; i < args.size(); ++i)
      if (!unknown.count(static_cast<unsigned>(i))) out.push_back(args[i]);
    return out;
  };
}

// The files the parses read, for the scan cache, each hashed once (most
// headers are read by every unit), from the very bytes the first parse that
// read it saw (not re-read: a file edited during the scan must not be
// recorded as current). The stub headers are left out: their text is part of
// the cache key. Safe to use from several threads.
class InputDigests {
 public:
  void add(const SourceManager &sm) {
    std::vector<std::pair<std::string, llvm::StringRef>> read;
    for (auto it = sm.fileinfo_begin(); it != sm.fileinfo_end(); ++it) {
      const FileEntry *fe = it->first;
      if (!fe) continue;
      std::string path = fe->tryGetRealPathName().str();
      if (path.empty()) path = fe->getName().str();
      if (path.rfind(kStubDir, 0) == 0) continue;
      std::error_code ec;
      path = fs::absolute(path, ec).lexically_normal().string();
      auto data = it->second->getBufferDataIfLoaded();
      if (!data) continue;  // looked up but never read: its content did not matter
      read.emplace_back(std::move(path), *data);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::erase_if(read, [&](const auto &r) { return !seen_.insert(r.first).second; });
    }
    std::vector<FileDigest> hashed;
    for (auto &[path, data] : read) hashed.push_back({std::move(path), contentHash(data)});
    std::lock_guard<std::mutex> lock(mu_);
    for (auto &d : hashed) digests_.push_back(std::move(d));
  }

  // By path.
  std::vector<FileDigest> take() {
    std::sort(digests_.begin(), digests_.end(),
              [](const FileDigest &a, const FileDigest &b) { return a.path < b.path; });
    return std::move(digests_);
  }

 private:
  std::mutex mu_;
  std::set<std::string> seen_;
  std::vector<FileDigest> digests_;
};

}  // namespace

// ---------------------------------------------------------------------------
const FunctionDecl *AstIndex::function(const std::string &name, const ASTContext *prefer) const {
  auto [b, e] = functions.equal_range(name);
  const FunctionDecl *any = nullptr;
  for (auto it = b; it != e; ++it) {
    if (prefer && &it->second->getASTContext() == prefer) return it->second;
    if (!any) any = it->second;
  }
  return any;
}

const VarDecl *AstIndex::global(const std::string &name, const ASTContext *prefer) const {
  auto [b, e] = globals.equal_range(name);
  const VarDecl *any = nullptr;
  for (auto it = b; it != e; ++it) {
    if (prefer && &it->second->getASTContext() == prefer) return it->second;
    if (!any) any = it->second;
  }
  return any;
}

std::string AstIndex::where(const ASTContext &ctx, SourceLocation loc) const {
  std::lock_guard<std::mutex> lock(clang_mu);
  const SourceManager &sm = ctx.getSourceManager();
  loc = sm.getExpansionLoc(loc);
  PresumedLoc p = sm.getPresumedLoc(loc);
  if (p.isInvalid()) return "?";
  llvm::StringRef real;
  if (const FileEntry *fe = sm.getFileEntryForID(sm.getFileID(loc))) real = fe->tryGetRealPathName();
  return file_names.of(root, p.getFilename(), real) + ":" + std::to_string(p.getLine());
}

const std::string &RelativeNames::of(const fs::path &root, llvm::StringRef presumed, llvm::StringRef real) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(presumed.str(), real.str());
  if (auto it = names_.find(key); it != names_.end()) return it->second;
  std::error_code ec;
  fs::path file(key.first);
  // -p mode names files relative to the build directory
  // ("../../src/qemu/target/arm/helper.c"): use the file's real path.
  if (file.is_relative() && !real.empty()) file = fs::path(key.second);
  std::string rel = file.is_absolute() ? fs::relative(file, root, ec).generic_string() : file.generic_string();
  if (ec || rel.empty() || rel.rfind("..", 0) == 0) rel = file.generic_string();
  return names_.emplace(std::move(key), std::move(rel)).first->second;
}

// ---------------------------------------------------------------------------
// Matchers
namespace {

std::string sourceText(const ASTContext &ctx, SourceRange r) {
  const SourceManager &sm = ctx.getSourceManager();
  CharSourceRange cr = CharSourceRange::getTokenRange(sm.getExpansionRange(r).getAsRange());
  std::string s = Lexer::getSourceText(cr, sm, ctx.getLangOpts()).str();
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool isRegInfoType(QualType t) {
  t = t.getCanonicalType();
  while (const auto *at = dyn_cast<ArrayType>(t.getTypePtr())) t = at->getElementType().getCanonicalType();
  if (const auto *rt = t->getAs<RecordType>()) return rt->getDecl()->getName() == "ARMCPRegInfo";
  return false;
}

bool isDefineCall(const std::string &n) {
  return n.rfind("define_arm_cp_regs", 0) == 0 || n.rfind("define_one_arm_cp_reg", 0) == 0;
}

const Expr *strip(const Expr *e) {
  return e ? e->IgnoreParenImpCasts() : nullptr;
}

// A guard: a condition expression as a Predicate.
Predicate toPredicate(const ASTContext &ctx, const Expr *e) {
  e = strip(e);
  if (!e) return Predicate::truth();
  if (!e->isValueDependent()) {
    Expr::EvalResult r;
    if (e->EvaluateAsInt(r, ctx)) return r.Val.getInt().getBoolValue() ? Predicate::truth() : Predicate::falsity();
  }
  if (const auto *u = dyn_cast<UnaryOperator>(e); u && u->getOpcode() == UO_LNot)
    return Predicate::negate(toPredicate(ctx, u->getSubExpr()));
  if (const auto *b = dyn_cast<BinaryOperator>(e)) {
    if (b->getOpcode() == BO_LAnd) return Predicate::all({toPredicate(ctx, b->getLHS()), toPredicate(ctx, b->getRHS())});
    if (b->getOpcode() == BO_LOr) return Predicate::any({toPredicate(ctx, b->getLHS()), toPredicate(ctx, b->getRHS())});
  }
  if (const auto *c = dyn_cast<CallExpr>(e)) {
    if (const FunctionDecl *fd = c->getDirectCallee()) {
      std::string n = fd->getNameAsString();
      if (n == "arm_feature" && c->getNumArgs() == 2) {
        if (const auto *d = dyn_cast<DeclRefExpr>(strip(c->getArg(1))))
          return Predicate::atomic(d->getDecl()->getNameAsString());
      }
      if (n.rfind(kIsarFeaturePrefix, 0) == 0) return Predicate::atomic("isar:" + n.substr(std::strlen(kIsarFeaturePrefix)));
    }
  }
  if (const auto *d = dyn_cast<DeclRefExpr>(e)) {
    std::string n = d->getDecl()->getNameAsString();
    if (n.size() > 8 && n.substr(n.size() - 8) == "_allowed") return Predicate::atomic("acc:" + n.substr(0, n.size() - 8));
  }
  return Predicate::atomic("?(" + sourceText(ctx, e->getSourceRange()) + ")");
}

struct CallSite {
  std::string caller;
  Predicate guard;
};

struct DefineCall {
  const CallExpr *call;
  const ASTContext *ctx;
  std::string caller;
  Predicate guard;
  std::vector<const VarDecl *> tables;
};

struct PendingDef {
  RegDefinition def;
  const VarDecl *var = nullptr;
};

class Walker {
 public:
  Walker(const AstIndex &index, const ASTContext &ctx, std::vector<std::pair<std::string, CallSite>> &sites,
         std::vector<DefineCall> &calls, std::vector<PendingDef> &defs)
      : index_(index), ctx_(ctx), sites_(sites), calls_(calls), defs_(defs) {}

  void function(const FunctionDecl *fd) {
    fn_ = fd->getNameAsString();
    walk(fd->getBody());
  }

  void table(const VarDecl *vd, const std::string &table_name) {
    const Expr *init = vd->getInit();
    if (!init) return;
    std::vector<const InitListExpr *> elems;
    if (const auto *ile = dyn_cast<InitListExpr>(init->IgnoreParenImpCasts())) {
      if (ile->getType()->isArrayType()) {
        for (const Expr *e : ile->inits())
          if (const auto *el = dyn_cast<InitListExpr>(e->IgnoreParenImpCasts())) elems.push_back(el);
      } else {
        elems.push_back(ile);
      }
    }
    for (const InitListExpr *el : elems) defs_.push_back({definition(el, table_name), vd});
  }

 private:
  RegDefinition definition(const InitListExpr *ile, const std::string &table_name) {
    RegDefinition d;
    d.where = index_.where(ctx_, ile->getBeginLoc());
    d.table = table_name;
    d.loop = loopText();
    const RecordDecl *rd = ile->getType()->getAsRecordDecl();
    if (!rd) return d;
    unsigned i = 0;
    for (const FieldDecl *f : rd->fields()) {
      if (i >= ile->getNumInits()) break;
      const Expr *e = ile->getInit(i++);
      std::string fname = f->getNameAsString();
      if (fname == "name") {
        const Expr *s = strip(e);
        // `.name = name` where `char *name = g_strdup_printf("DBGBVR%d_EL1", i)`.
        if (const auto *ref = dyn_cast<DeclRefExpr>(s)) {
          if (const auto *var = dyn_cast<VarDecl>(ref->getDecl()); var && var->getInit()) s = strip(var->getInit());
        }
        if (const auto *sl = dyn_cast<StringLiteral>(s)) {
          d.name = sl->getString().str();
        } else if (const auto *c = dyn_cast<CallExpr>(s); c && c->getNumArgs() > 0) {
          if (const auto *fmt = dyn_cast<StringLiteral>(strip(c->getArg(0))))
            d.name = fmt->getString().str();
        }
        if (d.name.empty()) d.name = sourceText(ctx_, e->getSourceRange());
        continue;
      }
      std::optional<std::uint64_t> *slot = nullptr;
      if (fname == "cp") slot = &d.cp;
      else if (fname == "crn") slot = &d.crn;
      else if (fname == "crm") slot = &d.crm;
      else if (fname == "opc0") slot = &d.opc0;
      else if (fname == "opc1") slot = &d.opc1;
      else if (fname == "opc2") slot = &d.opc2;
      else if (fname == "state") slot = &d.state;
      else if (fname == "type") slot = &d.type;
      else if (fname == "access") slot = &d.access;
      else if (fname == "secure") slot = &d.secure;
      else if (fname == "resetvalue") slot = &d.resetvalue;
      if (!slot) continue;
      Expr::EvalResult r;
      if (!e->isValueDependent() && e->EvaluateAsInt(r, ctx_)) {
        *slot = r.Val.getInt().getZExtValue();
      } else if (fname == "resetvalue") {
        d.resetvalue_expr = sourceText(ctx_, e->getSourceRange());
      }
    }
    return d;
  }

  std::string loopText() const {
    std::string out;
    for (const ForStmt *f : loops_) {
      if (!out.empty()) out += "; ";
      out += "for (" + (f->getInit() ? sourceText(ctx_, f->getInit()->getSourceRange()) : "") + "; " +
             (f->getCond() ? sourceText(ctx_, f->getCond()->getSourceRange()) : "") + ")";
    }
    return out;
  }

  void collectTables(const Stmt *s, std::vector<const VarDecl *> &out) {
    if (!s) return;
    if (const auto *d = dyn_cast<DeclRefExpr>(s)) {
      if (const auto *vd = dyn_cast<VarDecl>(d->getDecl()); vd && isRegInfoType(vd->getType()))
        out.push_back(vd->getCanonicalDecl());
    }
    for (const Stmt *c : s->children()) collectTables(c, out);
  }

  void walk(const Stmt *s) {
    if (!s) return;
    if (const auto *i = dyn_cast<IfStmt>(s)) {
      walk(i->getCond());
      Predicate c = toPredicate(ctx_, i->getCond());
      guards_.push_back(c);
      walk(i->getThen());
      guards_.back() = Predicate::negate(c);
      walk(i->getElse());
      guards_.pop_back();
      return;
    }
    if (const auto *f = dyn_cast<ForStmt>(s)) {
      loops_.push_back(f);
      for (const Stmt *c : s->children()) walk(c);
      loops_.pop_back();
      return;
    }
    if (const auto *ds = dyn_cast<DeclStmt>(s)) {
      for (const Decl *d : ds->decls()) {
        if (const auto *vd = dyn_cast<VarDecl>(d); vd && isRegInfoType(vd->getType()) && vd->getInit())
          table(vd, fn_ + ":" + vd->getNameAsString());
      }
    }
    if (const auto *c = dyn_cast<CallExpr>(s)) {
      if (const FunctionDecl *fd = c->getDirectCallee()) {
        std::string n = fd->getNameAsString();
        Predicate g = Predicate::all(guards_);
        sites_.push_back({n, {fn_, g}});
        if (isDefineCall(n)) {
          DefineCall dc{c, &ctx_, fn_, g, {}};
          for (const Expr *a : c->arguments()) collectTables(a, dc.tables);
          calls_.push_back(std::move(dc));
        }
      }
    }
    for (const Stmt *c : s->children()) walk(c);
  }

  const AstIndex &index_;
  const ASTContext &ctx_;
  std::vector<std::pair<std::string, CallSite>> &sites_;
  std::vector<DefineCall> &calls_;
  std::vector<PendingDef> &defs_;
  std::string fn_;
  std::vector<Predicate> guards_;
  std::vector<const ForStmt *> loops_;
};

// Guard of `fn`'s own call sites, a few levels up (simple caller chains).
Predicate callerGuard(const std::string &fn, const std::multimap<std::string, CallSite> &sites,
                      std::set<std::string> &seen, int depth) {
  auto [b, e] = sites.equal_range(fn);
  if (b == e || depth > 6 || !seen.insert(fn).second) return Predicate::truth();
  std::vector<Predicate> alts;
  for (auto it = b; it != e; ++it)
    alts.push_back(Predicate::all({it->second.guard, callerGuard(it->second.caller, sites, seen, depth + 1)}));
  seen.erase(fn);
  return Predicate::any(std::move(alts));
}

void readConstants(AstIndex &index) {
  CpConstants &k = index.constants;
  std::map<std::string, std::uint64_t> values;
  const EnumDecl *types = nullptr;
  for (const Unit &u : index.units) {
    ASTContext &ctx = u.ast->getASTContext();
    for (const Decl *d : ctx.getTranslationUnitDecl()->decls()) {
      const auto *ed = dyn_cast<EnumDecl>(d);
      if (!ed) continue;
      for (const EnumConstantDecl *ec : ed->enumerators()) {
        std::string n = ec->getNameAsString();
        values[n] = ec->getInitVal().getZExtValue();
        if (n == "ARM_CP_CONST") types = ed;
      }
    }
    if (types) {
      // CP_ANY is a macro.
      Preprocessor &pp = u.ast->getPreprocessor();
      if (const MacroInfo *mi = pp.getMacroInfo(pp.getIdentifierInfo("CP_ANY"))) {
        if (mi->getNumTokens() == 1 && mi->tokens_begin()->is(tok::numeric_constant)) {
          std::string spelling = pp.getSpelling(*mi->tokens_begin());
          k.cp_any = std::stoull(spelling, nullptr, 0);
        }
      }
      break;
    }
  }
  if (!types) return;
  index.has_constants = true;
  auto get = [&](const char *n, std::uint64_t &dst) {
    if (auto it = values.find(n); it != values.end()) dst = it->second;
  };
  get("ARM_CP_SPECIAL_MASK", k.special_mask);
  get("ARM_CP_NOP", k.nop);
  get("ARM_CP_CONST", k.const_);
  get("ARM_CP_64BIT", k.bit64);
  get("ARM_CP_OVERRIDE", k.override_);
  get("ARM_CP_ALIAS", k.alias);
  get("ARM_CP_NO_RAW", k.no_raw);
  get("ARM_CP_NO_GDB", k.no_gdb);
  get("ARM_CP_EL3_NO_EL2_UNDEF", k.el3_no_el2_undef);
  get("ARM_CP_EL3_NO_EL2_KEEP", k.el3_no_el2_keep);
  get("ARM_CP_EL3_NO_EL2_C_NZ", k.el3_no_el2_c_nz);
  get("ARM_CP_ADD_TLBI_NXS", k.add_tlbi_nxs);
  get("ARM_CP_STATE_AA32", k.state_aa32);
  get("ARM_CP_STATE_AA64", k.state_aa64);
  get("ARM_CP_STATE_BOTH", k.state_both);
  get("ARM_CP_SECSTATE_BOTH", k.secstate_both);
  get("ARM_CP_SECSTATE_S", k.secstate_s);
  get("ARM_CP_SECSTATE_NS", k.secstate_ns);
  get("PL1_RW", k.pl1_rw);
  get("PL2_RW", k.pl2_rw);
  for (const EnumConstantDecl *ec : types->enumerators()) {
    std::string n = ec->getNameAsString();
    if (n.rfind("ARM_CP_", 0) != 0 || n == "ARM_CP_SPECIAL_MASK") continue;
    std::string lower = n.substr(7);
    for (auto &c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::uint64_t v = ec->getInitVal().getZExtValue();
    if (v != 0 && (v & k.special_mask) == v) k.special_names[v] = lower;
    else if (v != 0 && (v & (v - 1)) == 0) k.flag_names[v] = lower;
  }
  k.make_const_skips_bank_rules = index.functions.count("add_cpreg_to_hashtable_aa32") == 0;
}

// What one unit holds for the index and the matchers, in declaration order.
struct UnitFindings {
  std::vector<std::pair<std::string, const FunctionDecl *>> functions;
  std::vector<std::pair<std::string, const VarDecl *>> globals;
  std::vector<std::pair<std::string, CallSite>> sites;
  std::vector<DefineCall> calls;
  std::vector<PendingDef> defs;
};

// Reads one unit's AST only (AstIndex::where() is safe from any thread): the
// thread that parsed the unit runs it while the others still parse.
UnitFindings findInUnit(const AstIndex &index, const ASTContext &ctx) {
  UnitFindings out;
  const SourceManager &sm = ctx.getSourceManager();
  Walker w(index, ctx, out.sites, out.calls, out.defs);
  for (const Decl *d : ctx.getTranslationUnitDecl()->decls()) {
    const auto *fd = dyn_cast<FunctionDecl>(d);
    const auto *vd = fd ? nullptr : dyn_cast<VarDecl>(d);
    if (vd && vd->getInit()) out.globals.emplace_back(vd->getNameAsString(), vd);
    if ((fd && !fd->doesThisDeclarationHaveABody()) || (!fd && !vd)) continue;
    if (!sm.isInMainFile(sm.getExpansionLoc(d->getLocation()))) continue;
    if (fd) {
      out.functions.emplace_back(fd->getNameAsString(), fd);
      w.function(fd);
    } else if (isRegInfoType(vd->getType()) && vd->getInit()) {
      w.table(vd, vd->getNameAsString());
    }
  }
  return out;
}

// Indexes the units' functions and globals and runs the matchers over what
// findInUnit() found, in unit order: fills definitions, guards and constants.
void runMatchers(AstIndex &index, std::vector<UnitFindings> findings, std::vector<Diagnostic> &diagnostics) {
  std::multimap<std::string, CallSite> sites;
  std::vector<DefineCall> calls;
  std::vector<PendingDef> defs;
  for (UnitFindings &f : findings) {
    for (auto &[name, fd] : f.functions) index.functions.emplace(std::move(name), fd);
    for (auto &[name, vd] : f.globals) index.globals.emplace(std::move(name), vd);
    for (auto &site : f.sites) sites.insert(std::move(site));
    std::move(f.calls.begin(), f.calls.end(), std::back_inserter(calls));
    std::move(f.defs.begin(), f.defs.end(), std::back_inserter(defs));
  }
  // Guards: each define call's own conditions and its callers'.
  std::map<const VarDecl *, std::vector<Predicate>> table_guards;
  for (DefineCall &c : calls) {
    std::set<std::string> seen;
    Predicate full = Predicate::all({c.guard, callerGuard(c.caller, sites, seen, 0)});
    index.define_call_guards[c.call] = toString(full);
    for (const VarDecl *vd : c.tables) table_guards[vd].push_back(full);
  }
  for (PendingDef &p : defs) {
    auto it = p.var ? table_guards.find(p.var->getCanonicalDecl()) : table_guards.end();
    p.def.guard = it == table_guards.end() ? "?" : toString(Predicate::any(it->second));
    index.guard_by_where[p.def.where] = p.def.guard;
    index.definitions.push_back(std::move(p.def));
  }
  readConstants(index);
  if (!index.has_constants)
    diagnostics.push_back({"", "ARM_CP_* constants not found (is target/arm/cpregs.h parsed?); using QEMU 7.2's"});
}

// Frees the parsed units, `jobs` at a time: a unit's teardown (Clang's
// per-file diagnostic state, macro tables, source buffers) is a noticeable
// part of a scan, and the units are independent.
void releaseUnits(std::vector<Unit> units, unsigned jobs) {
  std::atomic<std::size_t> next{0};
  auto release = [&] {
    for (std::size_t i; (i = next++) < units.size();) units[i].ast.reset();
  };
  std::vector<std::thread> helpers;
  for (unsigned j = 1; j < jobs && j < units.size(); ++j) helpers.emplace_back(release);
  release();
  for (auto &t : helpers) t.join();
}

// Releases the units of a finished scan on a thread of its own, so that the
// caller goes on meanwhile (the command line saves the database). One batch at
// a time: the next release, or the end of the program, waits for the last.
class UnitReaper {
 public:
  static UnitReaper &instance() {
    static UnitReaper reaper;
    return reaper;
  }
  UnitReaper(const UnitReaper &) = delete;
  UnitReaper &operator=(const UnitReaper &) = delete;
  ~UnitReaper() { wait(); }

  void release(std::vector<Unit> units, unsigned jobs) {
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) thread_.join();
    thread_ = std::thread([units = std::move(units), jobs]() mutable { releaseUnits(std::move(units), jobs); });
  }

 private:
  UnitReaper() = default;
  void wait() {
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) thread_.join();
  }
  std::mutex mu_;
  std::thread thread_;
};

}  // namespace

// ---------------------------------------------------------------------------
Result<std::map<std::string, std::uint64_t>> machineCpuProperties(const std::string &machine) {
  if (machine == "virt") {
    // hw/arm/virt.c machvirt_init(): secure=off -> has_el3=false,
    // virtualization=off -> has_el2=false, reset-cbar = VIRT_CPUPERIPHS base.
    return std::map<std::string, std::uint64_t>{{"has_el3", 0}, {"has_el2", 0}, {"reset_cbar", 0x08000000}};
  }
  if (machine == "none") return std::map<std::string, std::uint64_t>{};
  return fail("unknown machine '" + machine + "' (expected virt or none)");
}

std::vector<std::uint64_t> CpuModelSet::migratedIndexes() const {
  std::vector<std::uint64_t> out;
  for (const auto &r : registers)
    if (r.migrated) out.push_back(r.index);
  return out;
}

Result<QemuExtraction> extractQemu(const QemuExtractOptions &options) {
  using Clock = std::chrono::steady_clock;
  if (!fs::is_directory(options.source))
    return fail("QEMU source '" + options.source.string() + "' is not a directory");
  if (!fs::is_directory(options.source / "target/arm") && !options.only_listed_files)
    return fail("'" + options.source.string() + "' has no target/arm: not a QEMU source tree");
  auto props = machineCpuProperties(options.machine);
  if (!props) return fail(props.error());
  auto cpu_properties = props.value();
  for (const auto &[k, v] : options.cpu_properties) cpu_properties[k] = v;
  if (options.accelerator != "tcg")
    return fail("accelerator '" + options.accelerator + "' is not modelled (only tcg)");

  QemuExtraction out;
  out.release = options.release;
  fs::path root = fs::weakly_canonical(options.source);

  // Compilation database. A real build's compile_commands.json holds
  // thousands of commands: it is parsed on a second thread while this one
  // lexes the files, and not at all when the scan cache has the extraction
  // (the cache key hashes its bytes).
  std::unique_ptr<tooling::CompilationDatabase> build_db;
  std::string build_db_error;
  std::jthread build_db_loader;  // joined on every way out
  auto startLoadingBuildDb = [&] {
    if (!options.build_dir) return;
    build_db_loader = std::jthread([&] {
      build_db = tooling::JSONCompilationDatabase::loadFromDirectory(options.build_dir->string(), build_db_error);
    });
  };
  if (!options.use_cache) startLoadingBuildDb();
  std::vector<std::string> files = selectFiles(options);
  // Function bodies no part of the scan reads are not parsed (body_needs.h).
  // Without a cache to look up first, they are known to be needed now.
  std::optional<BodyNeeds> needs;
  auto computeNeeds = [&] {
    if (!options.skip_unneeded_bodies || needs) return;
    std::vector<fs::path> abs_files;
    for (const auto &f : files) abs_files.push_back(root / f);
    // Looked up by name: the realize entry point, and the function whose
    // presence tells the 7.2 register rules from the later ones.
    needs = BodyNeeds::compute(abs_files, {"arm_cpu_realizefn", "add_cpreg_to_hashtable_aa32"});
  };
  if (!options.use_cache && !files.empty()) computeNeeds();
  if (files.empty()) return fail("no QEMU register source files found under '" + root.string() + "'");

  std::vector<std::string> base_args = synthesizedArgs(root);
  auto stubs = stubContents(root);
  // -O0: the build's -O2 defines __OPTIMIZE__, which switches glib and
  // glibc headers to inline variants (g_new0() becomes a statement
  // expression the interpreter cannot decide); both modes parse the same
  // declarations this way, and the fortified inline wrappers are not parsed.
  std::vector<std::string> extra = {"-w", "-ferror-limit=0", "-Wno-error", "-O0",
                                    "-resource-dir=" REGCOMPAT_CLANG_RESOURCE_DIR};
  if (!options.build_dir) extra.push_back(std::string("-idirafter") + kStubDir);
  for (const auto &a : options.extra_args) extra.push_back(a);

  // The scan cache: the same configuration over unchanged files gives the
  // same extraction (scan_cache.h).
  ConfigKey key;
  key.add(kExtractorVersion).add(REGCOMPAT_CLANG_RESOURCE_DIR).add(root.string()).add(options.accelerator);
  for (const auto &[k, v] : cpu_properties) key.add(k + "=" + std::to_string(v));
  std::vector<std::string> models = options.models;
  std::sort(models.begin(), models.end());
  for (const auto &m : models) key.add("model:" + m);
  for (const auto &a : extra) key.add("extra:" + a);
  key.add(options.skip_unneeded_bodies ? "skip-bodies" : "all-bodies");
  for (const auto &[name, text] : stubs) key.add("stub:" + name).add(text);
  // Which command each file gets (its own, or the synthesized one) follows
  // from the compile database's content and the file list.
  if (options.build_dir) {
    fs::path json = *options.build_dir / "compile_commands.json";
    auto bytes = llvm::MemoryBuffer::getFile(json.string(), /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!bytes)
      return fail("cannot load compile_commands.json from '" + options.build_dir->string() +
                  "': " + bytes.getError().message());
    key.add("build:" + options.build_dir->string())
        .add("compile_commands:" + std::to_string(contentHash((*bytes)->getBuffer())));
  }
  for (const auto &a : base_args) key.add(a);
  for (const auto &f : files) key.add("file:" + f);
  const std::string cache_key = key.hex();
  ScanCache cache(options.use_cache ? (options.cache_dir.empty() ? ScanCache::defaultDir() : options.cache_dir)
                                    : fs::path());
  {
    auto t_lookup = Clock::now();
    if (auto hit = cache.lookup(cache_key, options.migrated_only)) {
      hit->release = options.release;
      hit->stats.files_from_cache = hit->stats.files_parsed;
      hit->stats.parse_seconds = std::chrono::duration<double>(Clock::now() - t_lookup).count();
      hit->stats.evaluate_seconds = 0;
      return std::move(*hit);
    }
  }

  unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(files.size()));
  bool progress = options.progress < 0 ? stderrIsTty() : options.progress > 0;

  AstIndex index;
  index.root = root;
  index.units.resize(files.size());
  if (options.use_cache) startLoadingBuildDb();  // the cache missed: it is needed after all
  computeNeeds();
  if (build_db_loader.joinable()) build_db_loader.join();
  if (options.build_dir && !build_db)
    return fail("cannot load compile_commands.json from '" + options.build_dir->string() + "': " + build_db_error);
  // Every file the parses read, for the cache (not needed without one).
  InputDigests inputs;
  const bool record_inputs = options.use_cache;
  std::vector<UnitFindings> findings(files.size());
  // Per file, so that they come in file order whichever parse ends first.
  std::vector<std::optional<Diagnostic>> parse_problems(files.size());
  // Header bodies are learned from the first two units, parsed whole
  // (header_bodies.h).
  std::optional<HeaderBodies> headers;
  const std::size_t learners = 2;
  if (needs && files.size() > learners)
    headers.emplace(*needs, std::vector<std::string>{kTypeInitPrefix, kIsarFeaturePrefix}, learners);
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mu;
  auto t0 = Clock::now();
  auto parse = [&](std::size_t i, const HeaderBodies *header_bodies, const std::set<std::string> *keep,
                   CountingConsumer &consumer) {
    fs::path abs = root / files[i];
    std::vector<std::string> args;
    std::unique_ptr<tooling::CompilationDatabase> fixed;
    const tooling::CompilationDatabase *db = nullptr;
    if (build_db && !build_db->getCompileCommands(abs.string()).empty()) {
      db = build_db.get();
    } else {
      args.assign(base_args.begin() + 1, base_args.end());
      if (build_db) args.push_back(std::string("-idirafter") + kStubDir);
      fixed = std::make_unique<tooling::FixedCompilationDatabase>(root.string(), args);
      db = fixed.get();
    }
    // A physical file system with its own working directory: the shared
    // real one follows the process's, which ClangTool changes to each
    // command's directory and back, under the other threads' relative
    // include paths (-I. -Iqapi in a real build's commands).
    llvm::IntrusiveRefCntPtr<llvm::vfs::OverlayFileSystem> ofs(
        new llvm::vfs::OverlayFileSystem(llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>(
            llvm::vfs::createPhysicalFileSystem().release())));
    ofs->pushOverlay(llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>(new StubFileSystem(stubs)));
    tooling::ClangTool tool(*db, {abs.string()}, std::make_shared<PCHContainerOperations>(), ofs);
    tool.setRestoreWorkingDir(false);
    if (db == build_db.get()) tool.appendArgumentsAdjuster(dropArgumentsClangRejects());
    tool.appendArgumentsAdjuster(tooling::getInsertArgumentAdjuster(
        extra, tooling::ArgumentInsertPosition::END));
    tool.setDiagnosticConsumer(&consumer);
    UnitParser parser(needs ? &*needs : nullptr, header_bodies, keep);
    tool.run(&parser);
    return parser.take();
  };
  auto worker = [&]() {
    for (;;) {
      std::size_t i = next++;
      if (i >= files.size()) return;
      const bool learner = headers && i < learners;
      if (headers && !learner) headers->waitSealed();
      auto t1 = Clock::now();
      auto consumer = std::make_unique<CountingConsumer>();
      const HeaderBodies *header_bodies = headers && !learner ? &*headers : nullptr;
      std::unique_ptr<ParsedUnit> parsed = parse(i, header_bodies, nullptr, *consumer);
      if (learner) {
        headers->learn(parsed ? &parsed->getASTContext() : nullptr, parsed ? &parsed->getPreprocessor() : nullptr);
      } else if (headers) {
        // Parsed without some header bodies: when the check finds one the
        // scan may need, parse again keeping it (the third time, keeping all).
        std::set<std::string> keep;
        for (int again = 0; parsed; ++again) {
          std::set<std::string> missing = headers->missing(parsed->getASTContext());
          if (missing.empty()) break;
          keep.insert(missing.begin(), missing.end());
          consumer = std::make_unique<CountingConsumer>();
          parsed = parse(i, again < 2 ? &*headers : nullptr, &keep, *consumer);
        }
      }
      double secs = std::chrono::duration<double>(Clock::now() - t1).count();
      if (parsed) {
        if (record_inputs) inputs.add(parsed->getSourceManager());
        findings[i] = findInUnit(index, parsed->getASTContext());
      }
      std::lock_guard<std::mutex> lock(mu);
      index.units[i].rel_path = files[i];
      if (!parsed) {
        parse_problems[i] = Diagnostic{files[i], "could not be parsed: " + consumer->first};
      } else {
        out.stats.bodies_skipped += parsed->skippedBodies();
        index.units[i].ast = std::move(parsed);
        index.units[i].errors = consumer->getNumErrors();
        if (consumer->getNumErrors()) {
          out.stats.files_with_errors++;
          parse_problems[i] = Diagnostic{files[i], std::to_string(consumer->getNumErrors()) +
                                                       " compile errors (scan went on), first: " + consumer->first};
        }
      }
      ++done;
      if (progress)
        std::fprintf(stderr, "regcompat extract qemu: [%zu/%zu] %s (%.1fs)\n", done.load(), files.size(),
                     files[i].c_str(), secs);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto &t : threads) t.join();
  out.stats.files_parsed = files.size();
  out.files = files;
  out.stats.parse_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  for (auto &p : parse_problems)
    if (p) out.diagnostics.push_back(std::move(*p));

  // Drop units that failed.
  std::vector<Unit> kept;
  std::vector<UnitFindings> kept_findings;
  for (std::size_t i = 0; i < index.units.size(); ++i) {
    if (!index.units[i].ast) continue;
    kept.push_back(std::move(index.units[i]));
    kept_findings.push_back(std::move(findings[i]));
  }
  index.units = std::move(kept);
  runMatchers(index, std::move(kept_findings), out.diagnostics);
  out.definitions = index.definitions;

  auto t2 = Clock::now();
  out.models = evaluateModels(index, options, cpu_properties, jobs, out.diagnostics);
  out.stats.evaluate_seconds = std::chrono::duration<double>(Clock::now() - t2).count();
  // Nothing reads the ASTs any more; they are freed while the caller goes on.
  UnitReaper::instance().release(std::move(index.units), jobs);

  cache.store(cache_key, inputs.take(), out, out.diagnostics);
  if (options.migrated_only) {  // after the store: the cache keeps every instance
    for (CpuModelSet &m : out.models) std::erase_if(m.registers, [](const CpuRegister &r) { return !r.migrated; });
  }
  return out;
}

}  // namespace regcompat::extract::qemu
