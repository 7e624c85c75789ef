// arm64 KVM_GET_REG_LIST extraction; see arm64_regs.h. One AST matcher and
// one callback per concern, clang-tidy-check style.
#include "regcompat/linux/arm64_regs.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/Expr.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/AST/Stmt.h>
#include <clang/ASTMatchers/ASTMatchFinder.h>
#include <clang/ASTMatchers/ASTMatchers.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>

#include "regcompat/db/vocabulary.h"
#include "regcompat/linux/linux_sets.h"
#include "regcompat/extractor/common/integer_eval.h"
#include "regcompat/register_id.h"

namespace regcompat::kernel {
namespace {

using namespace clang::ast_matchers;  // NOLINT: matcher DSL

// sys_reg(op0, op1, crn, crm, op2) in arch/arm64/include/asm/sysreg.h.
std::uint32_t sysRegEncoding(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
  return (op0 << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5);
}

std::optional<std::uint64_t> evalInt(const clang::Expr *e, const clang::ASTContext &ctx) {
  return extractor::common::evaluateInteger<std::uint64_t>(e, ctx);
}

// The function an initializer names (`.visibility = pmu_visibility`), empty
// for NULL / 0 / absent.
std::string functionName(const clang::Expr *e) {
  if (e == nullptr) return {};
  e = e->IgnoreParenImpCasts();
  if (const auto *u = llvm::dyn_cast<clang::UnaryOperator>(e); u && u->getOpcode() == clang::UO_AddrOf)
    e = u->getSubExpr()->IgnoreParenImpCasts();
  if (const auto *ref = llvm::dyn_cast<clang::DeclRefExpr>(e))
    if (const auto *fn = llvm::dyn_cast<clang::FunctionDecl>(ref->getDecl())) return fn->getNameAsString();
  return {};
}

const clang::InitListExpr *semanticInit(const clang::Expr *e) {
  if (e == nullptr) return nullptr;
  const auto *list = llvm::dyn_cast<clang::InitListExpr>(e->IgnoreParenImpCasts());
  if (list == nullptr) return nullptr;
  if (list->isSemanticForm()) return list;
  return list->getSemanticForm() != nullptr ? list->getSemanticForm() : list;
}

// The init of field `name` in a struct's semantic InitListExpr.
const clang::Expr *fieldInit(const clang::InitListExpr *list, llvm::StringRef name) {
  const clang::RecordDecl *rd = list->getType()->getAsRecordDecl();
  if (rd == nullptr) return nullptr;
  unsigned i = 0;
  for (const clang::FieldDecl *f : rd->fields()) {
    if (f->getName() == name) return i < list->getNumInits() ? list->getInit(i) : nullptr;
    ++i;
  }
  return nullptr;
}

// "SYS_DBGBVRn_EL1(3)" -> "DBGBVR3_EL1"; "SYS_MIDR_EL1" -> "MIDR_EL1".
std::string registerName(std::string raw) {
  if (raw.rfind("SYS_", 0) == 0) raw = raw.substr(4);
  const std::size_t open = raw.find('(');
  if (open != std::string::npos && raw.back() == ')') {
    std::string arg = raw.substr(open + 1, raw.size() - open - 2);
    arg.erase(std::remove(arg.begin(), arg.end(), ' '), arg.end());
    std::string base = raw.substr(0, open);
    const std::size_t n = base.rfind('n');
    if (n != std::string::npos && !arg.empty() && std::all_of(arg.begin(), arg.end(), ::isdigit))
      return base.substr(0, n) + arg + base.substr(n + 1);
    return {};
  }
  return raw;
}


// --- feature tests ---------------------------------------------------------
// Functions and macros whose call means "the VM has feature X" (kvm_host.h,
// kvm_emulate.h, kvm_nested.h of 6.1..7.x).
const std::map<std::string, std::string> &featureTests() {
  static const std::map<std::string, std::string> m = {
      {"vcpu_has_sve", "sve"},       {"kvm_vcpu_has_pmu", "pmu"},     {"vcpu_has_ptrauth", "pauth"},
      {"vcpu_has_nv", "el2"},        {"kvm_has_mte", "mte"},          {"kvm_has_tcr2", "tcrx"},
      {"kvm_has_s1pie", "s1pie"},    {"kvm_has_s1poe", "s1poe"},      {"kvm_has_fpmr", "fp8"},
      {"kvm_has_sctlr2", "sctlr2"},  {"kvm_has_gcs", "gcs"},          {"kvm_has_sme", "sme"},
      {"vcpu_has_sme", "sme"},       {"kvm_has_pauth", "pauth"},
  };
  return m;
}

// kvm_has_feat(kvm, ID_REG, FIELD, VALUE): field -> feature name.
std::string featFromArgs(const std::vector<std::string> &spelled) {
  // 7.x defines kvm_has_feat(kvm, ...): split the variadic argument.
  std::vector<std::string> args;
  for (const std::string &a : spelled) {
    std::size_t start = 0;
    while (start <= a.size()) {
      std::size_t comma = a.find(',', start);
      if (comma == std::string::npos) comma = a.size();
      std::string part = a.substr(start, comma - start);
      part.erase(0, part.find_first_not_of(' '));
      part.erase(part.find_last_not_of(' ') + 1);
      args.push_back(part);
      start = comma + 1;
    }
  }
  if (args.size() < 3) return {};
  const std::string &reg = args[1];
  const std::string &field = args[2];
  static const std::map<std::string, std::string> known = {
      {"ID_AA64MMFR3_EL1.TCRX", "tcrx"},   {"ID_AA64MMFR3_EL1.S1PIE", "s1pie"},
      {"ID_AA64MMFR3_EL1.S1POE", "s1poe"}, {"ID_AA64PFR1_EL1.SME", "sme"},
      {"ID_AA64PFR0_EL1.SVE", "sve"},      {"ID_AA64MMFR3_EL1.SCTLRX", "sctlr2"},
      {"ID_AA64PFR1_EL1.GCS", "gcs"},      {"ID_AA64PFR2_EL1.FPMR", "fp8"},
  };
  auto it = known.find(reg + "." + field);
  if (it != known.end()) return it->second;
  std::string out = "feat:" + reg + "." + field;
  if (args.size() >= 4) out += "=" + args[3];
  out.erase(std::remove(out.begin(), out.end(), ' '), out.end());
  return out;
}

// The names the brief of this project fixes for the common visibility
// functions; used to cross-check the analysis and as a fallback for
// functions whose body is not understood.
const std::map<std::string, std::set<std::string>> &visibilityNameTable() {
  static const std::map<std::string, std::set<std::string>> m = {
      {"pmu_visibility", {"pmu"}},     {"sve_visibility", {"sve"}},     {"ptrauth_visibility", {"pauth"}},
      {"el2_visibility", {"el2"}},     {"tcr2_visibility", {"tcrx"}},   {"s1pie_visibility", {"s1pie"}},
      {"mte_visibility", {"mte"}},     {"s1poe_visibility", {"s1poe"}}, {"sme_visibility", {"sme"}},
      {"fp8_visibility", {"fp8"}},     {"sctlr2_visibility", {"sctlr2"}},
  };
  return m;
}

// --- the sys_reg_desc tables ------------------------------------------------
struct RawDesc {
  unsigned op0 = 0, op1 = 0, crn = 0, crm = 0, op2 = 0;
  bool has_reg = false;
  bool has_get_user = false;
  std::string visibility;
  std::string name;
  std::string where;
};

class SysRegTableCallback : public MatchFinder::MatchCallback {
 public:
  explicit SysRegTableCallback(const std::filesystem::path &root) : root_(root) {}
  std::map<std::string, std::vector<RawDesc>> tables;
  std::vector<std::string> problems;

