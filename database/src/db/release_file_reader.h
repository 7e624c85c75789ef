// Reading releases/<component>/<version>.yaml (internal).
#pragma once

#include <filesystem>
#include <optional>

#include "regcompat/db/diagnostic_sink.h"
#include "regcompat/db/catalogue.h"
#include "regcompat/db/loader.h"
#include "regcompat/db/yaml_document.h"

namespace regcompat::db {

// `path` must end in <component>/<version>.yaml and agree with the file's
// release block. With a catalogue, register names are checked against it.
// Returns nothing when the file had any error (all reported to `out`).
std::optional<ReleaseFile> readReleaseFile(const yaml::Node &root,
                                           const std::filesystem::path &path,
                                           const Catalogue *catalogue, FileDiagnostics &out);

} // namespace regcompat::db
