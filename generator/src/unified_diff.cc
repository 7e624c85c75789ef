#include "regcompat/generator/unified_diff.h"

#include <algorithm>
#include <vector>

namespace regcompat::generator {
namespace {

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size() - 1;
    lines.push_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  return lines;
}

struct Op {
  char kind;  // ' ', '-', '+'
  std::string_view line;
};

// Longest common subsequence, then the edit script; files here are small
// (compat files: one line per register).
std::vector<Op> editScript(const std::vector<std::string_view> &a, const std::vector<std::string_view> &b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<Op> ops;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ops.push_back({' ', a[i]});
      ++i;
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push_back({'-', a[i++]});
    } else {
      ops.push_back({'+', b[j++]});
    }
  }
  return ops;
}

std::string range(std::size_t start, std::size_t count) {
  // A hunk with no lines on one side names the line before it.
  if (count == 0) return std::to_string(start == 0 ? 0 : start - 1) + ",0";
  if (count == 1) return std::to_string(start);
  return std::to_string(start) + "," + std::to_string(count);
}

} // namespace

std::string unifiedDiff(std::string_view old_text, std::string_view new_text,
                        const std::string &old_path, const std::string &new_path, unsigned context) {
  if (old_text == new_text) return "";
  const auto a = splitLines(old_text), b = splitLines(new_text);
  const auto ops = editScript(a, b);
  std::string out = (old_path.empty() ? "--- /dev/null" : "--- a/" + old_path) + "\n+++ b/" + new_path + "\n";

  std::size_t k = 0;
  while (k < ops.size()) {
    // The next change, and the hunk around it (changes closer than twice
    // the context join one hunk).
    std::size_t first = k;
    while (first < ops.size() && ops[first].kind == ' ') ++first;
    if (first == ops.size()) break;
    std::size_t start = first >= context ? first - context : 0;
    start = std::max(start, k);
    std::size_t end = first;
    std::size_t quiet = 0;
    for (std::size_t x = first; x < ops.size(); ++x) {
      if (ops[x].kind == ' ') {
        if (++quiet > 2 * context) break;
      } else {
        quiet = 0;
        end = x;
      }
    }
    const std::size_t stop = std::min(ops.size(), end + 1 + context);
    // Line numbers (1-based) where the hunk starts on each side.
    std::size_t old_line = 1, new_line = 1;
    for (std::size_t x = 0; x < start; ++x) {
      if (ops[x].kind != '+') ++old_line;
      if (ops[x].kind != '-') ++new_line;
    }
    std::size_t old_count = 0, new_count = 0;
    std::string body;
    for (std::size_t x = start; x < stop; ++x) {
      if (ops[x].kind != '+') ++old_count;
      if (ops[x].kind != '-') ++new_count;
      body += ops[x].kind;
      body += ops[x].line;
      if (ops[x].line.empty() || ops[x].line.back() != '\n') body += "\n\\ No newline at end of file\n";
    }
    out += "@@ -" + range(old_line, old_count) + " +" + range(new_line, new_count) + " @@\n" + body;
    k = stop;
  }
  return out;
}

} // namespace regcompat::generator
