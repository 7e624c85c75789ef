#include "regcompat/json_value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace regcompat::json {

std::optional<bool> Value::asBool() const {
  if (kind_ != Kind::Bool) return std::nullopt;
  return bool_;
}
std::optional<std::string> Value::asString() const {
  if (kind_ != Kind::String) return std::nullopt;
  return text_;
}
std::optional<std::int64_t> Value::asInt() const {
  if (kind_ != Kind::Number) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc() || end != text_.data() + text_.size()) return std::nullopt;
  return v;
}
std::optional<double> Value::asDouble() const {
  if (kind_ != Kind::Number) return std::nullopt;
  char *end = nullptr;
  const double v = std::strtod(text_.c_str(), &end);
  if (end != text_.c_str() + text_.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}
const std::vector<Value> *Value::asArray() const {
  return kind_ == Kind::Array ? &items_ : nullptr;
}
const Value *Value::get(std::string_view key) const {
  const Value *found = nullptr;
  for (const auto &[k, v] : members_)
    if (k == key) found = &v;
  return found;
}

// Recursive descent over the RFC 8259 grammar; depth-bounded so that a
// hostile "[[[[..." cannot exhaust the stack.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<Value> document() {
    Value v;
    skipSpace();
    if (!value(v, 0)) return fail(error_);
    skipSpace();
    if (pos_ != s_.size()) return fail(at("unexpected text after the JSON value"));
    return v;
  }

 private:
  static constexpr unsigned kMaxDepth = 64;

  std::string at(const std::string &message) const {
    return "offset " + std::to_string(pos_) + ": " + message;
  }
  bool bad(const std::string &message) {
    if (error_.empty()) error_ = at(message);
    return false;
  }
  void skipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return bad("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool value(Value &v, unsigned depth) {
    if (depth > kMaxDepth) return bad("nested deeper than 64 levels");
    if (pos_ >= s_.size()) return bad("unexpected end of input, a value was expected");
    switch (s_[pos_]) {
      case '{': return object(v, depth);
      case '[': return array(v, depth);
      case '"': v.kind_ = Value::Kind::String; return string(v.text_);
      case 't': v.kind_ = Value::Kind::Bool; v.bool_ = true; return literal("true");
      case 'f': v.kind_ = Value::Kind::Bool; return literal("false");
      case 'n': v.kind_ = Value::Kind::Null; return literal("null");
      default: return number(v);
    }
  }

  bool object(Value &v, unsigned depth) {
    v.kind_ = Value::Kind::Object;
    ++pos_;
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return true; }
    while (true) {
      skipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return bad("expected a string key");
      std::string key;
      if (!string(key)) return false;
      skipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return bad("expected ':' after an object key");
      ++pos_;
      skipSpace();
      Value member;
      if (!value(member, depth + 1)) return false;
      v.members_.emplace_back(std::move(key), std::move(member));
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return true; }
      return bad("expected ',' or '}' in an object");
    }
  }

  bool array(Value &v, unsigned depth) {
    v.kind_ = Value::Kind::Array;
    ++pos_;
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return true; }
    while (true) {
      skipSpace();
      Value item;
      if (!value(item, depth + 1)) return false;
      v.items_.push_back(std::move(item));
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return true; }
      return bad("expected ',' or ']' in an array");
    }
  }

  bool number(Value &v) {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') ++pos_;
    else if (!digits()) return bad("invalid value");
    if (pos_ < s_.size() && s_[pos_] == '.') { ++pos_; if (!digits()) return bad("digits expected after '.'"); }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return bad("digits expected in the exponent");
    }
    v.kind_ = Value::Kind::Number;
    v.text_ = std::string(s_.substr(start, pos_ - start));
    return true;
  }

  static void appendUtf8(std::string &out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool hex4(std::uint32_t &cp) {
    if (s_.size() - pos_ < 4) return bad("truncated \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      cp <<= 4;
      if (c >= '0' && c <= '9') cp |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') cp |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') cp |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return bad("invalid \\u escape");
    }
    return true;
  }

  bool string(std::string &out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) return bad("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return bad("control character in a string");
      if (c != '\\') { out += c; continue; }
      if (pos_ >= s_.size()) return bad("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair
            std::uint32_t low = 0;
            if (s_.substr(pos_, 2) != "\\u") return bad("unpaired surrogate");
            pos_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return bad("invalid surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return bad("unpaired surrogate");
          }
          appendUtf8(out, cp);
          break;
        }
        default: return bad("invalid escape in a string");
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

Result<Value> parse(std::string_view text) { return Parser(text).document(); }

} // namespace regcompat::json
