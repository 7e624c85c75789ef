// A small ordered document tree (internal): the reports are built once as a
// tree and rendered as JSON (regcompat::JsonWriter) or YAML, so that both
// formats carry exactly the same content in the same order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace regcompat::generator::report {

class Value {
 public:
  enum class Kind { Null, String, Integer, Boolean, List, Map };

  Value() = default;
  static Value string(std::string s) { Value v(Kind::String); v.text_ = std::move(s); return v; }
  static Value integer(std::uint64_t n) { Value v(Kind::Integer); v.number_ = n; return v; }
  static Value boolean(bool b) { Value v(Kind::Boolean); v.number_ = b ? 1 : 0; return v; }
  static Value list() { return Value(Kind::List); }
  static Value map() { return Value(Kind::Map); }

  // Map: appends a key (keys keep insertion order).
  Value &set(std::string_view key, Value value);
  Value &set(std::string_view key, std::string s) { return set(key, string(std::move(s))); }
  Value &set(std::string_view key, const char *s) { return set(key, string(s)); }
  Value &set(std::string_view key, std::uint64_t n) { return set(key, integer(n)); }
  Value &set(std::string_view key, bool b) { return set(key, boolean(b)); }
  // List: appends an item; returns it.
  Value &push(Value value);

  Kind kind() const { return kind_; }
  const std::string &text() const { return text_; }
  std::uint64_t number() const { return number_; }
  const std::vector<Value> &items() const { return items_; }
  const std::vector<std::pair<std::string, Value>> &entries() const { return entries_; }

 private:
  explicit Value(Kind kind) : kind_(kind) {}
  Kind kind_ = Kind::Null;
  std::string text_;
  std::uint64_t number_ = 0;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> entries_;
};

std::string toJson(const Value &value);
// Block style, two-space indent, every string double-quoted (so that no
// YAML reader turns "10.0" or "no" into a number or a boolean).
std::string toYaml(const Value &value);

} // namespace regcompat::generator::report
