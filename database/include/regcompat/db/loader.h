// Loading a database directory and its files (format: database/SCHEMA.md).
//
// Loaders never throw and never crash on any input: every problem (YAML
// syntax, unknown or missing keys, wrong types, bad indexes, duplicates,
// contradictions between files) becomes a Diagnostic with file:line:col, and
// a load collects all of them (up to kMaxDiagnostics) before failing.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "regcompat/db/catalogue.h"
#include "regcompat/db/database.h"
#include "regcompat/db/diagnostic.h"
#include "regcompat/db/register_set.h"
#include "regcompat/db/release.h"

namespace regcompat::db {

// The contents of one releases/<component>/<version>.yaml file.
struct ReleaseFile {
  Release release;
  std::vector<RegisterSet> sets;  // sorted by key, each set's registers by index

  bool operator==(const ReleaseFile &) const = default;
};

// Loads DIR/regcompat-db.yaml, DIR/catalogue/*.yaml and
// DIR/releases/<component>/*.yaml. Diagnostics name files as `dir / relative`.
Outcome<Database> loadDatabase(const std::filesystem::path &dir);

// Parses one release file held in memory. `virtual_path` names it in
// diagnostics and must end in <component>/<version>.yaml, which the file's
// release block must agree with. With a catalogue, register names are checked
// against it. Safe on arbitrary bytes (the fuzzer's entry point).
Outcome<ReleaseFile> loadReleaseFromString(std::string_view text,
                                           std::string_view virtual_path,
                                           const Catalogue *catalogue = nullptr);

// Parses one catalogue/<arch>.yaml file held in memory; `virtual_path` must
// end in <arch>.yaml.
Outcome<Catalogue> loadCatalogueFromString(std::string_view text,
                                           std::string_view virtual_path);

} // namespace regcompat::db
