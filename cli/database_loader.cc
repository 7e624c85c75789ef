#include "database_loader.h"

#include "regcompat/db/suggestions.h"

#include <cstdlib>

#include "command.h"
#include "regcompat/db/loader.h"

namespace regcompat::cli {

std::filesystem::path selfPath() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("regcompat") : p;
}

std::filesystem::path installedDefaultDatabase() {
  const std::filesystem::path dir = selfPath().parent_path() / "../share/regcompat/database/real";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(dir / "regcompat-db.yaml", ec)) return {};
  return dir.lexically_normal();
}

std::filesystem::path writableDatabasePath(const std::string &path) {
  if (!path.empty()) return path;
  if (const char *env = std::getenv("REGCOMPAT_DB"); env && *env) return env;
  throw CommandError(kExitUsage, "no database: give --db DIR or set REGCOMPAT_DB");
}

std::filesystem::path databasePath(const std::string &path) {
  if (!path.empty()) return path;
  if (const char *env = std::getenv("REGCOMPAT_DB"); env && *env) return env;
  if (auto installed = installedDefaultDatabase(); !installed.empty()) return installed;
  throw CommandError(kExitUsage, "no database: give --db DIR or set REGCOMPAT_DB (an installed regcompat "
                                 "defaults to its shipped database, share/regcompat/database/real)");
}

std::shared_ptr<const db::Database> loadDatabaseOrThrow(const std::filesystem::path &dir) {
  auto loaded = db::loadDatabase(dir);
  if (!loaded) throw CommandError(kExitBadInput, "cannot load database " + dir.string() + ":\n" +
                                                     loaded.errorText());
  return std::make_shared<const db::Database>(std::move(loaded).value());
}

RegisterLookup makeLookup(const std::string &path) {
  const char *env = std::getenv("REGCOMPAT_DB");
  if (path.empty() && !(env && *env) && installedDefaultDatabase().empty()) return RegisterLookup();
  return RegisterLookup(loadDatabaseOrThrow(databasePath(path)));
}

db::CompatFile loadCompatFileOrThrow(const std::filesystem::path &file) {
  auto loaded = db::loadCompatFile(file);
  if (!loaded) throw CommandError(kExitBadInput, "cannot load compat file " + file.string() +
                                                     ":\n" + loaded.errorText());
  return std::move(loaded).value();
}

const db::RegisterSet &findSetOrThrow(const db::Database &database, const std::string &key) {
  // The known keys, for "did you mean": built only when the lookup fails.
  // `always_list`: name where to see them all even when nothing is close.
  auto suggestions = [&](bool always_list) {
    std::vector<std::string> keys;
    for (const auto &s : database.sets) keys.push_back(s.key.toString());
    const std::string hint = db::didYouMean(key, keys, 5);
    if (hint.empty() && !always_list) return hint;
    return hint + " (`regcompat db show DIR` lists all " + std::to_string(keys.size()) + ")";
  };
  auto parsed = db::SetKey::parse(key);
  // Cut short ("qemu/10.0"): the keys it begins.
  if (!parsed) throw CommandError(kExitUsage, parsed.error() + suggestions(false));
  const db::RegisterSet *set = database.findSet(parsed.value());
  if (!set) throw CommandError(kExitBadInput, "no register set " + key + " in the database" + suggestions(true));
  return *set;
}

} // namespace regcompat::cli
