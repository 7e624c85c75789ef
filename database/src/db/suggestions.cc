#include "regcompat/db/suggestions.h"

#include <algorithm>
#include <cctype>

namespace regcompat::db {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of two neighbours each cost 1.
std::size_t editDistance(const std::string &a, const std::string &b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

} // namespace

std::vector<std::string> closestMatches(std::string_view wrong, std::span<const std::string> candidates,
                                        std::size_t at_most) {
  const std::string w = lower(wrong);
  std::vector<std::string> out;
  if (w.empty()) return out;
  for (const std::string &c : candidates)
    if (lower(c).starts_with(w) && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  if (!out.empty()) {
    std::sort(out.begin(), out.end());
    if (out.size() > at_most) out.resize(at_most);
    return out;
  }
  const std::size_t limit = std::max<std::size_t>(2, w.size() / 3);
  std::vector<std::pair<std::size_t, std::string>> near;
  for (const std::string &c : candidates) {
    const std::string lc = lower(c);
    // Cheap bound first: the length difference is at least the distance.
    const std::size_t gap = lc.size() > w.size() ? lc.size() - w.size() : w.size() - lc.size();
    if (gap > limit) continue;
    if (const std::size_t dist = editDistance(w, lc); dist <= limit) near.emplace_back(dist, c);
  }
  std::sort(near.begin(), near.end());
  near.erase(std::unique(near.begin(), near.end()), near.end());
  for (const auto &[dist, c] : near) {
    if (out.size() == at_most) break;
    out.push_back(c);
  }
  return out;
}

std::string didYouMean(std::string_view wrong, std::span<const std::string> candidates, std::size_t at_most) {
  const std::vector<std::string> found = closestMatches(wrong, candidates, at_most);
  if (found.empty()) return {};
  std::string text = "; did you mean ";
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i > 0) text += i + 1 == found.size() ? " or " : ", ";
    text += found[i];
  }
  return text + "?";
}

} // namespace regcompat::db
