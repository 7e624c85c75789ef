// Validating and saving a database in its one canonical form.
//
// Canonical form (database/SCHEMA.md): keys in a fixed order, releases one
// file each, sets sorted by key, registers by index, indexes as 0x%016x and
// values as 0x%x in lower case. Loading a canonical directory and saving it
// again reproduces every file byte for byte.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/db/database.h"
#include "regcompat/db/diagnostic.h"
#include "regcompat/db/loader.h"

namespace regcompat::db {

// Checks everything the loader would check, on a database built in memory:
// vocabularies and text rules, duplicate releases, sets and registers, sets
// whose release is not declared, registers that do not belong to their set's
// architecture, names that contradict the catalogue. Diagnostics name the
// relative file the offending item would be written to (no line numbers).
std::vector<Diagnostic> validate(const Database &db);

// One file of the directory form, with its path relative to the directory.
struct RenderedFile {
  std::filesystem::path relative_path;  // "releases/qemu/10.0.13.yaml"
  std::string text;
};

// Every file of the canonical directory form, in path order. The database
// must be valid (validate() returns nothing).
std::vector<RenderedFile> renderDatabase(const Database &db);

// The canonical text of single files (the file must be valid).
std::string renderHeaderFile(const Database &db);
std::string renderCatalogueFile(std::string_view architecture,
                                const std::vector<CatalogueEntry> &entries);
std::string renderReleaseFile(const ReleaseFile &file);

struct SaveReport {
  std::vector<std::filesystem::path> written;    // new or changed files
  std::vector<std::filesystem::path> unchanged;  // already byte-identical
  std::vector<std::filesystem::path> removed;    // stale release/catalogue files
};

// Validates, then writes every file atomically (temporary file in the same
// directory, fsync, rename) and only after all of them are in place removes
// the release and catalogue files the database no longer has. Refuses to
// write into an existing non-empty directory that is not a database. Nothing
// is written when validation fails.
Outcome<SaveReport> saveDatabase(const Database &db, const std::filesystem::path &dir);

// saveDatabase() for the whole directory at once: the result is written into
// a hidden sibling (a copy of the old directory, so files the database does
// not manage, like a README, stay), then exchanged with `dir` in one rename
// (renameat2 RENAME_EXCHANGE). A reader, or a run killed at any point, sees
// the old database or the new one, never a mix; a later call removes what a
// killed call left behind (hidden ".NAME.staging.*" siblings).
Outcome<SaveReport> replaceDatabase(const Database &db, const std::filesystem::path &dir);

} // namespace regcompat::db
