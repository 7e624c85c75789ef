#include "regcompat/db/catalogue.h"

#include <algorithm>
#include <cctype>

#include "regcompat/db/vocabulary.h"

namespace regcompat::db {
namespace {

bool indexLess(const CatalogueEntry &entry, RegisterId id) { return entry.id < id; }

} // namespace

Result<RegisterId> Catalogue::add(CatalogueEntry entry) {
  auto at = std::lower_bound(entries_.begin(), entries_.end(), entry.id, indexLess);
  if (at != entries_.end() && at->id == entry.id) {
    return fail("register " + entry.id.hex() + " is already catalogued as " + at->name);
  }
  auto name_key = std::make_pair(entry.id.arch(), entry.name);
  if (auto same_name = by_name_.find(name_key); same_name != by_name_.end()) {
    return fail("name " + entry.name + " already names register " + same_name->second.hex() +
                " in the " + std::string(architectureName(entry.id.arch())) + " catalogue");
  }
  RegisterId id = entry.id;
  by_name_.emplace(std::move(name_key), id);
  entries_.insert(at, std::move(entry));
  return id;
}

Result<RegisterId> Catalogue::rename(RegisterId id, std::string name) {
  auto at = std::lower_bound(entries_.begin(), entries_.end(), id, indexLess);
  if (at == entries_.end() || at->id != id) return fail("register " + id.hex() + " is not catalogued");
  if (at->name == name) return id;
  auto name_key = std::make_pair(id.arch(), name);
  if (auto same_name = by_name_.find(name_key); same_name != by_name_.end()) {
    return fail("name " + name + " already names register " + same_name->second.hex() + " in the " +
                std::string(architectureName(id.arch())) + " catalogue");
  }
  by_name_.erase(std::make_pair(id.arch(), at->name));
  by_name_.emplace(std::move(name_key), id);
  at->name = std::move(name);
  return id;
}

const CatalogueEntry *Catalogue::find(RegisterId id) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), id, indexLess);
  return it != entries_.end() && it->id == id ? &*it : nullptr;
}

std::vector<const CatalogueEntry *> Catalogue::findByName(std::string_view name) const {
  std::vector<const CatalogueEntry *> found;
  for (Arch arch : {Arch::Arm64, Arch::Arm32, Arch::X86}) {
    auto it = by_name_.find(std::make_pair(arch, std::string(name)));
    if (it != by_name_.end()) found.push_back(find(it->second));
  }
  if (!found.empty()) return found;
  // Names are matched case-insensitively when no exact spelling exists
  // (tcr2_el1 is TCR2_EL1); an exact match always wins.
  auto same = [&](const std::string &other) {
    return other.size() == name.size() &&
           std::equal(other.begin(), other.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
  };
  for (const CatalogueEntry &entry : entries_)
    if (same(entry.name)) found.push_back(&entry);
  return found;
}

std::vector<CatalogueEntry> Catalogue::entriesOf(Arch arch) const {
  std::vector<CatalogueEntry> result;
  for (const CatalogueEntry &entry : entries_) {
    if (entry.id.arch() == arch) result.push_back(entry);
  }
  return result;
}

} // namespace regcompat::db
