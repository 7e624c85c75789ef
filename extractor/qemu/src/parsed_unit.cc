#include "parsed_unit.h"

#include <clang/AST/ASTConsumer.h>
#include <clang/AST/Decl.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Frontend/FrontendActions.h>

namespace regcompat::extract::qemu {

using namespace clang;

namespace {

// Skips a main-file body when BodyNeeds says no part of the scan reads it,
// and a header body when HeaderBodies says so (and `keep` does not name it).
class KeepNeededBodies : public ASTConsumer {
 public:
  KeepNeededBodies(const BodyNeeds *needs, const HeaderBodies *headers, const std::set<std::string> *keep)
      : needs_(needs), headers_(headers), keep_(keep) {}
  bool shouldSkipFunctionBody(Decl *d) override {
    const auto *fd = dyn_cast<FunctionDecl>(d);
    if (!needs_ || !fd || !fd->getIdentifier()) return false;
    const SourceManager &sm = d->getASTContext().getSourceManager();
    bool skip = sm.isInMainFile(sm.getExpansionLoc(d->getLocation()))
                    ? needs_->canSkip(fd->getName().str())
                    : headers_ && headers_->canSkip(fd->getName()) && !(keep_ && keep_->count(fd->getName().str()));
    if (skip) ++skipped;
    return skip;
  }
  std::size_t skipped = 0;

 private:
  const BodyNeeds *needs_;
  const HeaderBodies *headers_;
  const std::set<std::string> *keep_;
};

class ParseAction : public ASTFrontendAction {
 public:
  ParseAction(const BodyNeeds *needs, const HeaderBodies *headers, const std::set<std::string> *keep)
      : needs_(needs), headers_(headers), keep_(keep) {}
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &, StringRef) override {
    auto c = std::make_unique<KeepNeededBodies>(needs_, headers_, keep_);
    consumer_ = c.get();
    return c;
  }
  std::size_t skipped() const { return consumer_ ? consumer_->skipped : 0; }

 private:
  const BodyNeeds *needs_;
  const HeaderBodies *headers_;
  const std::set<std::string> *keep_;
  KeepNeededBodies *consumer_ = nullptr;  // owned by the CompilerInstance
};

}  // namespace

ParsedUnit::~ParsedUnit() {
  // The diagnostics client belonged to the parse; nothing reports any more.
  if (ci_ && ci_->hasDiagnostics()) ci_->getDiagnostics().setClient(new IgnoringDiagConsumer(), true);
  action_.reset();
  ci_.reset();
}

std::size_t ParsedUnit::skippedBodies() const { return static_cast<const ParseAction &>(*action_).skipped(); }

bool UnitParser::runInvocation(std::shared_ptr<CompilerInvocation> invocation, FileManager *files,
                               std::shared_ptr<PCHContainerOperations> pch, DiagnosticConsumer *diagnostics) {
  // A file with several compile commands: the first one is the unit.
  if (unit_) return true;
  invocation->getFrontendOpts().SkipFunctionBodies = needs_ != nullptr;
  // Keep what the matchers read after the parse (the driver asks cc1 to
  // leak it at exit, which a library must not rely on).
  invocation->getFrontendOpts().DisableFree = false;
  auto ci = std::make_unique<CompilerInstance>(std::move(pch));
  ci->setInvocation(std::move(invocation));
  ci->createDiagnostics(diagnostics, /*ShouldOwnClient=*/false);
  if (!ci->hasDiagnostics()) return false;
  ci->setFileManager(files);
  ci->createSourceManager(*files);
  if (!ci->createTarget()) return false;
  auto action = std::make_unique<ParseAction>(needs_, headers_, keep_);
  if (ci->getFrontendOpts().Inputs.empty() || !action->BeginSourceFile(*ci, ci->getFrontendOpts().Inputs[0]))
    return false;
  if (llvm::Error err = action->Execute()) {
    llvm::consumeError(std::move(err));
    return false;
  }
  // The client outlives nothing of ours: from here on nothing reports.
  ci->getDiagnostics().setClient(new IgnoringDiagConsumer(), true);
  unit_ = std::make_unique<ParsedUnit>(std::move(ci), std::move(action));
  return true;
}

}  // namespace regcompat::extract::qemu
