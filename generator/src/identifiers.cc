#include "identifiers.h"

#include <cstdio>

namespace regcompat::generator {

std::string machineTypeIdentifier(std::string_view machine_type) {
  std::string out;
  for (char c : machine_type) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '_';
    out += word ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  return out;
}

std::string commentText(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      out += ' ';
    } else if (c == '/' && !out.empty() && out.back() == '*') {
      out += ' ';
      out += '/';
    } else if (c == '*' && !out.empty() && out.back() == '/') {
      out += ' ';
      out += '*';
    } else if (c == '?' && !out.empty() && out.back() == '?') {
      out += ' ';
      out += '?';
    } else {
      out += c;
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\\')) out.pop_back();
  return out;
}


} // namespace regcompat::generator
