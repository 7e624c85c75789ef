// Loading the inputs every command shares, turning their diagnostics into
// CommandError (exit code 3) with every file:line:col message.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "register_lookup.h"
#include "regcompat/db/compat_file.h"
#include "regcompat/db/database.h"

namespace regcompat::cli {

// This program's own path (/proc/self/exe), "regcompat" when unknown.
std::filesystem::path selfPath();
// The shipped default database of an installed regcompat,
// <prefix>/share/regcompat/database/real beside <prefix>/bin/regcompat;
// empty when this regcompat is not installed with it.
std::filesystem::path installedDefaultDatabase();
// A database to read: `path`, else $REGCOMPAT_DB, else the installed
// default; throws when there is none.
std::filesystem::path databasePath(const std::string &path);
// A database to write into (extract): `path` or $REGCOMPAT_DB, never the
// installed default.
std::filesystem::path writableDatabasePath(const std::string &path);
std::shared_ptr<const db::Database> loadDatabaseOrThrow(const std::filesystem::path &dir);
// A lookup over the catalogue of databasePath(path); over the fixed ABI
// names only when there is no database at all.
RegisterLookup makeLookup(const std::string &path);
db::CompatFile loadCompatFileOrThrow(const std::filesystem::path &file);
const db::RegisterSet &findSetOrThrow(const db::Database &database, const std::string &key);

} // namespace regcompat::cli
