// x86 KVM MSR list extraction; see x86_msrs.h. One matcher and callback per
// concern (the MSR arrays, the functions of x86.c), then a small symbolic
// executor over kvm_init_msr_lists() once the AST is complete.
#include "regcompat/linux/x86_msrs.h"

#include "regcompat/extractor/common/integer_eval.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/Expr.h>
#include <clang/AST/Stmt.h>
#include <clang/ASTMatchers/ASTMatchFinder.h>
#include <clang/ASTMatchers/ASTMatchers.h>
#include <clang/Lex/Lexer.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

namespace regcompat::kernel {
namespace {

using namespace clang::ast_matchers;  // NOLINT: matcher DSL

// Loops over a range bigger than this are not MSR lists (the VMX range has 18).
constexpr std::int64_t kMaxRange = 4096;

std::optional<std::int64_t> evalConstant(const clang::Expr *e, const clang::ASTContext &ctx) {
  return extractor::common::evaluateInteger<std::int64_t>(e, ctx);
}

// The source text an expression was written as (macro invocations as
// spelled, not expanded), whitespace collapsed.
std::string spelled(const clang::Expr *e, const clang::ASTContext &ctx) {
  const clang::SourceManager &sm = ctx.getSourceManager();
  const clang::CharSourceRange range = sm.getExpansionRange(e->getSourceRange());
  const llvm::StringRef text = clang::Lexer::getSourceText(range, sm, ctx.getLangOpts());
  std::string out;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool isIdentifier(const std::string &s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// The register name of an array entry: the macro as spelled, or for the
// kernel's "MSR_ARCH_PERFMON_PERFCTR0 + 2" idiom the name with the counter
// number in place of the 0 (MSR_ARCH_PERFMON_PERFCTR2).
std::string entryName(const clang::Expr *e, const clang::ASTContext &ctx) {
  e = e->IgnoreParenImpCasts();
  const std::string text = spelled(e, ctx);
  if (isIdentifier(text)) return text;
  const auto *add = llvm::dyn_cast<clang::BinaryOperator>(e);
  if (add == nullptr || add->getOpcode() != clang::BO_Add) return {};
  const std::string base = spelled(add->getLHS()->IgnoreParenImpCasts(), ctx);
  const auto n = evalConstant(add->getRHS(), ctx);
  if (!isIdentifier(base) || !n || *n < 0 || *n > 9 || base.back() != '0') return {};
  return base.substr(0, base.size() - 1) + std::to_string(*n);
}

// --- concern 1: the integer arrays of x86.c ---------------------------------
struct ArrayEntry {
  std::uint32_t value = 0;
  std::string name, where;
  HostCondition config;  // the #ifdef CONFIG_* regions around the entry
};

// The configuration options an entry needs: emulated_msrs_all[]'s Hyper-V
// MSRs sit in `#ifdef CONFIG_KVM_HYPERV` (optional since 6.8). CONFIG_X86_64
// and CONFIG_64BIT hold for every x86_64 kernel and are left out.
HostCondition configCondition(unsigned offset, const std::vector<ConfigRegion> &regions) {
  HostCondition c;
  for (const ConfigRegion &r : regions) {
    if (offset < r.begin || offset > r.end || r.option == "CONFIG_X86_64" || r.option == "CONFIG_64BIT") continue;
    const HostCondition atom = HostCondition::atom(r.option);
    c = HostCondition::both(c, r.enabled ? atom : HostCondition::negate(atom));
  }
  return c;
}

class MsrArrayCallback : public MatchFinder::MatchCallback {
 public:
  MsrArrayCallback(const std::filesystem::path &root, const std::vector<ConfigRegion> &regions)
      : root_(root), regions_(regions) {}
  std::map<const clang::VarDecl *, std::vector<ArrayEntry>> arrays;
  std::vector<std::string> problems;

  void run(const MatchFinder::MatchResult &result) override {
    const auto *var = result.Nodes.getNodeAs<clang::VarDecl>("array");
    if (var == nullptr || !var->hasInit()) return;
    const auto *list = llvm::dyn_cast<clang::InitListExpr>(var->getInit()->IgnoreParenImpCasts());
    if (list == nullptr) return;
    std::vector<ArrayEntry> out;
    for (unsigned i = 0; i < list->getNumInits(); ++i) {
      const clang::Expr *e = list->getInit(i);
      ArrayEntry entry;
      entry.where = whereOf(*result.SourceManager, e->getBeginLoc(), root_);
      const auto v = evalConstant(e, *result.Context);
      if (!v || *v < 0 || *v > 0xffffffffLL) {
        problems.push_back(entry.where + ": " + var->getNameAsString() + "[" + std::to_string(i) +
                           "] is not a constant MSR number");
        continue;
      }
      entry.value = static_cast<std::uint32_t>(*v);
      entry.name = entryName(e, *result.Context);
      const clang::SourceManager &sm = *result.SourceManager;
      const clang::SourceLocation loc = sm.getExpansionLoc(e->getBeginLoc());
      if (sm.isInMainFile(loc)) entry.config = configCondition(sm.getFileOffset(loc), regions_);
      out.push_back(std::move(entry));
    }
    arrays[var->getCanonicalDecl()] = std::move(out);
  }

 private:
  std::filesystem::path root_;
  const std::vector<ConfigRegion> &regions_;
};

// --- the symbolic executor --------------------------------------------------
// The MSR an analysed statement talks about: the loop variable of a range
// loop or a function parameter (`var`), or `array[var]` in an array loop.
struct Subject {
  const clang::ValueDecl *var = nullptr;
  const clang::VarDecl *array = nullptr;
};

const clang::ValueDecl *referenced(const clang::Expr *e) {
  if (const auto *ref = llvm::dyn_cast_or_null<clang::DeclRefExpr>(e->IgnoreParenImpCasts()))
    return ref->getDecl();
  return nullptr;
}

// A store of the MSR into one of the kernel's lists, and when it happens.
struct Store {
  std::string list;
  HostCondition when;
};

// Symbolic execution of the statements that decide one MSR. `exited` is the
// condition under which control has already left the current function (or
// loop iteration); a store that follows happens under its negation.
class MsrExecutor {
 public:
  MsrExecutor(const clang::ASTContext &ctx, const std::map<std::string, const clang::FunctionDecl *> &functions,
              const std::filesystem::path &root, std::set<std::string> &followed, std::vector<std::string> &unknown)
      : ctx_(ctx), functions_(functions), root_(root), followed_(followed), unknown_(unknown) {}

  std::vector<Store> run(const clang::Stmt *body, Subject subject, std::int64_t value) {
    stores_.clear();
    Frame f{subject, value, HostCondition::constant(false)};
    exec(body, f);
    return stores_;
  }

 private:
  struct Frame {
    Subject subject;
    std::int64_t value = 0;
    HostCondition exited;
    bool stopped = false;  // left unconditionally (return, continue)
    bool broke = false;    // `break` out of the enclosing switch
    int depth = 0;         // calls followed (guards against recursion)
  };

  // The kernel lists a store may target (x86.c's static arrays).
  static bool isList(const std::string &name) {
    return name == "msrs_to_save" || name == "emulated_msrs" || name == "msr_based_features";
  }

  bool isSubject(const clang::Expr *e, const Subject &s) const {
    if (e == nullptr) return false;
    e = e->IgnoreParenCasts();
    if (s.array == nullptr) return referenced(e) == s.var;
    const auto *sub = llvm::dyn_cast<clang::ArraySubscriptExpr>(e);
    return sub != nullptr && referenced(sub->getIdx()) == s.var &&
           referenced(sub->getBase()) != nullptr && referenced(sub->getBase())->getCanonicalDecl() == s.array;
  }

  bool containsSubject(const clang::Stmt *s, const Subject &subject) const {
    if (s == nullptr) return false;
    if (const auto *e = llvm::dyn_cast<clang::Expr>(s); e != nullptr && isSubject(e, subject)) return true;
    for (const clang::Stmt *c : s->children())
      if (containsSubject(c, subject)) return true;
    return false;
  }

  // Integer value with the MSR substituted; nullopt when it depends on
  // anything else.
  std::optional<std::int64_t> valueOf(const clang::Expr *e, const Frame &f) const {
    e = e->IgnoreParenCasts();
    if (isSubject(e, f.subject)) return f.value;
    if (!containsSubject(e, f.subject)) return evalConstant(e, ctx_);
    const auto *b = llvm::dyn_cast<clang::BinaryOperator>(e);
    if (b == nullptr) return std::nullopt;
    const auto l = valueOf(b->getLHS(), f), r = valueOf(b->getRHS(), f);
    if (!l || !r) return std::nullopt;
    switch (b->getOpcode()) {
      case clang::BO_Add: return *l + *r;
      case clang::BO_Sub: return *l - *r;
      case clang::BO_Mul: return *l * *r;
      case clang::BO_And: return *l & *r;
      case clang::BO_Or: return *l | *r;
      default: return std::nullopt;
    }
  }

  // How an expression reads in a condition: the source as spelled, with the
  // MSR itself written "msr".
  std::string textOf(const clang::Expr *e, const Frame &f) const {
    e = e->IgnoreParenImpCasts();
    if (isSubject(e, f.subject)) return "msr";
    if (!containsSubject(e, f.subject)) return spelled(e, ctx_);
    if (const auto *b = llvm::dyn_cast<clang::BinaryOperator>(e))
      return textOf(b->getLHS(), f) + " " + b->getOpcodeStr().str() + " " + textOf(b->getRHS(), f);
    if (const auto *u = llvm::dyn_cast<clang::UnaryOperator>(e))
      return clang::UnaryOperator::getOpcodeStr(u->getOpcode()).str() + textOf(u->getSubExpr(), f);
    if (const auto *call = llvm::dyn_cast<clang::CallExpr>(e)) {
      std::string s = (call->getDirectCallee() != nullptr ? headName(call) : spelled(call->getCallee(), ctx_)) + "(";
      for (unsigned i = 0; i < call->getNumArgs(); ++i) s += (i ? ", " : "") + textOf(call->getArg(i), f);
      return s + ")";
    }
    return spelled(e, ctx_);
  }

  // The function or function-like macro an expression starts with, as
  // written: "rdmsr_safe" for the kernel's rdmsr_safe() macro (a statement
  // expression once expanded), "kvm_cpu_cap_has" for the inline function.
  std::string headName(const clang::Expr *e) const {
    e = e->IgnoreParenImpCasts();
    const clang::SourceManager &sm = ctx_.getSourceManager();
    if (e->getBeginLoc().isMacroID()) {
      const clang::SourceLocation loc = sm.getExpansionLoc(e->getBeginLoc());
      return clang::Lexer::getSourceText(clang::CharSourceRange::getTokenRange(loc), sm, ctx_.getLangOpts()).str();
    }
    if (const auto *call = llvm::dyn_cast<clang::CallExpr>(e)) {
      if (const clang::FunctionDecl *fn = call->getDirectCallee()) return fn->getNameAsString();
      return spelled(call->getCallee(), ctx_);
    }
    return {};
  }

  // Host tests with a fixed meaning get one atom across releases (see
  // host_condition.h); the value is the condition "the test says yes".
  std::optional<HostCondition> knownTest(const clang::Expr *e, const Frame &f) const {
    const std::string head = headName(e);
    if (head == "rdmsr_safe" && containsSubject(e, f.subject))  // 0, or -EIO when RDMSR faults
      return HostCondition::negate(HostCondition::atom("host_has_msr"));
    if (head == "kvm_get_feature_msr" || head == "kvm_get_msr_feature")  // 0 or an error
      return HostCondition::negate(HostCondition::atom("feature_msr_readable"));
    // kvm_x86_call(has_emulated_msr)(NULL, msr) (6.1: static_call(...)):
    // the vendor module's callback, reached through a macro-built callee.
    if (const auto *call = llvm::dyn_cast<clang::CallExpr>(e->IgnoreParenImpCasts());
        call != nullptr && call->getDirectCallee() == nullptr &&
        spelled(call->getCallee(), ctx_).find("has_emulated_msr") != std::string::npos)
      return HostCondition::atom("has_emulated_msr");
    if (const auto *call = llvm::dyn_cast<clang::CallExpr>(e->IgnoreParenImpCasts());
        call != nullptr && head == "kvm_cpu_cap_has" && call->getNumArgs() == 1)
      return HostCondition::atom(spelled(call->getArg(0)->IgnoreParenImpCasts(), ctx_));
    return std::nullopt;
  }

  HostCondition condition(const clang::Expr *e, const Frame &f) const {
    e = e->IgnoreParenImpCasts();
    if (e->containsErrors()) {  // a header did not parse: do not guess
      const std::string where = whereOf(ctx_.getSourceManager(), e->getBeginLoc(), root_);
      unknown_.push_back(where + ": condition has parse errors");
      return HostCondition::atom("unknown@" + where);
    }
    if (const auto *u = llvm::dyn_cast<clang::UnaryOperator>(e); u != nullptr && u->getOpcode() == clang::UO_LNot)
      return HostCondition::negate(condition(u->getSubExpr(), f));
    if (auto v = valueOf(e, f)) return HostCondition::constant(*v != 0);
    if (auto known = knownTest(e, f)) return *known;
    const auto *b = llvm::dyn_cast<clang::BinaryOperator>(e);
    if (b != nullptr && b->getOpcode() == clang::BO_LAnd)
      return HostCondition::both(condition(b->getLHS(), f), condition(b->getRHS(), f));
    if (b != nullptr && b->getOpcode() == clang::BO_LOr)
      return HostCondition::either(condition(b->getLHS(), f), condition(b->getRHS(), f));
    if (b != nullptr && b->isComparisonOp()) {
      // `rdmsr_safe(...) < 0` (6.1) says the same as `rdmsr_safe(...)`.
      for (const clang::Expr *side : {b->getLHS(), b->getRHS()})
        if (auto known = knownTest(side, f)) return *known;
      const auto l = valueOf(b->getLHS(), f), r = valueOf(b->getRHS(), f);
      const std::string op = b->getOpcodeStr().str();
      if (r) return HostCondition::comparison(textOf(b->getLHS(), f), op, std::to_string(*r));
      if (l) {
        static const std::map<std::string, std::string> mirrored = {
            {"<", ">"}, {">", "<"}, {"<=", ">="}, {">=", "<="}, {"==", "=="}, {"!=", "!="}};
        return HostCondition::comparison(textOf(b->getRHS(), f), mirrored.at(op), std::to_string(*l));
      }
    }
    return HostCondition::atom(textOf(e, f));
  }

  static bool isExit(const clang::Stmt *s) {
    if (const auto *c = llvm::dyn_cast_or_null<clang::CompoundStmt>(s); c != nullptr && c->size() == 1)
      s = c->body_front();
    return llvm::isa_and_nonnull<clang::ReturnStmt>(s) || llvm::isa_and_nonnull<clang::ContinueStmt>(s);
  }

  void noteUnknown(const clang::Stmt *s, const std::string &what) {
    unknown_.push_back(whereOf(ctx_.getSourceManager(), s->getBeginLoc(), root_) + ": " + what);
  }

  void exec(const clang::Stmt *s, Frame &f) {
    if (s == nullptr || f.stopped || f.broke) return;
    if (const auto *c = llvm::dyn_cast<clang::CompoundStmt>(s)) {
      for (const clang::Stmt *child : c->body()) {
        exec(child, f);
        if (f.stopped || f.broke) break;
      }
    } else if (const auto *i = llvm::dyn_cast<clang::IfStmt>(s)) {
      execIf(i, f);
    } else if (llvm::isa<clang::ReturnStmt>(s) || llvm::isa<clang::ContinueStmt>(s)) {
      f.exited = HostCondition::constant(true);
      f.stopped = true;
    } else if (llvm::isa<clang::BreakStmt>(s)) {
      f.broke = true;
    } else if (const auto *sw = llvm::dyn_cast<clang::SwitchStmt>(s)) {
      execSwitch(sw, f);
    } else if (const auto *a = llvm::dyn_cast<clang::AttributedStmt>(s)) {
      exec(a->getSubStmt(), f);  // `fallthrough;` is an attributed null statement
    } else if (const auto *e = llvm::dyn_cast<clang::Expr>(s)) {
      execExpr(e, f);
    } else if (!llvm::isa<clang::DeclStmt>(s) && !llvm::isa<clang::NullStmt>(s)) {
      noteUnknown(s, std::string("statement not followed: ") + s->getStmtClassName());
    }
  }

  void execIf(const clang::IfStmt *i, Frame &f) {
    const HostCondition c = condition(i->getCond(), f);
    if (i->getElse() == nullptr && isExit(i->getThen())) {
      f.exited = HostCondition::either(f.exited, c);
      return;
    }
    // A branch that does more than leave: run it under its condition. Exits
    // inside it leave under (c && exit) -- approximated by c when it exits.
    if (c.isFalse()) return exec(i->getElse(), f);
    if (c.isTrue()) return exec(i->getThen(), f);
    Frame then = f;
    then.exited = HostCondition::either(f.exited, HostCondition::negate(c));
    exec(i->getThen(), then);
    Frame other = f;
    other.exited = HostCondition::either(f.exited, c);
    exec(i->getElse(), other);
    if (then.stopped || other.stopped) noteUnknown(i, "exit inside a conditional block");
  }

  // Runs the switch from the case label the MSR matches (else `default`),
  // through fallthroughs, until `break`.
  void execSwitch(const clang::SwitchStmt *sw, Frame &f) {
    const auto v = valueOf(sw->getCond(), f);
    if (!v) return noteUnknown(sw, "switch on something other than the MSR");
    std::vector<const clang::Stmt *> items;  // labels and statements, in order
    std::function<void(const clang::Stmt *)> flatten = [&](const clang::Stmt *st) {
      items.push_back(st);
      if (const auto *sc = llvm::dyn_cast<clang::SwitchCase>(st)) flatten(sc->getSubStmt());
    };
    if (const auto *body = llvm::dyn_cast_or_null<clang::CompoundStmt>(sw->getBody()))
      for (const clang::Stmt *st : body->body()) flatten(st);
    std::optional<std::size_t> start, fallback;
    for (std::size_t k = 0; k < items.size() && !start; ++k) {
      if (const auto *cs = llvm::dyn_cast<clang::CaseStmt>(items[k])) {
        const auto lo = evalConstant(cs->getLHS(), ctx_);
        const auto hi = cs->caseStmtIsGNURange() ? evalConstant(cs->getRHS(), ctx_) : lo;
        if (!lo || !hi) noteUnknown(cs, "case label not constant");
        else if (*lo <= *v && *v <= *hi) start = k;
      } else if (llvm::isa<clang::DefaultStmt>(items[k])) {
        fallback = k;
      }
    }
    if (!start) start = fallback;
    if (!start) return;
    for (std::size_t k = *start; k < items.size() && !f.stopped && !f.broke; ++k)
      if (!llvm::isa<clang::SwitchCase>(items[k])) exec(items[k], f);
    f.broke = false;
  }

  void execExpr(const clang::Expr *e, Frame &f) {
    e = e->IgnoreParenImpCasts();
    // msrs_to_save[num_msrs_to_save++] = msr_index;
    if (const auto *assign = llvm::dyn_cast<clang::BinaryOperator>(e); assign != nullptr && assign->isAssignmentOp()) {
      const auto *dest = llvm::dyn_cast<clang::ArraySubscriptExpr>(assign->getLHS()->IgnoreParenImpCasts());
      const clang::ValueDecl *list = dest != nullptr ? referenced(dest->getBase()) : nullptr;
      if (list == nullptr || !isList(list->getNameAsString())) return;  // a local or a counter
      if (!isSubject(assign->getRHS(), f.subject)) return noteUnknown(e, "store of something other than the MSR");
      stores_.push_back({list->getNameAsString(), HostCondition::negate(f.exited)});
      return;
    }
    // kvm_probe_msr_to_save(msrs_to_save_base[i]): follow the call with the
    // parameter as the MSR.
    const auto *call = llvm::dyn_cast<clang::CallExpr>(e);
    if (call == nullptr || call->getDirectCallee() == nullptr || f.depth > 4) return;
    auto fn = functions_.find(call->getDirectCallee()->getNameAsString());
    if (fn == functions_.end()) return;
    for (unsigned k = 0; k < call->getNumArgs() && k < fn->second->getNumParams(); ++k) {
      if (!isSubject(call->getArg(k), f.subject)) continue;
      followed_.insert(fn->first);
      Frame callee{Subject{fn->second->getParamDecl(k), nullptr}, f.value, f.exited};
      callee.depth = f.depth + 1;
      exec(fn->second->getBody(), callee);
      return;
    }
  }

  const clang::ASTContext &ctx_;
  const std::map<std::string, const clang::FunctionDecl *> &functions_;
  const std::filesystem::path &root_;
  std::set<std::string> &followed_;
  std::vector<std::string> &unknown_;
  std::vector<Store> stores_;
};

// --- concern 2: kvm_init_msr_lists() and the functions it calls -------------
class MsrListCallback : public MatchFinder::MatchCallback {
 public:
  MsrListCallback(const std::filesystem::path &root, const MsrArrayCallback &arrays, X86MsrExtraction &out)
      : root_(root), arrays_(arrays), out_(out) {}

  void run(const MatchFinder::MatchResult &result) override {
    const auto *fn = result.Nodes.getNodeAs<clang::FunctionDecl>("fn");
    if (fn == nullptr || !fn->hasBody()) return;
    functions_[fn->getNameAsString()] = fn;
    ctx_ = result.Context;
  }

  // The AST is complete (and still alive) here.
  void onEndOfTranslationUnit() override {
    if (ctx_ == nullptr) return;
    for (const char *name : {"kvm_init_msr_lists", "kvm_init_msr_list"}) {
      auto it = functions_.find(name);
      if (it == functions_.end()) continue;
      out_.init_function = name;
      walk(it->second->getBody(), HostCondition::constant(true));
      break;
    }
    // KVM_GET_MSR_INDEX_LIST (kvm_arch_dev_ioctl()): msrs_to_save, then
    // emulated_msrs.
    for (const char *list : {"msrs_to_save", "emulated_msrs"})
      for (const X86Msr &m : index_lists_[list]) out_.index_list.push_back(m);
    out_.filter_functions.assign(followed_.begin(), followed_.end());
    functions_.clear();
    ctx_ = nullptr;
  }

 private:
  // Finds the loops of the init function, with the `if` conditions that
  // guard them (`if (enable_pmu)`).
  void walk(const clang::Stmt *s, const HostCondition &guard) {
    if (s == nullptr) return;
    if (const auto *i = llvm::dyn_cast<clang::IfStmt>(s)) {
      const HostCondition c = guardCondition(i->getCond());
      walk(i->getThen(), HostCondition::both(guard, c));
      walk(i->getElse(), HostCondition::both(guard, HostCondition::negate(c)));
      return;
    }
    if (const auto *loop = llvm::dyn_cast<clang::ForStmt>(s)) return analyzeLoop(loop, guard);
    for (const clang::Stmt *c : s->children()) walk(c, guard);
  }

  HostCondition guardCondition(const clang::Expr *e) const {
    e = e->IgnoreParenImpCasts();
    if (auto v = evalConstant(e, *ctx_)) return HostCondition::constant(*v != 0);
    if (const auto *u = llvm::dyn_cast<clang::UnaryOperator>(e); u != nullptr && u->getOpcode() == clang::UO_LNot)
      return HostCondition::negate(guardCondition(u->getSubExpr()));
    return HostCondition::atom(spelled(e, *ctx_));
  }

  // `for (i = A; i <= B; i++)` or `for (i = 0; i < ARRAY_SIZE(arr); i++)`
  // with arr[i] in the body.
  void analyzeLoop(const clang::ForStmt *loop, const HostCondition &guard) {
    const clang::ValueDecl *var = nullptr;
    const clang::Expr *first = nullptr;
    if (const auto *init = llvm::dyn_cast_or_null<clang::BinaryOperator>(loop->getInit());
        init != nullptr && init->getOpcode() == clang::BO_Assign) {
      var = referenced(init->getLHS());
      first = init->getRHS();
    } else if (const auto *decl = llvm::dyn_cast_or_null<clang::DeclStmt>(loop->getInit());
               decl != nullptr && decl->isSingleDecl()) {
      if (const auto *v = llvm::dyn_cast<clang::VarDecl>(decl->getSingleDecl())) {
        var = v;
        first = v->getInit();
      }
    }
    if (var == nullptr || first == nullptr) return;
    MsrExecutor exec(*ctx_, functions_, root_, followed_, out_.unknown);

    if (const clang::VarDecl *array = subscriptedArray(loop->getBody(), var)) {
      const auto &entries = arrays_.arrays.at(array);
      for (const ArrayEntry &entry : entries)
        record(exec.run(loop->getBody(), Subject{var, array}, entry.value), entry.value, entry.name,
               array->getNameAsString(), entry.where, HostCondition::both(entry.config, guard));
      return;
    }
    const auto *cond = llvm::dyn_cast_or_null<clang::BinaryOperator>(loop->getCond());
    if (cond == nullptr || referenced(cond->getLHS()) != var) return;
    const auto lo = evalConstant(first, *ctx_), hi = evalConstant(cond->getRHS(), *ctx_);
    if (!lo || !hi) return;
    const std::int64_t last = cond->getOpcode() == clang::BO_LE ? *hi : *hi - 1;
    if (cond->getOpcode() != clang::BO_LE && cond->getOpcode() != clang::BO_LT) return;
    if (last < *lo || last - *lo > kMaxRange) return;
    const std::string origin = spelled(first, *ctx_) + ".." + spelled(cond->getRHS(), *ctx_);
    const std::string where = whereOf(ctx_->getSourceManager(), loop->getBeginLoc(), root_);
    for (std::int64_t v = *lo; v <= last; ++v)
      record(exec.run(loop->getBody(), Subject{var, nullptr}, v), v, nameOf(static_cast<std::uint32_t>(v)), origin,
             where, guard);
  }

  // The file-scope MSR array the body indexes with the loop variable.
  const clang::VarDecl *subscriptedArray(const clang::Stmt *s, const clang::ValueDecl *var) const {
    if (s == nullptr) return nullptr;
    if (const auto *sub = llvm::dyn_cast<clang::ArraySubscriptExpr>(s); sub != nullptr && referenced(sub->getIdx()) == var)
      if (const auto *array = llvm::dyn_cast_or_null<clang::VarDecl>(referenced(sub->getBase())))
        if (arrays_.arrays.count(array->getCanonicalDecl()) != 0) return array->getCanonicalDecl();
    for (const clang::Stmt *c : s->children())
      if (const clang::VarDecl *found = subscriptedArray(c, var)) return found;
    return nullptr;
  }

  // A range loop's MSR takes the name some array entry gives it.
  std::string nameOf(std::uint32_t msr) const {
    for (const auto &[array, entries] : arrays_.arrays)
      for (const ArrayEntry &e : entries)
        if (e.value == msr && !e.name.empty()) return e.name;
    return {};
  }

  void record(const std::vector<Store> &stores, std::int64_t value, const std::string &name, const std::string &origin,
              const std::string &where, const HostCondition &guard) {
    for (const Store &s : stores) {
      X86Msr m;
      m.index = static_cast<std::uint32_t>(value);
      m.name = name;
      m.origin = origin;
      m.list = s.list;
      m.where = where;
      m.condition = HostCondition::both(guard, s.when);
      if (m.condition.isFalse()) continue;  // the kernel can never list it
      (s.list == "msr_based_features" ? out_.feature_list : index_lists_[s.list]).push_back(std::move(m));
    }
  }

  std::filesystem::path root_;
  const MsrArrayCallback &arrays_;
  X86MsrExtraction &out_;
  std::map<std::string, const clang::FunctionDecl *> functions_;
  std::map<std::string, std::vector<X86Msr>> index_lists_;
  std::set<std::string> followed_;
  const clang::ASTContext *ctx_ = nullptr;
};

}  // namespace

std::vector<const X86Msr *> X86MsrExtraction::listFor(
    const std::vector<X86Msr> &list, const std::function<std::optional<bool>(const std::string &)> &host,
    bool unknown_atoms) const {
  std::vector<const X86Msr *> out;
  for (const X86Msr &m : list)
    if (m.condition.evaluate(host).value_or(unknown_atoms)) out.push_back(&m);
  return out;
}

std::set<std::string> X86MsrExtraction::atoms() const {
  std::set<std::string> out;
  for (const auto *list : {&index_list, &feature_list})
    for (const X86Msr &m : *list) {
      auto a = m.condition.atoms();
      out.insert(a.begin(), a.end());
    }
  return out;
}

const std::vector<X86Profile> &x86Profiles() {
  static const std::vector<X86Profile> p = {
      {"msrs", false, {}},
      {"msrs-nopmu", false, {"enable_pmu"}},
      {"features", true, {}},
  };
  return p;
}

Result<X86MsrExtraction> extractX86Msrs(const KernelTree &tree) {
  const std::string file = "arch/x86/kvm/x86.c";
  KernelParser parser(tree, KernelArch::X86);
  X86MsrExtraction out;
  out.release = tree.release;
  std::vector<ConfigRegion> regions;
  MsrArrayCallback arrays(tree.root, regions);
  MsrListCallback lists(tree.root, arrays, out);
  MatchFinder finder;
  finder.addMatcher(varDecl(hasGlobalStorage(), isExpansionInMainFile(), hasInitializer(initListExpr()),
                            hasType(constantArrayType(hasElementType(isInteger())))).bind("array"), &arrays);
  finder.addMatcher(functionDecl(isDefinition(), isExpansionInMainFile()).bind("fn"), &lists);
  auto r = parser.parse(file, finder, nullptr, false, &regions);
  if (!r) return fail(r.error());
  out.parses.push_back(*r);
  if (out.init_function.empty())
    return fail(file + ": neither kvm_init_msr_lists() nor kvm_init_msr_list() found\n" + r->describe());
  if (out.index_list.empty())
    return fail(file + ": " + out.init_function + "() stores no MSR into msrs_to_save/emulated_msrs "
                "(did the parse fail?)\n" + r->describe());
  for (const std::string &p : arrays.problems) out.unknown.push_back(p);
  return out;
}

std::optional<bool> hostFeatureAtom(const std::string &atom, const std::set<std::string> &present,
                                    const std::set<std::string> &covered) {
  const std::string prefix = "X86_FEATURE_";
  if (atom.rfind(prefix, 0) != 0) return std::nullopt;
  std::string name = atom.substr(prefix.size());
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (covered.count(name) == 0) return std::nullopt;
  return present.count(name) != 0;
}

std::vector<X86LiveComparison> compareWithLive(const X86MsrExtraction &extraction,
                                               const std::set<std::uint32_t> &live_index,
                                               const std::set<std::uint32_t> &live_features,
                                               const std::function<std::optional<bool>(const std::string &)> &host) {
  std::vector<X86LiveComparison> out;
  auto compare = [&](const std::string &what, const std::vector<X86Msr> &list, const std::set<std::uint32_t> &live) {
    X86LiveComparison c;
    c.list = what;
    c.live = live.size();
    std::map<std::uint32_t, const X86Msr *> source;
    for (const X86Msr &m : list) source.emplace(m.index, &m);
    c.source_candidates = source.size();
    for (const auto &[index, m] : source) {
      if (live.count(index) != 0) {
        ++c.common;
        continue;
      }
      c.only_source.push_back({index, m->name, m->condition.toString(), m->condition.evaluate(host)});
    }
    for (std::uint32_t index : live)
      if (source.count(index) == 0) c.only_live.push_back({index, {}, {}, std::nullopt});
    out.push_back(std::move(c));
  };
  compare("index", extraction.index_list, live_index);
  compare("features", extraction.feature_list, live_features);
  return out;
}

}  // namespace regcompat::kernel