  void run(const MatchFinder::MatchResult &result) override {
    const auto *var = result.Nodes.getNodeAs<clang::VarDecl>("table");
    if (var == nullptr || !var->hasInit()) return;
    const clang::ASTContext &ctx = *result.Context;
    const clang::InitListExpr *array = semanticInit(var->getInit());
    if (array == nullptr) return;
    auto &out = tables[var->getNameAsString()];
    out.clear();
    for (unsigned i = 0; i < array->getNumInits(); ++i) {
      const clang::InitListExpr *e = semanticInit(array->getInit(i));
      const std::string where = whereOf(*result.SourceManager, array->getInit(i)->getBeginLoc(), root_);
      if (e == nullptr || e->containsErrors()) {
        problems.push_back(var->getNameAsString() + "[" + std::to_string(i) + "] at " + where + " has errors");
        continue;
      }
      RawDesc d;
      d.where = where;
      unsigned *fields[] = {&d.op0, &d.op1, &d.crn, &d.crm, &d.op2};
      const char *names[] = {"Op0", "Op1", "CRn", "CRm", "Op2"};
      bool ok = true;
      for (int k = 0; k < 5; ++k) {
        auto v = evalInt(fieldInit(e, names[k]), ctx);
        if (!v) ok = false;
        else *fields[k] = static_cast<unsigned>(*v);
      }
      if (!ok) {
        problems.push_back(var->getNameAsString() + "[" + std::to_string(i) + "] at " + where +
                           ": encoding not constant");
        continue;
      }
      auto reg = evalInt(fieldInit(e, "reg"), ctx);
      d.has_reg = reg && *reg != 0;
      // arm64's asm/uaccess.h has "#define get_user __get_user", which
      // renames the field where sys_regs.h declares it.
      const clang::Expr *get_user = fieldInit(e, "get_user");
      if (get_user == nullptr) get_user = fieldInit(e, "__get_user");
      d.has_get_user = !functionName(get_user).empty();
      d.visibility = functionName(fieldInit(e, "visibility"));
      if (const clang::Expr *n = fieldInit(e, "name")) {
        if (const auto *s = llvm::dyn_cast<clang::StringLiteral>(n->IgnoreParenImpCasts()))
          d.name = registerName(s->getString().str());
      }
      out.push_back(std::move(d));
    }
  }

