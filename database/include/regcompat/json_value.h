// A small JSON reader (standard library only): regcompat reads JSON replies
// of the QMP-like control socket and the gate's own reports. Strict RFC 8259,
// bounded nesting, errors name the byte offset. Numbers keep their text and
// are read as integers or doubles on demand.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::json {

class Value {
 public:
  enum class Kind : std::uint8_t { Null, Bool, Number, String, Array, Object };

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isObject() const { return kind_ == Kind::Object; }

  // nullopt when the value is of another kind (or a number out of range).
  std::optional<bool> asBool() const;
  std::optional<std::string> asString() const;
  std::optional<std::int64_t> asInt() const;
  std::optional<double> asDouble() const;
  const std::vector<Value> *asArray() const;

  // Object member, or nullptr (also when this is not an object).
  const Value *get(std::string_view key) const;
  // Members in file order (duplicates: the last one wins in get()).
  const std::vector<std::pair<std::string, Value>> &members() const { return members_; }

  static Value makeNull() { return Value(); }

 private:
  friend class Parser;
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  std::string text_;  // String: the decoded text; Number: the literal
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

// The whole text must be one JSON value (surrounding whitespace allowed).
// Errors: "offset 17: expected ':' after an object key".
Result<Value> parse(std::string_view text);

} // namespace regcompat::json
