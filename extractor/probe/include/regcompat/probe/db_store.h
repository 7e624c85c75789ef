// Storing extracted or probed register sets into a database directory: the
// step `regcompat extract linux` and `regcompat probe ... --db` share.
//
// The database is loaded when DIR holds one and started empty when DIR does
// not exist or is an empty directory; the release is added (or its record
// kept, when present), the sets replace those matching `replace` and any set
// with the same key, register names go into the catalogue where they do not
// contradict it, and the whole database is saved atomically
// (db::saveDatabase: nothing is half-written on any error).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "regcompat/db/database.h"
#include "regcompat/db/register_set.h"
#include "regcompat/db/release.h"
#include "regcompat/db/saver.h"
#include "regcompat/result.h"

namespace regcompat::probe {

struct StoreRequest {
  db::Release release;
  std::vector<db::RegisterSet> sets;
  // Also remove every existing set matching this pattern (empty fields match
  // anything), e.g. linux/6.12.107/x86_64/kvm: a new extraction of that
  // release and architecture replaces the old one whole.
  std::optional<db::SetKey> replace;
};

struct StoreReport {
  bool database_created = false;
  bool release_added = false;
  std::vector<std::string> sets_written;  // keys
  std::vector<std::string> sets_removed;  // keys no longer present
  std::size_t catalogue_added = 0;
  // A name the catalogue already gives another register, or a register the
  // catalogue already names differently: the catalogue wins, the set entry
  // keeps no name of its own. "0x2030000200000174: extracted name X, catalogue has Y".
  std::vector<std::string> name_conflicts;
  db::SaveReport save;
};

// Applies `request` to `database` in memory (no file access).
StoreReport mergeInto(db::Database &database, StoreRequest request);

// Loads or creates DIR, merges, saves. Errors name the directory and carry
// the loader's or validator's file:line diagnostics.
Result<StoreReport> storeInDatabase(const std::filesystem::path &dir, StoreRequest request);

}  // namespace regcompat::probe
