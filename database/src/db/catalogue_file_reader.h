// Reading catalogue/<arch>.yaml (internal).
#pragma once

#include <filesystem>
#include <optional>

#include "regcompat/db/diagnostic_sink.h"
#include "regcompat/db/catalogue.h"
#include "regcompat/db/yaml_document.h"

namespace regcompat::db {

// `path` must be named <arch>.yaml after the file's arch key. Returns nothing
// when the file had any error (all reported to `out`).
std::optional<Catalogue> readCatalogueFile(const yaml::Node &root,
                                           const std::filesystem::path &path,
                                           FileDiagnostics &out);

} // namespace regcompat::db
