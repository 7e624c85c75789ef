#include "regcompat/db/yaml_writer.h"

#include <array>
#include <cstdio>

namespace regcompat::db::yaml {
namespace {

bool isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Words that some YAML reader resolves to a boolean or null (YAML 1.1 has the
// longest list); written plain they would not read back as strings.
bool isReservedWord(std::string_view text) {
  static constexpr std::array<std::string_view, 11> kWords = {
      "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""};
  std::string lower;
  for (char c : text) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  for (std::string_view word : kWords) {
    if (lower == word) return true;
  }
  return false;
}

// Plain scalars may hold letters, digits, spaces and a few punctuation marks
// that are no YAML indicator in block or flow context. A ':' is safe unless
// followed by a space or at the end; a space is safe unless leading,
// trailing, doubled or before '#'.
bool canBePlain(std::string_view text) {
  if (text.empty() || isReservedWord(text)) return false;
  char first = text.front();
  if (!isAsciiLetter(first) && first != '_' && first != '/') return false;
  if (text.back() == ' ' || text.back() == ':') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (isAsciiLetter(c) || isAsciiDigit(c)) continue;
    switch (c) {
      case '_': case '.': case '/': case '+': case '-': case '(': case ')': case '\'':
        continue;
      case ':':
        if (text[i + 1] == ' ') return false;
        continue;
      case ' ':
        if (text[i + 1] == ' ') return false;
        continue;
      default:
        return false;
    }
  }
  return true;
}

} // namespace

std::string doubleQuoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
          std::array<char, 8> escape{};
          std::snprintf(escape.data(), escape.size(), "\\x%02x", byte);
          out += escape.data();
        } else {
          out += c;
        }
      }
    }
  }
  out += '"';
  return out;
}

std::string scalar(std::string_view text) {
  return canBePlain(text) ? std::string(text) : doubleQuoted(text);
}


FlowMap &FlowMap::add(std::string_view key, std::string rendered_value) {
  text_ += text_.empty() ? "{" : ", ";
  text_ += key;
  text_ += ": ";
  text_ += rendered_value;
  return *this;
}

std::string FlowMap::str() const { return text_.empty() ? "{}" : text_ + "}"; }

std::string flowList(const std::vector<std::string> &rendered_items) {
  std::string text = "[";
  for (std::size_t i = 0; i < rendered_items.size(); ++i) {
    if (i != 0) text += ", ";
    text += rendered_items[i];
  }
  return text + "]";
}

} // namespace regcompat::db::yaml
