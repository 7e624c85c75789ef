// Reading a whole file: the database loaders, and the commands and pipeline
// stages that read a file whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "regcompat/db/diagnostic_sink.h"
#include "regcompat/result.h"

namespace regcompat::db {

// Database files are a few hundred kilobytes; a huge file is a mistake (or
// an attack) and is refused before it is read into memory.
inline constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{64} << 20;

// The bytes of an input file, or why not: it must be a regular file (a
// FIFO would block, a device like /dev/zero never ends) of at most
// `max_bytes`; the error names the path.
Result<std::string> readInputFile(const std::filesystem::path &path, std::uintmax_t max_bytes = kMaxFileBytes);

// readInputFile()'s error without its leading "PATH: ", for a diagnostic
// that names the file already.
std::string withoutPath(const std::string &error, const std::filesystem::path &path);

// The file's bytes, or nothing when it cannot be opened or read
// (readInputFile() without the reason).
std::optional<std::string> readWholeFile(const std::filesystem::path &path);

// The file's bytes, or nothing (reported to `out`).
std::optional<std::string> readFileText(const std::filesystem::path &path, FileDiagnostics &out);

} // namespace regcompat::db
