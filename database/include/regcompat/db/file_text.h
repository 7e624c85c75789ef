// Reading a whole file: the database loaders, and the commands and pipeline
// stages that read a file whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "regcompat/db/diagnostic_sink.h"

namespace regcompat::db {

// Database files are a few hundred kilobytes; a huge file is a mistake (or
// an attack) and is refused before it is read into memory.
inline constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{64} << 20;

// The file's bytes, or nothing when it cannot be opened or read.
std::optional<std::string> readWholeFile(const std::filesystem::path &path);

// The file's bytes, or nothing (reported to `out`).
std::optional<std::string> readFileText(const std::filesystem::path &path, FileDiagnostics &out);

} // namespace regcompat::db