 private:
  std::filesystem::path root_;
};

// --- visibility functions ---------------------------------------------------
class VisibilityCallback : public MatchFinder::MatchCallback {
 public:
  VisibilityCallback(const std::filesystem::path &root, const std::vector<MacroUse> &macros)
      : root_(root), macros_(macros) {}

  const std::map<std::string, std::vector<RawDesc>> *tables = nullptr;  // names used as .visibility
  std::map<std::string, VisibilityFunction> results;

  void run(const MatchFinder::MatchResult &result) override {
    const auto *fn = result.Nodes.getNodeAs<clang::FunctionDecl>("fn");
    if (fn == nullptr || !fn->hasBody()) return;
    functions_[fn->getNameAsString()] = fn;
    sm_ = result.SourceManager;
    ctx_ = result.Context;
  }

  void onEndOfTranslationUnit() override {
    std::set<std::string> wanted;
    if (tables != nullptr)
      for (const auto &[table, descs] : *tables)
        for (const RawDesc &d : descs)
          if (!d.visibility.empty()) wanted.insert(d.visibility);
    for (const std::string &name : wanted) {
      VisibilityFunction v;
      v.name = name;
      auto it = functions_.find(name);
      if (it == functions_.end()) {
        v.predicate.kind = Predicate::Kind::Unknown;
        v.predicate.function = name;
        results[name] = v;
        continue;
      }
      v.where = whereOf(*sm_, it->second->getBeginLoc(), root_);
      std::set<std::string> visiting;
      v.can_hide = canHide(it->second, visiting);
      visiting.clear();
      bool opaque = false;
      collectAtoms(it->second, v.atoms, visiting, opaque);
      v.predicate.function = name;
      if (!v.can_hide) {
        v.predicate.kind = Predicate::Kind::Always;
      } else if (alwaysHides(it->second)) {
        v.predicate.kind = Predicate::Kind::Never;
      } else if (!v.atoms.empty()) {
        v.predicate.kind = Predicate::Kind::Features;
        v.predicate.features = v.atoms;
      } else if (auto t = visibilityNameTable().find(name); t != visibilityNameTable().end()) {
        v.predicate.kind = Predicate::Kind::Features;
        v.predicate.features = t->second;
      } else {
        v.predicate.kind = Predicate::Kind::Unknown;
      }
      results[name] = v;
    }
    functions_.clear();
  }

 private:
  // Whether some return path yields REG_HIDDEN (bit 0: arch/arm64/kvm/
  // sys_regs.h "#define REG_HIDDEN (1 << 0)").
  bool exprCanHide(const clang::Expr *e, std::set<std::string> &visiting) {
    if (e == nullptr) return false;
    e = e->IgnoreParenImpCasts();
    if (auto v = evalInt(e, *ctx_)) return (*v & 1u) != 0;
    if (const auto *c = llvm::dyn_cast<clang::ConditionalOperator>(e))
      return exprCanHide(c->getTrueExpr(), visiting) || exprCanHide(c->getFalseExpr(), visiting);
    if (const auto *c = llvm::dyn_cast<clang::BinaryConditionalOperator>(e))
      return exprCanHide(c->getCommon(), visiting) || exprCanHide(c->getFalseExpr(), visiting);
    if (const auto *b = llvm::dyn_cast<clang::BinaryOperator>(e); b && b->getOpcode() == clang::BO_Or)
      return exprCanHide(b->getLHS(), visiting) || exprCanHide(b->getRHS(), visiting);
    if (const auto *call = llvm::dyn_cast<clang::CallExpr>(e)) {
      if (const clang::FunctionDecl *callee = call->getDirectCallee()) {
        auto it = functions_.find(callee->getNameAsString());
        if (it != functions_.end()) {
          bool any = canHide(it->second, visiting);
          // Visibility functions passed as arguments (__el2_visibility(vcpu,
          // rd, sve_visibility)) decide too.
          for (const clang::Expr *arg : call->arguments()) {
            auto a = functions_.find(functionName(arg));
            if (a != functions_.end()) any = any || canHide(a->second, visiting);
          }
          return any;
        }
      }
      return true;  // a call through a pointer: assume it may hide
    }
    return true;  // not understood: may hide
  }

  bool canHide(const clang::FunctionDecl *fn, std::set<std::string> &visiting) {
    const std::string name = fn->getNameAsString();
    if (auto memo = can_hide_.find(name); memo != can_hide_.end()) return memo->second;
    if (!visiting.insert(name).second) return false;
    bool any = false;
    forEachReturn(fn->getBody(), [&](const clang::ReturnStmt *r) { any = any || exprCanHide(r->getRetValue(), visiting); });
    can_hide_[name] = any;
    return any;
  }

