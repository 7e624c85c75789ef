// "Did you mean": for a mistyped set key, release, register name or
// subcommand, the known words closest to it, so that an error names what
// the user probably meant instead of nothing or everything.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace regcompat::db {

// Up to `at_most` candidates, compared case-insensitively: those that start
// with `wrong` (it was cut short: "qemu/10.0"), else those within a few
// edits of it (Damerau-Levenshtein, at most a third of its length, at
// least 2), closest first, then by name.
std::vector<std::string> closestMatches(std::string_view wrong, std::span<const std::string> candidates,
                                        std::size_t at_most = 3);

// "; did you mean A?" / "; did you mean A, B or C?", or "" when nothing is
// close.
std::string didYouMean(std::string_view wrong, std::span<const std::string> candidates, std::size_t at_most = 3);

} // namespace regcompat::db
