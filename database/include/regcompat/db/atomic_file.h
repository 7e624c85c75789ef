// Whole-file replacement that never leaves a half-written file behind.
#pragma once

#include <filesystem>
#include <string>
#include <vector>
#include <string_view>

#include "regcompat/db/diagnostic.h"

namespace regcompat::db {

// Writes `contents` to a temporary file next to `path` (same directory, so the
// rename cannot cross file systems), fsyncs it, renames it over `path` and
// fsyncs the directory. Readers see the old file or the new one, never a mix;
// on any failure the temporary file is removed and `path` is untouched.
// A replaced file keeps its mode; a symbolic link stays a link (its target is
// replaced); a FIFO, device or socket is written into, never replaced (so
// `--json /dev/stdout` writes to standard output and /dev/full reports the
// error); a directory is refused.
Status writeFileAtomically(const std::filesystem::path &path, std::string_view contents);

// Several files, all or none: every regular file is first written to its
// temporary and synced; only when all of them are written are they renamed
// into place (then FIFOs and devices among the paths are written into). On a
// failure before the renames no path is touched.
struct FileToWrite {
  std::filesystem::path path;
  std::string contents;
};
Status writeFilesAtomically(const std::vector<FileToWrite> &files);

// Makes a directory's entries (renames, removals) durable.
Status syncDirectory(const std::filesystem::path &dir);

// Whether `filename` is one of writeFileAtomically()'s temporary names
// (loaders skip them: a crash may leave one behind).
bool isAtomicWriteTemporary(const std::filesystem::path &filename);

} // namespace regcompat::db
