// A minimal streaming JSON writer for machine-readable output (`--format
// json`, reports). Standard library only; output is deterministic: callers
// emit keys in a fixed order, and numbers are integers or hex strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/hex_format.h"
#include "regcompat/json.h"

namespace regcompat {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = true) : pretty_(pretty) {}

  JsonWriter &beginObject() { return open('{'); }
  JsonWriter &endObject() { return close('}'); }
  JsonWriter &beginArray() { return open('['); }
  JsonWriter &endArray() { return close(']'); }

  JsonWriter &key(std::string_view k) {
    separate();
    quote(k);
    out_ += pretty_ ? ": " : ":";
    pendingKey_ = true;
    return *this;
  }
  JsonWriter &value(std::string_view s) { separate(); quote(s); return *this; }
  JsonWriter &value(const char *s) { return value(std::string_view(s)); }
  JsonWriter &value(const std::string &s) { return value(std::string_view(s)); }
  JsonWriter &value(bool b) { separate(); out_ += b ? "true" : "false"; return *this; }
  JsonWriter &value(std::uint64_t n) { separate(); out_ += std::to_string(n); return *this; }
  JsonWriter &value(std::int64_t n) { separate(); out_ += std::to_string(n); return *this; }
  JsonWriter &value(unsigned n) { return value(std::uint64_t{n}); }
  JsonWriter &value(int n) { return value(std::int64_t{n}); }
  JsonWriter &null() { separate(); out_ += "null"; return *this; }

  template <typename T>
  JsonWriter &field(std::string_view k, const T &v) { key(k); return value(v); }

  // 64-bit values as "0x..." strings: JSON numbers lose precision past 2^53.
  static std::string hex(std::uint64_t v) { return hexIndex(v); }

  const std::string &str() const { return out_; }
  std::string take() { if (pretty_) out_ += '\n'; return std::move(out_); }

 private:
  JsonWriter &open(char c) {
    separate();
    out_ += c;
    first_.push_back(true);
    return *this;
  }
  JsonWriter &close(char c) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) newline();
    out_ += c;
    return *this;
  }
  void separate() {
    if (pendingKey_) {
      pendingKey_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    newline();
  }
  void newline() {
    if (!pretty_) return;
    out_ += '\n';
    out_.append(first_.size() * 2, ' ');
  }
  void quote(std::string_view s) { json::appendString(out_, s); }

  bool pretty_;
  bool pendingKey_ = false;
  std::vector<bool> first_;
  std::string out_;
};

} // namespace regcompat
