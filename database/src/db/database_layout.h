// Where things live in a database directory (internal; SCHEMA.md documents it).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace regcompat::db::layout {

inline constexpr std::string_view kHeaderFile = "regcompat-db.yaml";
inline constexpr std::string_view kCatalogueDir = "catalogue";
inline constexpr std::string_view kReleasesDir = "releases";
inline constexpr std::string_view kExtension = ".yaml";

inline std::filesystem::path catalogueFile(std::string_view arch) {
  return std::filesystem::path(kCatalogueDir) / (std::string(arch) + std::string(kExtension));
}

inline std::filesystem::path releaseFile(std::string_view component, std::string_view version) {
  return std::filesystem::path(kReleasesDir) / std::string(component) /
         (std::string(version) + std::string(kExtension));
}

// Hidden files (editor backups, interrupted atomic writes) are never part of
// a database.
inline bool isHidden(const std::filesystem::path &path) {
  std::string name = path.filename().string();
  return !name.empty() && name.front() == '.';
}

} // namespace regcompat::db::layout
