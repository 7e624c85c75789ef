#include "regcompat/db/release.h"

namespace regcompat::db {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::strong_ordering byteOrder(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? std::strong_ordering::less
               : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

// The digit run starting at `at`, without its leading zeros; `at` moves past it.
std::string_view digitRun(std::string_view text, std::size_t &at) {
  while (at < text.size() && text[at] == '0' && at + 1 < text.size() && isDigit(text[at + 1])) {
    ++at;
  }
  std::size_t begin = at;
  while (at < text.size() && isDigit(text[at])) ++at;
  return text.substr(begin, at - begin);
}

} // namespace

std::strong_ordering compareVersions(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (isDigit(a[i]) && isDigit(b[j])) {
      std::string_view x = digitRun(a, i), y = digitRun(b, j);
      if (x.size() != y.size()) return x.size() <=> y.size();
      if (auto order = byteOrder(x, y); order != 0) return order;
      continue;
    }
    if (a[i] != b[j]) {
      return static_cast<unsigned char>(a[i]) <=> static_cast<unsigned char>(b[j]);
    }
    ++i;
    ++j;
  }
  if (auto order = (a.size() - i) <=> (b.size() - j); order != 0) return order;
  return byteOrder(a, b);
}

std::strong_ordering compareReleases(const Release &a, const Release &b) {
  if (auto order = byteOrder(a.component, b.component); order != 0) return order;
  return compareVersions(a.version, b.version);
}

} // namespace regcompat::db
