// Internal: the parsed translation units of one QEMU tree and what the
// matchers found in them. Clang types live here, not in the public header.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/AST/Decl.h>
#include <clang/AST/Expr.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "expander.h"
#include "parsed_unit.h"
#include "predicate.h"
#include "regcompat/extract/qemu.h"

namespace regcompat::extract::qemu {

struct Unit {
  std::string rel_path;  // relative to the source root
  std::unique_ptr<ParsedUnit> ast;
  unsigned errors = 0;
};

struct AstIndex {
  std::filesystem::path root;
  std::vector<Unit> units;
  // Definitions with a body / globals with an initializer, by name. Static
  // functions of the same name in several files: all are kept, lookups prefer
  // the caller's own unit.
  std::multimap<std::string, const clang::FunctionDecl *> functions;
  std::multimap<std::string, const clang::VarDecl *> globals;
  // Matcher results.
  std::vector<RegDefinition> definitions;
  std::map<std::string, std::string> guard_by_where;   // RegDefinition::where -> guard
  std::map<const clang::CallExpr *, std::string> define_call_guards;
  CpConstants constants;
  bool has_constants = false;

  const clang::FunctionDecl *function(const std::string &name, const clang::ASTContext *prefer) const;
  const clang::VarDecl *global(const std::string &name, const clang::ASTContext *prefer) const;
  std::string where(const clang::ASTContext &ctx, clang::SourceLocation loc) const;
};

// Matchers (scan.cc): fills definitions, guards and constants.
void runMatchers(AstIndex &index, std::vector<Diagnostic> &diagnostics);

// Interpreter (interp.cc): one register set per CPU model.
std::vector<CpuModelSet> evaluateModels(const AstIndex &index, const QemuExtractOptions &options,
                                        const std::map<std::string, std::uint64_t> &cpu_properties,
                                        std::vector<Diagnostic> &diagnostics);

}  // namespace regcompat::extract::qemu
