#include "regcompat/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace regcompat::json {

using regcompat::fail;
using regcompat::Result;

const Value *Value::find(std::string_view key) const {
  if (!isObject()) return nullptr;
  for (const auto &[k, v] : asObject())
    if (k == key) return &v;
  return nullptr;
}

namespace {

class Parser {
 public:
  Parser(std::string_view text, const ParseOptions &options) : s_(text), options_(options) {}

  Result<Value> run() {
    skipSpace();
    Value v = value(0);
    if (error_) return fail(*error_);
    skipSpace();
    if (pos_ != s_.size()) return fail(at(pos_) + "unexpected '" + printable(s_[pos_]) + "' after the JSON value");
    return v;
  }

 private:
  std::string at(std::size_t p) const { return "column " + std::to_string(p + 1) + ": "; }
  static std::string printable(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      return buf;
    }
    return std::string(1, c);
  }
  Value failAt(std::size_t p, const std::string &message) {
    if (!error_) error_ = at(p) + message;
    pos_ = s_.size();
    return {};
  }
  void skipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Value value(std::size_t depth) {
    if (pos_ >= s_.size()) return failAt(pos_, "unexpected end of input, expected a value");
    if (depth >= options_.max_depth) return failAt(pos_, "nesting deeper than " + std::to_string(options_.max_depth) + " levels");
    const char c = s_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      std::string str;
      if (!string(str)) return {};
      return Value(std::move(str));
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (literal("true")) return Value(true);
    if (literal("false")) return Value(false);
    if (literal("null")) return Value(nullptr);
    return failAt(pos_, "unexpected '" + printable(c) + "', expected a value");
  }

  Value object(std::size_t depth) {
    ++pos_;  // {
    Object members;
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Value(std::move(members));
    }
    for (;;) {
      skipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return failAt(pos_, "expected a string key in the object");
      std::string key;
      const std::size_t key_pos = pos_;
      if (!string(key)) return {};
      skipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return failAt(pos_, "expected ':' after an object key");
      ++pos_;
      skipSpace();
      // A repeated key is an error, as in QEMU's parser (qobject/json-parser.c):
      // which of the two a reader takes is otherwise anyone's guess.
      for (const auto &member : members)
        if (member.first == key)
          return failAt(key_pos, "duplicate key \"" + (key.size() > 64 ? key.substr(0, 64) + "..." : key) + "\"");
      Value v = value(depth + 1);
      if (error_) return {};
      members.emplace_back(std::move(key), std::move(v));
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return Value(std::move(members));
      }
      return failAt(pos_, "expected ',' or '}' in the object");
    }
  }

  Value array(std::size_t depth) {
    ++pos_;  // [
    Array items;
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Value(std::move(items));
    }
    for (;;) {
      skipSpace();
      Value v = value(depth + 1);
      if (error_) return {};
      items.push_back(std::move(v));
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return Value(std::move(items));
      }
      return failAt(pos_, "expected ',' or ']' in the array");
    }
  }

  bool hex4(unsigned &out) {
    if (s_.size() - pos_ < 4) {
      failAt(pos_, "truncated \\u escape");
      return false;
    }
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') out |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') out |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') out |= static_cast<unsigned>(c - 'A' + 10);
      else {
        failAt(pos_ - 1, "bad hex digit in \\u escape");
        return false;
      }
    }
    return true;
  }

  // The length of the well-formed UTF-8 sequence at the start of `s`
  // (Unicode table 3-7: no overlong forms, no surrogates, at most U+10FFFF),
  // or 0.
  static std::size_t utf8SequenceLength(std::string_view s) {
    auto byte = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
    const unsigned b0 = byte(0);
    auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) { return byte(i) >= lo && byte(i) <= hi; };
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (b0 == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (b0 == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (b0 >= 0xF1 && b0 <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (b0 == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
  }

  static void utf8(std::string &out, unsigned cp) {
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

  bool string(std::string &out) {
    const std::size_t start = pos_;
    ++pos_;  // "
    for (;;) {
      if (pos_ >= s_.size()) {
        failAt(start, "unterminated string");
        return false;
      }
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        failAt(pos_, "control character in a string");
        return false;
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        // JSON text is UTF-8 (RFC 8259 section 8.1): a malformed sequence
        // is refused here, so that no reply or report quotes it back.
        const std::size_t n = utf8SequenceLength(s_.substr(pos_));
        if (n == 0) {
          failAt(pos_, "invalid UTF-8 byte " + printable(c) + " in a string");
          return false;
        }
        out.append(s_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      if (++pos_ >= s_.size()) {
        failAt(pos_, "truncated escape");
        return false;
      }
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
        unsigned cp = 0;
        if (!hex4(cp)) return false;
        if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
          const std::size_t save = pos_;
          pos_ += 2;
          unsigned lo = 0;
          if (!hex4(lo)) return false;
          if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          else pos_ = save;
        }
        if (cp >= 0xD800 && cp < 0xE000) {
          failAt(pos_ - 6, "lone UTF-16 surrogate in a \\u escape (not a character)");
          return false;
        }
        utf8(out, cp);
        break;
      }
      default:
        failAt(pos_ - 1, "unknown escape '\\" + printable(e) + "'");
        return false;
      }
    }
  }

  Value number() {
    const std::size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const std::size_t d0 = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > d0;
    };
    const std::size_t first_digit = pos_;
    if (!digits()) return failAt(pos_, "expected digits in a number");
    // RFC 8259: no leading zeros ("01" is not a number).
    if (s_[first_digit] == '0' && pos_ - first_digit > 1) return failAt(first_digit, "leading zero in a number");
    bool integral = true;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      integral = false;
      if (!digits()) return failAt(pos_, "expected digits after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      integral = false;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return failAt(pos_, "expected digits in the exponent");
    }
    const std::string_view text = s_.substr(start, pos_ - start);
    if (integral) {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec == std::errc() && end == text.data() + text.size()) return Value(n);
    }
    // strtod needs a terminated copy; the text is short and checked above.
    const std::string copy(text);
    const double d = std::strtod(copy.c_str(), nullptr);
    if (!std::isfinite(d)) return failAt(start, "number out of range");
    return Value(d);
  }

  std::string_view s_;
  ParseOptions options_;
  std::size_t pos_ = 0;
  std::optional<std::string> error_;
};


void writeTo(std::string &out, const Value &v) {
  if (v.isNull()) out += "null";
  else if (v.isBool()) out += v.asBool() ? "true" : "false";
  else if (v.isInt()) out += std::to_string(v.asInt());
  else if (v.isNumber()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v.asDouble());
    out += buf;
  } else if (v.isString()) appendString(out, v.asString());
  else if (v.isArray()) {
    out += '[';
    bool first = true;
    for (const auto &item : v.asArray()) {
      if (!first) out += ", ";
      first = false;
      writeTo(out, item);
    }
    out += ']';
  } else {
    out += '{';
    bool first = true;
    for (const auto &[k, item] : v.asObject()) {
      if (!first) out += ", ";
      first = false;
      appendString(out, k);
      out += ": ";
      writeTo(out, item);
    }
    out += '}';
  }
}

} // namespace

Result<Value> parse(std::string_view text, const ParseOptions &options) {
  return Parser(text, options).run();
}

std::string write(const Value &value) {
  std::string out;
  writeTo(out, value);
  return out;
}

void appendString(std::string &out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += ch;
      }
    }
  }
  out += '"';
}

} // namespace regcompat::json
