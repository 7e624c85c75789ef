// Conversion of a QEMU extraction into database register sets (one per CPU
// model): the registers that go on the migration stream, with their names,
// type flags, constant values and definition site; and the merge of one
// release's sets into a database (what `regcompat extract qemu` saves).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "regcompat/db/database.h"
#include "regcompat/db/register_set.h"
#include "regcompat/extract/qemu.h"

namespace regcompat::extract::qemu {

// Key: qemu/<release>/arm64/tcg/<model> (the aarch64-softmmu target, for
// every model). Flags that the database
// vocabulary does not know (newer QEMU type bits) are left out; registers
// whose index does not validate are reported in `problems`.
std::vector<db::RegisterSet> toRegisterSets(const QemuExtraction &extraction,
                                            std::vector<Diagnostic> *problems = nullptr);

struct MergeReport {
  bool release_added = false;             // false: an existing release was updated
  std::vector<std::string> sets_written;  // keys, in database order
  std::vector<std::string> sets_removed;  // keys of the release's old sets not rewritten
  std::size_t catalogue_added = 0;
  // Names that differ from the catalogue's (the catalogue's is kept), names
  // that the catalogue cannot take (already used by another register).
  std::vector<Diagnostic> notes;
  // Catalogue names replaced by a better one from this release (old, new):
  // a "_RESERVED" placeholder by the register's real name.
  std::vector<std::pair<std::string, std::string>> renamed;
};

// Adds `release` (or updates the existing one of the same component and
// version, keeping its date and notes where `release` has none) and its
// `sets`. With `replace_whole_release`, every older set of the release goes
// first (a run over every CPU model); otherwise only sets with the same keys
// are replaced (a run restricted with --cpu). Registers with a name are
// catalogued; a register the catalogue already names differently keeps the
// catalogue's name, so the database stays valid (db::validate()).
MergeReport mergeRelease(db::Database &database, db::Release release, std::vector<db::RegisterSet> sets,
                         bool replace_whole_release);

}  // namespace regcompat::extract::qemu