  bool alwaysHides(const clang::FunctionDecl *fn) {
    bool all = true, some = false;
    forEachReturn(fn->getBody(), [&](const clang::ReturnStmt *r) {
      some = true;
      auto v = evalInt(r->getRetValue(), *ctx_);
      if (!v || (*v & 1u) == 0) all = false;
    });
    return some && all;
  }

  static void forEachReturn(const clang::Stmt *s, const std::function<void(const clang::ReturnStmt *)> &f) {
    if (s == nullptr) return;
    if (const auto *r = llvm::dyn_cast<clang::ReturnStmt>(s)) f(r);
    for (const clang::Stmt *child : s->children()) forEachReturn(child, f);
  }

  void collectAtoms(const clang::FunctionDecl *fn, std::set<std::string> &atoms, std::set<std::string> &visiting,
                    bool &opaque) {
    if (!visiting.insert(fn->getNameAsString()).second) return;
    const clang::Stmt *body = fn->getBody();
    // Macro feature tests inside the body.
    const unsigned begin = sm_->getFileOffset(sm_->getExpansionLoc(body->getBeginLoc()));
    const unsigned end = sm_->getFileOffset(sm_->getExpansionLoc(body->getEndLoc()));
    for (const MacroUse &m : macros_) {
      if (m.file_offset < begin || m.file_offset > end) continue;
      if (auto t = featureTests().find(m.name); t != featureTests().end()) atoms.insert(t->second);
      else if (m.name == "kvm_has_feat" || m.name == "kvm_has_feat_enum") {
        if (std::string f = featFromArgs(m.args); !f.empty()) atoms.insert(f);
      }
    }
    // Function calls and visibility functions referenced.
    std::function<void(const clang::Stmt *)> walk = [&](const clang::Stmt *s) {
      if (s == nullptr) return;
      if (const auto *call = llvm::dyn_cast<clang::CallExpr>(s)) {
        if (const clang::FunctionDecl *callee = call->getDirectCallee()) {
          const std::string n = callee->getNameAsString();
          if (auto t = featureTests().find(n); t != featureTests().end()) atoms.insert(t->second);
          else if (auto it = functions_.find(n); it != functions_.end()) collectAtoms(it->second, atoms, visiting, opaque);
        }
      } else if (const auto *ref = llvm::dyn_cast<clang::DeclRefExpr>(s)) {
        if (auto it = functions_.find(functionName(ref)); it != functions_.end() && it->second != fn)
          collectAtoms(it->second, atoms, visiting, opaque);
      }
      for (const clang::Stmt *child : s->children()) walk(child);
    };
    walk(body);
  }

