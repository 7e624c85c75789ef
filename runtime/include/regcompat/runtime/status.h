// Success or an error message, for operations that produce no value.
// regcompat::Result<T> (regcompat/result.h) needs a T; this is its void form.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

#include "regcompat/result.h"

namespace regcompat::runtime {

class [[nodiscard]] Status {
 public:
  Status() = default;                                  // success
  Status(Error error) : error_(std::move(error)) {}    // NOLINT: implicit by design

  static Status success() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const std::string &error() const { assert(!ok()); return error_->message; }

 private:
  std::optional<Error> error_;
};

} // namespace regcompat::runtime
