// The register catalogue: one name (and notes) per register index, kept per
// architecture (catalogue/<arch>.yaml).
//
// Register sets may leave a register unnamed and take the catalogue's name; a
// name they do give must agree with it. Names are unique within one
// architecture; the same name may exist in two (QEMU gives the AArch64 and the
// AArch32 view of a "BOTH" register one name).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "regcompat/register_id.h"
#include "regcompat/result.h"

namespace regcompat::db {

struct CatalogueEntry {
  RegisterId id;
  std::string name;
  std::string notes;

  bool operator==(const CatalogueEntry &) const = default;
};

class Catalogue {
 public:
  // Adds an entry. Fails, naming the clash, when the index is already
  // catalogued or its architecture already uses the name.
  Result<RegisterId> add(CatalogueEntry entry);
  // Gives a catalogued register another name. Fails, leaving the catalogue
  // unchanged, when the register is not catalogued or its architecture
  // already uses the name for another register.
  Result<RegisterId> rename(RegisterId id, std::string name);

  const CatalogueEntry *find(RegisterId id) const;
  // Every entry with this name (at most one per architecture).
  std::vector<const CatalogueEntry *> findByName(std::string_view name) const;

  const std::vector<CatalogueEntry> &entries() const { return entries_; }  // by index
  std::vector<CatalogueEntry> entriesOf(Arch arch) const;
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

  bool operator==(const Catalogue &other) const { return entries_ == other.entries_; }

 private:
  std::vector<CatalogueEntry> entries_;  // sorted by index
  std::map<std::pair<Arch, std::string>, RegisterId> by_name_;
};

} // namespace regcompat::db
