// One parsed translation unit, kept alive for the matchers and the
// interpreter, and the ClangTool action that makes it.
//
// Why not ASTUnit (ClangTool::buildASTs): an ASTUnit is parsed by its own
// consumer, which cannot be told which function bodies to keep; this action
// installs one that skips the bodies BodyNeeds says the scan does not need
// (FrontendOptions::SkipFunctionBodies), and it runs inside ClangTool so the
// tool's virtual file system (the stub headers of no-build mode) applies.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/FrontendAction.h>
#include <clang/Tooling/Tooling.h>

#include <memory>
#include <set>
#include <string>

#include "body_needs.h"
#include "header_bodies.h"

namespace regcompat::extract::qemu {

class ParsedUnit {
 public:
  ParsedUnit(std::unique_ptr<clang::CompilerInstance> ci, std::unique_ptr<clang::FrontendAction> action)
      : ci_(std::move(ci)), action_(std::move(action)) {}
  ~ParsedUnit();
  ParsedUnit(const ParsedUnit &) = delete;
  ParsedUnit &operator=(const ParsedUnit &) = delete;

  clang::ASTContext &getASTContext() const { return ci_->getASTContext(); }
  clang::Preprocessor &getPreprocessor() const { return ci_->getPreprocessor(); }
  clang::SourceManager &getSourceManager() const { return ci_->getSourceManager(); }
  std::size_t skippedBodies() const;

 private:
  // The action is not ended (EndSourceFile would free the AST); it goes
  // before the instance that owns what it points into.
  std::unique_ptr<clang::CompilerInstance> ci_;
  std::unique_ptr<clang::FrontendAction> action_;
};

// Parses the one file a ClangTool runs it on; the result is taken with
// take(). `needs` null: every body is parsed. `headers` null: every header
// body is; else those it cannot skip and those named in `keep`.
class UnitParser : public clang::tooling::ToolAction {
 public:
  explicit UnitParser(const BodyNeeds *needs, const HeaderBodies *headers = nullptr,
                      const std::set<std::string> *keep = nullptr)
      : needs_(needs), headers_(headers), keep_(keep) {}
  bool runInvocation(std::shared_ptr<clang::CompilerInvocation> invocation, clang::FileManager *files,
                     std::shared_ptr<clang::PCHContainerOperations> pch,
                     clang::DiagnosticConsumer *diagnostics) override;
  std::unique_ptr<ParsedUnit> take() { return std::move(unit_); }

 private:
  const BodyNeeds *needs_;
  const HeaderBodies *headers_;
  const std::set<std::string> *keep_;
  std::unique_ptr<ParsedUnit> unit_;
};

}  // namespace regcompat::extract::qemu
