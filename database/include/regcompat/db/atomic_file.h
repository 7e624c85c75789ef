// Whole-file replacement that never leaves a half-written file behind.
#pragma once

#include <filesystem>
#include <string_view>

#include "regcompat/db/diagnostic.h"

namespace regcompat::db {

// Writes `contents` to a temporary file next to `path` (same directory, so the
// rename cannot cross file systems), fsyncs it, renames it over `path` and
// fsyncs the directory. Readers see the old file or the new one, never a mix;
// on any failure the temporary file is removed and `path` is untouched.
Status writeFileAtomically(const std::filesystem::path &path, std::string_view contents);

// Makes a directory's entries (renames, removals) durable.
Status syncDirectory(const std::filesystem::path &dir);

// Whether `filename` is one of writeFileAtomically()'s temporary names
// (loaders skip them: a crash may leave one behind).
bool isAtomicWriteTemporary(const std::filesystem::path &filename);

} // namespace regcompat::db
