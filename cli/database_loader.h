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

// `path`, or $REGCOMPAT_DB when `path` is empty; throws when neither is set.
std::filesystem::path databasePath(const std::string &path);
std::shared_ptr<const db::Database> loadDatabaseOrThrow(const std::filesystem::path &dir);
// A lookup over `path`'s catalogue; over the fixed ABI names only when no
// database is named (neither `path` nor $REGCOMPAT_DB).
RegisterLookup makeLookup(const std::string &path);
db::CompatFile loadCompatFileOrThrow(const std::filesystem::path &file);
const db::RegisterSet &findSetOrThrow(const db::Database &database, const std::string &key);

} // namespace regcompat::cli
