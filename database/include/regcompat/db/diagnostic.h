// Diagnostics: what the loaders and savers report instead of throwing.
//
// Every problem found in a database, release, catalogue or compat file becomes
// one Diagnostic naming the file and the 1-based line and column, so that a
// command-line tool can print them all in the compiler-style form editors
// understand ("file:line:col: message"). Loaders collect every problem of a
// load (up to kMaxDiagnostics) rather than stopping at the first: a release
// engineer fixing a hand-edited file wants the whole list at once.
#pragma once

#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::db {

struct Diagnostic {
  std::string file;     // as the caller named it (directory argument joined with the relative path)
  unsigned line = 0;    // 1-based; 0 when the problem concerns the whole file
  unsigned column = 0;  // 1-based; 0 when unknown
  std::string message;

  // "file:line:col: message", or "file: message" without a position.
  std::string toString() const;
  bool operator==(const Diagnostic &) const = default;
};

// A broken input can produce thousands of follow-on errors; past this many the
// list ends with one diagnostic saying it was cut short.
inline constexpr std::size_t kMaxDiagnostics = 100;

// One diagnostic per line, each in Diagnostic::toString() form.
std::string formatDiagnostics(const std::vector<Diagnostic> &diagnostics);

// A value, or the non-empty list of diagnostics explaining why there is none.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  static Outcome failure(std::vector<Diagnostic> diagnostics) {
    assert(!diagnostics.empty());
    return Outcome(std::move(diagnostics));
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  const T &value() const & { assert(ok()); return *value_; }
  T &value() & { assert(ok()); return *value_; }
  T &&value() && { assert(ok()); return std::move(*value_); }
  const T &operator*() const & { return value(); }
  const T *operator->() const { return &value(); }

  const std::vector<Diagnostic> &diagnostics() const { return diagnostics_; }
  // All diagnostics, one per line (empty when ok()).
  std::string errorText() const { return formatDiagnostics(diagnostics_); }

  // For callers that only want one message (it may span several lines).
  Result<T> toResult() && {
    if (ok()) return std::move(*value_);
    return fail(errorText());
  }

 private:
  explicit Outcome(std::vector<Diagnostic> diagnostics)
      : diagnostics_(std::move(diagnostics)) {}

  std::optional<T> value_;
  std::vector<Diagnostic> diagnostics_;
};

// Result of an operation that has no value to return.
using Status = Result<std::monostate>;
inline Status success() { return std::monostate{}; }

} // namespace regcompat::db
