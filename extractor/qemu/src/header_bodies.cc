// HeaderBodies (see header_bodies.h): learning the header bodies a scan
// needs, and checking a unit that was parsed without the others.
#include "header_bodies.h"

#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/Basic/SourceManager.h>
#include <llvm/ADT/DenseSet.h>

#include <vector>

namespace regcompat::extract::qemu {

using namespace clang;

namespace {

// The functions a statement refers to (calls, function pointers).
class FunctionRefs : public RecursiveASTVisitor<FunctionRefs> {
 public:
  bool VisitDeclRefExpr(DeclRefExpr *e) {
    if (const auto *fd = dyn_cast<FunctionDecl>(e->getDecl())) found.push_back(fd);
    return true;
  }
  std::vector<const FunctionDecl *> of(const Stmt *s) {
    found.clear();
    TraverseStmt(const_cast<Stmt *>(s));
    return std::move(found);
  }

 private:
  std::vector<const FunctionDecl *> found;
};

bool inMainFile(const FunctionDecl *fd) {
  const SourceManager &sm = fd->getASTContext().getSourceManager();
  return sm.isInMainFile(sm.getExpansionLoc(fd->getLocation()));
}

}  // namespace

bool HeaderBodies::calledByName(llvm::StringRef name) const {
  for (const std::string &prefix : by_name_)
    if (name.startswith(prefix)) return true;
  return false;
}

template <typename OnFunction, typename OnInitializer>
void HeaderBodies::forEachStart(const ASTContext &ctx, OnFunction function, OnInitializer initializer) const {
  for (const Decl *d : ctx.getTranslationUnitDecl()->decls()) {
    if (const auto *fd = dyn_cast<FunctionDecl>(d)) {
      if (!fd->doesThisDeclarationHaveABody() || !fd->getIdentifier()) continue;
      const std::string name = fd->getName().str();
      if (calledByName(name) || needs_.pasted(name) || (inMainFile(fd) && needs_.mentions(name))) function(fd);
    } else if (const auto *vd = dyn_cast<VarDecl>(d); vd && vd->getInit()) {
      initializer(vd->getInit());
    }
  }
}

void HeaderBodies::learn(const ASTContext *ctx, const Preprocessor *pp) {
  std::map<std::string, std::set<std::string>> calls;
  std::set<std::string> starts;
  if (ctx && pp) {
    FunctionRefs refs;
    llvm::DenseSet<const IdentifierInfo *> functions;  // every function the unit declares
    auto start = [&](const Stmt *s) {
      for (const FunctionDecl *f : refs.of(s))
        if (f->getIdentifier()) starts.insert(f->getName().str());
    };
    for (const Decl *d : ctx->getTranslationUnitDecl()->decls()) {
      const auto *fd = dyn_cast<FunctionDecl>(d);
      if (!fd || !fd->getIdentifier()) continue;
      functions.insert(fd->getIdentifier());
      if (!fd->doesThisDeclarationHaveABody() || inMainFile(fd)) continue;
      std::set<std::string> &callees = calls[fd->getName().str()];
      for (const FunctionDecl *f : refs.of(fd->getBody()))
        if (f->getIdentifier()) callees.insert(f->getName().str());
    }
    forEachStart(
        *ctx,
        [&](const FunctionDecl *fd) {
          starts.insert(fd->getName().str());  // forEachStart passes named functions only
          start(fd->getBody());
        },
        start);
    // A macro's expansion may call a function in a unit this one did not see.
    for (const auto &macro : pp->macros()) {
      const MacroInfo *mi = pp->getMacroInfo(macro.first);
      if (!mi) continue;
      for (const Token &t : mi->tokens()) {
        const IdentifierInfo *id = t.getIdentifierInfo();
        if (id && functions.count(id)) starts.insert(id->getName().str());
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto &[name, callees] : calls) calls_[name].insert(callees.begin(), callees.end());
  starts_.insert(starts.begin(), starts.end());
  if (++learned_ == learners_) seal();
}

void HeaderBodies::seal() {
  std::vector<std::string> work;
  auto keep = [&](const std::string &name) {
    if (kept_.insert(name).second) work.push_back(name);
  };
  for (const auto &[name, callees] : calls_) {
    known_.insert(name);
    if (needs_.mentions(name) || needs_.pasted(name) || calledByName(name)) keep(name);
  }
  for (const std::string &name : starts_) keep(name);
  while (!work.empty()) {
    std::string name = std::move(work.back());
    work.pop_back();
    if (auto it = calls_.find(name); it != calls_.end())
      for (const std::string &callee : it->second) keep(callee);
  }
  sealed_ = true;
  sealed_cv_.notify_all();
}

void HeaderBodies::waitSealed() const {
  std::unique_lock<std::mutex> lock(mu_);
  sealed_cv_.wait(lock, [&] { return sealed_; });
}

std::set<std::string> HeaderBodies::missing(const ASTContext &ctx) const {
  std::set<std::string> out;
  FunctionRefs refs;
  llvm::DenseSet<const FunctionDecl *> seen;
  std::vector<const FunctionDecl *> work;
  auto reach = [&](const FunctionDecl *f) {
    const FunctionDecl *def = f->getDefinition();
    if (!def || !seen.insert(def).second) return;
    if (def->hasSkippedBody()) {
      if (!inMainFile(def) && def->getIdentifier()) out.insert(def->getName().str());
    } else if (def->getBody()) {
      work.push_back(def);
    }
  };
  forEachStart(ctx, reach, [&](const Stmt *init) {
    for (const FunctionDecl *f : refs.of(init)) reach(f);
  });
  while (!work.empty()) {
    const FunctionDecl *fd = work.back();
    work.pop_back();
    for (const FunctionDecl *f : refs.of(fd->getBody())) reach(f);
  }
  return out;
}

}  // namespace regcompat::extract::qemu
