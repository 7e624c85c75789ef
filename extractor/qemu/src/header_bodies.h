// Which function bodies in a unit's headers the scan can leave unparsed.
//
// BodyNeeds decides for the .c files it lexes. The headers a unit includes
// hold far more bodies (static inline functions: about 1700 a unit in QEMU
// 10.2, a sixth of the parse), and the interpreter runs few of them. Which
// ones cannot be told by lexing the .c files: calls come through macros and
// from one header function to another. So they are learned from the first
// units, parsed whole, and every later unit is checked on its own AST after
// its parse; a unit whose check fails is parsed again with what it lacked.
//
// What the check asks (missing()): every function the interpreter may run
// in this unit has its body. It may run what is reachable, through the
// functions the AST refers to, from the initializers of the unit's
// variables and from the functions it may start from: the main-file
// functions BodyNeeds keeps for what they are (named by the .c files:
// BodyNeeds::mentions, or pasted together by their macros) and the functions
// the interpreter calls by name (`by_name` prefixes). A function defined in a
// header whose body was skipped and that is so reachable is missing.
// (Main-file bodies are BodyNeeds' decision and are not checked here.)
//
// What is kept in a later unit (canSkip() false): a function no learning
// unit defined in a header (nothing is known of it), and the closure, over
// the calls the learning units' header bodies make, of every function the
// .c files name, the learning units' macros name, their start functions and
// initializers refer to, or the interpreter calls by name.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/Lex/Preprocessor.h>
#include <llvm/ADT/StringSet.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "body_needs.h"

namespace regcompat::extract::qemu {

class HeaderBodies {
 public:
  HeaderBodies(const BodyNeeds &needs, std::vector<std::string> by_name, std::size_t learners)
      : needs_(needs), by_name_(std::move(by_name)), learners_(learners) {}

  // Learns from a unit parsed with every header body (null: its parse
  // failed). The last of the `learners` units seals what is known.
  void learn(const clang::ASTContext *ctx, const clang::Preprocessor *pp);
  // Blocks until the learning units are in.
  void waitSealed() const;
  // Whether a body of a header function named `name` can be skipped; only
  // after waitSealed().
  bool canSkip(llvm::StringRef name) const { return known_.count(name) && !kept_.count(name); }

  // The header functions `ctx` may run whose bodies it lacks, by name.
  std::set<std::string> missing(const clang::ASTContext &ctx) const;

 private:
  void seal();
  bool calledByName(llvm::StringRef name) const;
  // Where the interpreter may start in a unit: `function` for the functions
  // (main-file or header) it may call first, `initializer` for the
  // initializers of the unit's variables.
  template <typename OnFunction, typename OnInitializer>
  void forEachStart(const clang::ASTContext &ctx, OnFunction function, OnInitializer initializer) const;

  const BodyNeeds &needs_;
  const std::vector<std::string> by_name_;
  const std::size_t learners_;
  mutable std::mutex mu_;
  mutable std::condition_variable sealed_cv_;
  std::size_t learned_ = 0;
  bool sealed_ = false;
  // Learnt: header functions with a body, whom they call, and the names
  // their units start from (main-file bodies, initializers, macros).
  std::map<std::string, std::set<std::string>> calls_;
  std::set<std::string> starts_;
  // Sealed: read without the lock.
  llvm::StringSet<> known_, kept_;
};

}  // namespace regcompat::extract::qemu
