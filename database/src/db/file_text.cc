#include "regcompat/db/file_text.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <array>

namespace regcompat::db {

std::optional<std::string> readWholeFile(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  std::array<char, 65536> chunk{};
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  return text;
}

std::optional<std::string> readFileText(const std::filesystem::path &path, FileDiagnostics &out) {
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    out.error("cannot read: " + error.message());
    return std::nullopt;
  }
  if (size > kMaxFileBytes) {
    out.error("file is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB");
    return std::nullopt;
  }
  errno = 0;
  std::optional<std::string> text = readWholeFile(path);
  if (!text) {
    out.error(std::string("cannot read: ") + (errno != 0 ? std::strerror(errno) : "I/O error"));
  }
  return text;
}

} // namespace regcompat::db
