// Which function bodies of the parsed .c files the scan needs, decided before
// parsing so that Clang can skip the others (FrontendOptions::
// SkipFunctionBodies + ASTConsumer::shouldSkipFunctionBody).
//
// Why it is safe: the scan reads a body only when
//   * the interpreter executes it: everything reachable from the file-scope
//     references (type_init() registrations, TypeInfo / ARMCPUInfo tables:
//     instance init, class init, realize, ...) through the references in the
//     bodies it keeps, across every file (names, not symbols: a static
//     function of the same name elsewhere is kept too);
//   * the matchers read it: functions that mention ARMCPRegInfo or a
//     define_arm_cp_regs()-style call, and every function that refers to one
//     of those, transitively (the guards of a definition include its callers'
//     conditions).
// The ARMCPRegInfo accessor fields (.readfn, .writefn, .accessfn, .resetfn,
// ...) are not references: the scan never calls them (QEMU calls them at run
// time, which decides values, not which registers exist). Identifiers in the
// files' own #define lines count as references (a macro may call a function).
// A function whose name the lexical pass did not see defined (a definition
// made by a macro, e.g. HELPER(x)) is never skipped.
//
// The pass lexes with Clang's raw lexer (no preprocessing): tokens, never
// regular expressions over C.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace regcompat::extract::qemu {

class BodyNeeds {
 public:
  // `roots`: functions the scan looks up by name (arm_cpu_realizefn, ...).
  static BodyNeeds compute(const std::vector<std::filesystem::path> &files, const std::vector<std::string> &roots);

  // Whether the body of a function named `name`, defined in one of the
  // lexed files, can be skipped.
  bool canSkip(const std::string &name) const { return defined_.count(name) && !needed_.count(name); }

  // Whether a kept body or a file-scope declaration of the lexed files names
  // `name`, accessor fields included (for the header bodies: header_bodies.h).
  bool mentions(const std::string &name) const { return needed_.count(name) || accessors_.count(name); }
  // Whether `name` is one a #define of the lexed files pastes together
  // (isar_feature_##name): looked up by name, never named in a token.
  bool pasted(const std::string &name) const;

  std::size_t definedCount() const { return defined_.size(); }
  std::size_t neededCount() const { return needed_.size(); }

 private:
  std::set<std::string> defined_;
  std::set<std::string> needed_;
  std::set<std::string> accessors_;  // values of the accessor fields
  std::set<std::string> pasted_prefixes_, pasted_suffixes_;
};

}  // namespace regcompat::extract::qemu
