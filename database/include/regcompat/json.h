// A small JSON value, parser and writer (standard library only): regvm's
// control socket and the release pipeline's client of it. The parser
// takes untrusted input from the socket: every error names the column
// ("column 17: expected ':' after an object key"), nesting is bounded, and
// nothing in the input can crash or hang it. Numbers are kept as int64 when
// they are integers that fit, else as double.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::json {

class Value;
using Array = std::vector<Value>;
// Keys in insertion order (QMP replies read better in a fixed order).
using Object = std::vector<std::pair<std::string, Value>>;

class Value {
 public:
  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int n) : v_(std::int64_t{n}) {}
  Value(std::int64_t n) : v_(n) {}
  Value(std::uint64_t n) : v_(static_cast<std::int64_t>(n)) {}
  Value(double d) : v_(d) {}
  Value(const char *s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
  Value(Object o) : v_(std::make_shared<Object>(std::move(o))) {}

  bool isNull() const { return v_.index() == 0; }
  bool isBool() const { return v_.index() == 1; }
  bool isInt() const { return v_.index() == 2; }
  bool isNumber() const { return v_.index() == 2 || v_.index() == 3; }
  bool isString() const { return v_.index() == 4; }
  bool isArray() const { return v_.index() == 5; }
  bool isObject() const { return v_.index() == 6; }

  bool asBool() const { return std::get<1>(v_); }
  std::int64_t asInt() const { return std::get<2>(v_); }
  double asDouble() const { return isInt() ? static_cast<double>(asInt()) : std::get<3>(v_); }
  const std::string &asString() const { return std::get<4>(v_); }
  const Array &asArray() const { return *std::get<5>(v_); }
  const Object &asObject() const { return *std::get<6>(v_); }

  // Member lookup; nullptr when this is not an object or has no such key.
  const Value *find(std::string_view key) const;

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v_;
};

struct ParseOptions {
  std::size_t max_depth = 64;
};

// Parses exactly one JSON value (surrounding whitespace allowed).
regcompat::Result<Value> parse(std::string_view text, const ParseOptions &options = {});

// Compact, one line, deterministic (object keys in their order).
std::string write(const Value &value);

// Appends `s` as a JSON string literal: quotes, backslash escapes, \u00XX for
// the other control characters (RFC 8259 section 7). JsonWriter uses it too.
void appendString(std::string &out, std::string_view s);

} // namespace regcompat::json