  std::filesystem::path root_;
  const std::vector<MacroUse> &macros_;
  std::map<std::string, const clang::FunctionDecl *> functions_;
  std::map<std::string, bool> can_hide_;
  const clang::SourceManager *sm_ = nullptr;
  const clang::ASTContext *ctx_ = nullptr;
};

// --- switch statements: core register sizes, timer ids, id remaps -----------
// Walks `case A: case B ... C: <stmt>` groups of a function's first switch,
// calling f(ranges, stmt) for each statement that follows case labels.
using CaseRanges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
void forEachCaseGroup(const clang::Stmt *body, const clang::ASTContext &ctx,
                      const std::function<void(const CaseRanges &, const clang::Stmt *)> &f) {
  const clang::SwitchStmt *sw = nullptr;
  std::function<void(const clang::Stmt *)> find = [&](const clang::Stmt *s) {
    if (s == nullptr || sw != nullptr) return;
    if ((sw = llvm::dyn_cast<clang::SwitchStmt>(s)) != nullptr) return;
    for (const clang::Stmt *c : s->children()) find(c);
  };
  find(body);
  if (sw == nullptr) return;
  const auto *compound = llvm::dyn_cast_or_null<clang::CompoundStmt>(sw->getBody());
  if (compound == nullptr) return;
  CaseRanges pending;
  for (const clang::Stmt *s : compound->body()) {
    while (const auto *cs = llvm::dyn_cast_or_null<clang::CaseStmt>(s)) {
      auto lo = evalInt(cs->getLHS(), ctx);
      auto hi = cs->caseStmtIsGNURange() ? evalInt(cs->getRHS(), ctx) : lo;
      if (lo && hi) pending.emplace_back(*lo, *hi);
      s = cs->getSubStmt();
    }
    if (llvm::isa_and_nonnull<clang::DefaultStmt>(s)) {
      pending.clear();
      continue;
    }
    if (s == nullptr || llvm::isa<clang::BreakStmt>(s)) continue;
    if (!pending.empty()) {
      f(pending, s);
      pending.clear();
    }
  }
}

class CoreRegCallback : public MatchFinder::MatchCallback {
 public:
  std::map<std::uint64_t, unsigned> sizes;  // word offset -> bytes
  std::string where, sve_where;
  const std::filesystem::path *root = nullptr;
  void run(const MatchFinder::MatchResult &result) override {
    if (const auto *sve = result.Nodes.getNodeAs<clang::FunctionDecl>("sve"); sve != nullptr && sve->hasBody())
      sve_where = whereOf(*result.SourceManager, sve->getBeginLoc(), *root);
    const auto *fn = result.Nodes.getNodeAs<clang::FunctionDecl>("core");
    if (fn == nullptr || !fn->hasBody()) return;
    where = whereOf(*result.SourceManager, fn->getBeginLoc(), *root);
    forEachCaseGroup(fn->getBody(), *result.Context, [&](const CaseRanges &ranges, const clang::Stmt *s) {
      // size = sizeof(T);
      const auto *assign = llvm::dyn_cast<clang::BinaryOperator>(s);
      if (assign == nullptr || assign->getOpcode() != clang::BO_Assign) return;
      auto size = evalInt(assign->getRHS(), *result.Context);
      if (!size) return;
      for (const auto &[lo, hi] : ranges)
        for (std::uint64_t off = lo; off <= hi && off - lo < 4096; ++off) sizes[off] = static_cast<unsigned>(*size);
    });
  }
};

class TimerRegCallback : public MatchFinder::MatchCallback {
 public:
  std::vector<std::uint64_t> ids;
  std::string where;
  const std::filesystem::path *root = nullptr;
  void run(const MatchFinder::MatchResult &result) override {
    if (const auto *fn = result.Nodes.getNodeAs<clang::FunctionDecl>("timer"); fn != nullptr && fn->hasBody()) {
      if (!ids.empty()) return;  // timer_reg_list[] (same ids, kernel order) wins
      where = whereOf(*result.SourceManager, fn->getBeginLoc(), *root);
      forEachCaseGroup(fn->getBody(), *result.Context, [&](const CaseRanges &ranges, const clang::Stmt *) {
        for (const auto &[lo, hi] : ranges) ids.push_back(lo), (void)hi;
      });
    }
    if (const auto *var = result.Nodes.getNodeAs<clang::VarDecl>("timer_list"); var != nullptr && var->hasInit()) {
      ids.clear();
      where = whereOf(*result.SourceManager, var->getBeginLoc(), *root);
      if (const clang::InitListExpr *list = semanticInit(var->getInit()))
        for (unsigned i = 0; i < list->getNumInits(); ++i)
          if (auto v = evalInt(list->getInit(i), *result.Context)) ids.push_back(*v);
    }
  }
};

// copy_reg_to_user(): `case SYS_CNTV_CVAL_EL0: idx = KVM_REG_ARM_TIMER_CVAL;`
class RemapCallback : public MatchFinder::MatchCallback {
 public:
  std::map<std::uint64_t, std::uint64_t> remap;  // encoding -> index
  void run(const MatchFinder::MatchResult &result) override {
    const auto *fn = result.Nodes.getNodeAs<clang::FunctionDecl>("remap");
    if (fn == nullptr || !fn->hasBody()) return;
    forEachCaseGroup(fn->getBody(), *result.Context, [&](const CaseRanges &ranges, const clang::Stmt *s) {
      const auto *assign = llvm::dyn_cast<clang::BinaryOperator>(s);
      if (assign == nullptr || assign->getOpcode() != clang::BO_Assign) return;
      if (auto v = evalInt(assign->getRHS(), *result.Context))
        for (const auto &[lo, hi] : ranges) remap[lo] = *v, (void)hi;
    });
  }
};

// A file-scope array of integers: kvm_arm_fw_reg_ids[], get-reg-list.c's
// base_regs[] and friends.
class U64ArrayCallback : public MatchFinder::MatchCallback {
 public:
  std::map<std::string, std::vector<std::uint64_t>> arrays;
  std::map<std::string, std::string> where;
  std::vector<std::string> problems;
  const std::filesystem::path *root = nullptr;
  void run(const MatchFinder::MatchResult &result) override {
    const auto *var = result.Nodes.getNodeAs<clang::VarDecl>("array");
    if (var == nullptr || !var->hasInit()) return;
    const clang::InitListExpr *list = semanticInit(var->getInit());
    if (list == nullptr) return;
    auto &out = arrays[var->getNameAsString()];
    out.clear();
    where[var->getNameAsString()] = whereOf(*result.SourceManager, var->getBeginLoc(), *root);
    for (unsigned i = 0; i < list->getNumInits(); ++i) {
      auto v = evalInt(list->getInit(i), *result.Context);
      if (!v) {
        problems.push_back(var->getNameAsString() + "[" + std::to_string(i) + "] is not constant");
        continue;
      }
      out.push_back(*v);
    }
  }
};

// get-reg-list.c feat_id_regs[]: the first field (.reg) of each element.
class FeatIdRegsCallback : public MatchFinder::MatchCallback {
 public:
  std::set<std::uint64_t> regs;
  void run(const MatchFinder::MatchResult &result) override {
    const auto *var = result.Nodes.getNodeAs<clang::VarDecl>("feat");
    if (var == nullptr || !var->hasInit()) return;
    const clang::InitListExpr *list = semanticInit(var->getInit());
    if (list == nullptr) return;
    for (unsigned i = 0; i < list->getNumInits(); ++i) {
      const clang::InitListExpr *e = semanticInit(list->getInit(i));
      if (e == nullptr) continue;
      if (auto v = evalInt(fieldInit(e, "reg"), *result.Context)) regs.insert(*v);
    }
  }
};

// num_demux_regs(): `for (i = 0; i < CSSELR_MAX; i++)`.
class DemuxCallback : public MatchFinder::MatchCallback {
 public:
  unsigned candidates = 0;
  void run(const MatchFinder::MatchResult &result) override {
    const auto *fn = result.Nodes.getNodeAs<clang::FunctionDecl>("demux");
    if (fn == nullptr || !fn->hasBody()) return;
    std::function<void(const clang::Stmt *)> walk = [&](const clang::Stmt *s) {
      if (s == nullptr || candidates != 0) return;
      if (const auto *loop = llvm::dyn_cast<clang::ForStmt>(s)) {
        if (const auto *cond = llvm::dyn_cast_or_null<clang::BinaryOperator>(loop->getCond()))
          if (auto v = evalInt(cond->getRHS(), *result.Context)) candidates = static_cast<unsigned>(*v);
      }
      for (const clang::Stmt *c : s->children()) walk(c);
    };
    walk(fn->getBody());
  }
};

std::uint64_t sysregIndex(const RawDesc &d) {
  return RegisterId::encode(Arm64SysregFields{d.op0, d.op1, d.crn, d.crm, d.op2})->index();
}

}  // namespace

bool Predicate::holds(const std::set<std::string> &vm) const {
  switch (kind) {
    case Kind::Always: return true;
    case Kind::Never: return false;
    case Kind::Unknown: return false;
    case Kind::Features:
      for (const auto &f : features) {
        if (!f.empty() && f[0] == '!') {
          if (vm.count(f.substr(1)) != 0) return false;
        } else if (vm.count(f) == 0) {
          return false;
        }
      }
      return true;
  }
  return false;
}

std::string Predicate::toString() const {
  switch (kind) {
    case Kind::Always: return "always";
    case Kind::Never: return "never";
    case Kind::Unknown: return "unknown:" + function;
    case Kind::Features: {
      std::string s;
      for (const auto &f : features) s += (s.empty() ? "" : "+") + f;
      return s;
    }
  }
  return "?";
}

std::vector<const Arm64Register *> Arm64Extraction::listFor(const std::set<std::string> &features) const {
  std::vector<const Arm64Register *> out;
  for (const Arm64Register &r : registers)
    if (r.predicate.holds(features)) out.push_back(&r);
  return out;
}

const std::vector<FeatureProfile> &arm64Profiles() {
  static const std::vector<FeatureProfile> p = {
      {"base", {}}, {"pmu", {"pmu"}}, {"sve", {"sve"}}, {"pauth", {"pauth"}},
      {"el2", {"el2"}}, {"tcrx+s1pie", {"tcrx", "s1pie"}},
  };
  return p;
}

Result<Arm64Extraction> extractArm64(const KernelTree &tree) {
  KernelParser parser(tree, KernelArch::Arm64);
  Arm64Extraction out;
  out.release = tree.release;
  const std::filesystem::path &root = tree.root;

  // guest.c: core register sizes and (up to 6.x) the timer ids.
  CoreRegCallback core;
  core.root = &root;
  TimerRegCallback timers;
  timers.root = &root;
  {
    MatchFinder finder;
    finder.addMatcher(functionDecl(hasName("core_reg_size_from_offset"), isDefinition()).bind("core"), &core);
    finder.addMatcher(functionDecl(hasName("copy_sve_reg_indices"), isDefinition()).bind("sve"), &core);
    finder.addMatcher(functionDecl(hasName("is_timer_reg"), isDefinition()).bind("timer"), &timers);
    finder.addMatcher(varDecl(hasName("timer_reg_list"), hasInitializer(expr())).bind("timer_list"), &timers);
    auto r = parser.parse("arch/arm64/kvm/guest.c", finder);
    if (!r) return fail(r.error());
    out.parses.push_back(*r);
  }
  if (core.sizes.empty())
    return fail("arch/arm64/kvm/guest.c: core_reg_size_from_offset() not found or not evaluated\n" +
                out.parses.back().describe());

  // hypercalls.c: the firmware pseudo-registers.
  U64ArrayCallback fw;
  fw.root = &root;
  {
    MatchFinder finder;
    finder.addMatcher(varDecl(hasName("kvm_arm_fw_reg_ids"), hasInitializer(expr())).bind("array"), &fw);
    auto r = parser.parse("arch/arm64/kvm/hypercalls.c", finder);
    if (!r) return fail(r.error());
    out.parses.push_back(*r);
  }
  if (fw.arrays["kvm_arm_fw_reg_ids"].empty())
    return fail("arch/arm64/kvm/hypercalls.c: kvm_arm_fw_reg_ids[] not found or not evaluated\n" +
                out.parses.back().describe());

  // sys_regs.c: the descriptor tables and their visibility functions.
  std::vector<MacroUse> macros;
  SysRegTableCallback tables(root);
  VisibilityCallback visibility(root, macros);
  visibility.tables = &tables.tables;
  RemapCallback remap;
  DemuxCallback demux;
  {
    MatchFinder finder;
    finder.addMatcher(varDecl(hasAnyName("sys_reg_descs", "invariant_sys_regs"), hasInitializer(expr()),
                              isExpansionInMainFile()).bind("table"), &tables);
    finder.addMatcher(functionDecl(isDefinition(), isExpansionInMainFile()).bind("fn"), &visibility);
    finder.addMatcher(functionDecl(hasName("copy_reg_to_user"), isDefinition()).bind("remap"), &remap);
    finder.addMatcher(functionDecl(hasName("num_demux_regs"), isDefinition()).bind("demux"), &demux);
    auto r = parser.parse("arch/arm64/kvm/sys_regs.c", finder, &macros);
    if (!r) return fail(r.error());
    out.parses.push_back(*r);
  }
  if (tables.tables["sys_reg_descs"].empty())
    return fail("arch/arm64/kvm/sys_regs.c: sys_reg_descs[] not found or not evaluated\n" + out.parses.back().describe());
  out.demux_candidates = demux.candidates;
  for (const auto &[name, v] : visibility.results) {
    out.visibility.push_back(v);
    if (v.predicate.kind == Predicate::Kind::Unknown) out.unknown_predicates.push_back(name);
  }

  // Assemble KVM_GET_REG_LIST in kernel order (guest.c kvm_arm_copy_reg_indices()).
  auto add = [&out](std::uint64_t index, std::string name, std::string part, std::string where, Predicate p) {
    if (name.empty()) {
      if (auto id = RegisterId::fromIndex(index)) name = wellKnownName(*id).value_or("");
    }
    out.registers.push_back(Arm64Register{index, std::move(name), std::move(part), std::move(where), std::move(p)});
  };
  const std::string guest = core.sve_where.empty() ? core.where : core.sve_where;
  // Core: every valid, aligned word offset; V registers not with SVE
  // (core_reg_size_from_offset(): IS_ALIGNED(off, size / 4), vcpu_has_sve()).
  for (const auto &[off, size] : core.sizes) {
    if (size != 4 && size != 8 && size != 16) continue;
    if (off % (size / 4) != 0) continue;
    const std::uint64_t sz = size == 4 ? 0x0020000000000000ULL : size == 8 ? 0x0030000000000000ULL : 0x0040000000000000ULL;
    Predicate p;
    if (size == 16) {
      p.kind = Predicate::Kind::Features;
      p.features = {"!sve"};
    }
    add(0x6000000000100000ULL | sz | off, "", "core", core.where, p);
  }
  // SVE (copy_sve_reg_indices(): VLS, then per slice Z0-31, P0-15, FFR).
  {
    Predicate p;
    p.kind = Predicate::Kind::Features;
    p.features = {"sve"};
    using K = Arm64SveFields::Kind;
    add(RegisterId::encode(Arm64SveFields{K::Vls, 0, 0})->index(), "", "sve", guest, p);
    for (unsigned n = 0; n < 32; ++n) add(RegisterId::encode(Arm64SveFields{K::Z, n, 0})->index(), "", "sve", guest, p);
    for (unsigned n = 0; n < 16; ++n) add(RegisterId::encode(Arm64SveFields{K::P, n, 0})->index(), "", "sve", guest, p);
    add(RegisterId::encode(Arm64SveFields{K::Ffr, 0, 0})->index(), "", "sve", guest, p);
  }
  for (std::uint64_t id : fw.arrays["kvm_arm_fw_reg_ids"]) add(id, "", "firmware", fw.where["kvm_arm_fw_reg_ids"], {});
  for (std::uint64_t id : timers.ids) add(id, "", "timer", timers.where, {});
  for (const RawDesc &d : tables.tables["invariant_sys_regs"]) add(sysregIndex(d), d.name, "invariant", d.where, {});
  std::map<std::string, Predicate> predicates;
  for (const auto &v : out.visibility) predicates[v.name] = v.predicate;
  out.sys_reg_descs = static_cast<unsigned>(tables.tables["sys_reg_descs"].size());
  for (const RawDesc &d : tables.tables["sys_reg_descs"]) {
    if (!d.has_reg && !d.has_get_user) continue;  // walk_one_sys_reg(): trapped, not saved
    Predicate p;
    if (!d.visibility.empty()) p = predicates[d.visibility];
    std::uint64_t index = sysregIndex(d);
    if (auto it = remap.remap.find(sysRegEncoding(d.op0, d.op1, d.crn, d.crm, d.op2)); it != remap.remap.end())
      index = it->second;
    if (p.kind == Predicate::Kind::Never) continue;
    add(index, d.name, "sysreg", d.where, p);
  }
  return out;
}

Result<SelftestLists> parseGetRegList(const KernelTree &tree) {
  SelftestLists out;
  for (const char *dir : {"arm64", "aarch64"}) {
    const std::string f = std::string("tools/testing/selftests/kvm/") + dir + "/get-reg-list.c";
    if (std::filesystem::exists(tree.root / f)) {
      out.file = f;
      break;
    }
  }
  if (out.file.empty()) return fail(tree.root.string() + ": no tools/testing/selftests/kvm/{arm64,aarch64}/get-reg-list.c");
  KernelParser parser(tree, KernelArch::Arm64);
  U64ArrayCallback arrays;
  arrays.root = &tree.root;
  FeatIdRegsCallback feat;
  MatchFinder finder;
  finder.addMatcher(varDecl(hasGlobalStorage(), isExpansionInMainFile(), hasInitializer(initListExpr()),
                            hasType(constantArrayType(hasElementType(isInteger())))).bind("array"), &arrays);
  finder.addMatcher(varDecl(hasName("feat_id_regs"), hasInitializer(expr())).bind("feat"), &feat);
  auto r = parser.parse(out.file, finder, nullptr, /*userspace=*/true);
  if (!r) return fail(r.error());
  out.parse = *r;
  out.arrays = std::move(arrays.arrays);
  out.feature_conditional = std::move(feat.regs);
  out.problems = std::move(arrays.problems);
  for (const std::string &p : out.problems)
    if (p.rfind("base_regs[", 0) == 0)
      return fail(out.file + ": " + p + " (cannot compare with an incomplete base list)\n" + out.parse.describe());
  if (out.arrays["base_regs"].empty())
    return fail(out.file + ": base_regs[] not found or not evaluated\n" + out.parse.describe());
  return out;
}

std::vector<db::RegisterSet> arm64RegisterSets(const Arm64Extraction &extraction) {
  std::vector<db::RegisterSet> sets;
  for (const FeatureProfile &profile : arm64Profiles()) {
    db::RegisterSet set;
    set.key = db::SetKey{"linux", extraction.release, "arm64", "kvm", profile.name};
    set.description = "KVM_GET_REG_LIST of a vCPU with " +
                      (profile.features.empty() ? std::string("no optional features") : "features " + profile.name) +
                      ", assembled from the kernel source (demux CCSIDR ids excluded)";
    for (const Arm64Register *r : extraction.listFor(profile.features)) {
      auto id = RegisterId::fromIndex(r->index);
      if (!id) continue;
      db::RegisterEntry e;
      e.id = *id;
      // A name the kernel fixes as ABI (timer ids: KVM_REG_ARM_TIMER_CTL)
      // wins over the descriptor's (CNTV_CTL_EL0 from 7.0, when the timers
      // became sys_reg_descs[] entries): one name per id across releases.
      if (auto abi = wellKnownName(*id)) e.name = *abi;
      else if (!db::checkRegisterName(r->name)) e.name = r->name;
      e.provenance = db::Provenance{db::Provenance::Kind::Source, r->where};
      if (db::checkProvenance(e.provenance)) e.provenance.where = r->where + ":1";
      set.insert(std::move(e));
    }
    sets.push_back(std::move(set));
  }
  return sets;
}

BaseComparison compareWithBase(const Arm64Extraction &extraction, const SelftestLists &selftest) {
  BaseComparison c;
  std::set<std::uint64_t> always, conditional;
  for (const Arm64Register &r : extraction.registers) {
    if (r.predicate.kind == Predicate::Kind::Always) always.insert(r.index);
    else conditional.insert(r.index);
  }
  std::set<std::uint64_t> base;
  auto it = selftest.arrays.find("base_regs");
  if (it != selftest.arrays.end()) base.insert(it->second.begin(), it->second.end());
  c.extracted_always = always.size();
  c.selftest_base = base.size();
  for (std::uint64_t id : always)
    if (base.count(id) == 0) c.only_extracted.push_back(id);
  for (std::uint64_t id : base) {
    if (always.count(id) != 0) continue;
    if (selftest.feature_conditional.count(id) != 0 && conditional.count(id) != 0) c.selftest_conditional.push_back(id);
    else c.only_selftest.push_back(id);
  }
  return c;
}

}  // namespace regcompat::kernel
