// A unified diff between two texts (for `regcompat check --suggest`): the
// patch `patch -p1` or `git apply` applies to bring `old_text` to `new_text`.
#pragma once

#include <string>
#include <string_view>

namespace regcompat::generator {

// Empty when the texts are equal. `old_path` empty: a new file (--- /dev/null).
// Paths are written as a/PATH and b/PATH.
std::string unifiedDiff(std::string_view old_text, std::string_view new_text,
                        const std::string &old_path, const std::string &new_path,
                        unsigned context = 3);

} // namespace regcompat::generator
