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
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "expander.h"
#include "parsed_unit.h"
#include "predicate.h"
#include "regcompat/extract/qemu.h"

namespace regcompat::extract::qemu {

// The functions the interpreter looks up by name rather than by a
// reference in the code it runs: QOM's type registrations
// (do_qemu_init_<fn>, made by type_init()) and cpu_isar_feature()'s
// isar_feature_<name>.
inline constexpr const char *kTypeInitPrefix = "do_qemu_init_";
inline constexpr const char *kIsarFeaturePrefix = "isar_feature_";

struct Unit {
  std::string rel_path;  // relative to the source root
  std::unique_ptr<ParsedUnit> ast;
  unsigned errors = 0;
};

// The source-relative names ("target/arm/helper.c") of the files the parses
// report, each computed once: fs::relative() resolves symbolic links with
// system calls, and every ARMCPRegInfo the interpreter builds asks for its
// location, in every CPU model. Safe to use from several threads.
class RelativeNames {
 public:
  // `presumed`: the file name a PresumedLoc gives; `real`: the real path of
  // its file entry (empty if none); names outside `root` stay as given.
  const std::string &of(const std::filesystem::path &root, llvm::StringRef presumed, llvm::StringRef real);

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::string> names_;
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
  // Takes clang_mu.
  std::string where(const clang::ASTContext &ctx, clang::SourceLocation loc) const;

  mutable RelativeNames file_names;
  // Reading a parsed AST is safe from several threads except where Clang
  // fills a cache as it answers: SourceManager line tables and file lookups,
  // ASTContext type sizes and record layouts, the constant evaluator, field
  // indexes. The models are evaluated in parallel over the same ASTs; those
  // queries are made under this lock.
  mutable std::mutex clang_mu;
};

// Interpreter (interp.cc): one register set per CPU model, built by `jobs`
// threads.
std::vector<CpuModelSet> evaluateModels(const AstIndex &index, const QemuExtractOptions &options,
                                        const std::map<std::string, std::uint64_t> &cpu_properties,
                                        unsigned jobs, std::vector<Diagnostic> &diagnostics);

}  // namespace regcompat::extract::qemu
