// The extractors' shared helper layer (extractor/common): what every
// libTooling check needs and no check owns.
//
// A C integer constant expression's value, as clang folds it. The bits are
// the value's, sign-extended when its type is signed, so that the same
// expression gives the same 64 bits whichever type the caller reads it as:
// unsigned for register encodings, signed for loop bounds and comparisons.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/AST/Expr.h>

#include <concepts>
#include <cstdint>
#include <optional>

namespace regcompat::extractor::common {

template <typename T>
  requires std::same_as<T, std::uint64_t> || std::same_as<T, std::int64_t>
std::optional<T> evaluateInteger(const clang::Expr *e, const clang::ASTContext &ctx) {
  if (e == nullptr || e->containsErrors() || e->isValueDependent()) return std::nullopt;
  clang::Expr::EvalResult r;
  if (!e->EvaluateAsInt(r, ctx)) return std::nullopt;
  const llvm::APSInt &v = r.Val.getInt();
  const std::uint64_t bits = v.isSigned() ? static_cast<std::uint64_t>(v.getExtValue()) : v.getZExtValue();
  return static_cast<T>(bits);
}

} // namespace regcompat::extractor::common
