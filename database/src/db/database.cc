#include "regcompat/db/database.h"

#include <algorithm>
#include <cctype>

#include "regcompat/db/suggestions.h"
#include "regcompat/db/vocabulary.h"

namespace regcompat::db {

const Release *Database::findRelease(std::string_view component,
                                     std::string_view version) const {
  for (const Release &release : releases) {
    if (release.component == component && release.version == version) return &release;
  }
  return nullptr;
}

const RegisterSet *Database::findSet(const SetKey &key) const {
  for (const RegisterSet &set : sets) {
    if (set.key == key) return &set;
  }
  return nullptr;
}

std::vector<const RegisterSet *> Database::query(const SetKey &pattern) const {
  std::vector<const RegisterSet *> found;
  for (const RegisterSet &set : sets) {
    if (set.key.matches(pattern)) found.push_back(&set);
  }
  std::sort(found.begin(), found.end(),
            [](const RegisterSet *a, const RegisterSet *b) { return a->key < b->key; });
  return found;
}

std::optional<std::string> Database::nameOf(RegisterId id) const {
  if (const CatalogueEntry *entry = catalogue.find(id)) return entry->name;
  return wellKnownName(id);
}

std::optional<std::string> Database::nameOf(const RegisterEntry &entry) const {
  if (!entry.name.empty()) return entry.name;
  return nameOf(entry.id);
}

std::string Database::displayName(RegisterId id) const {
  if (std::optional<std::string> known = nameOf(id)) return *known;
  return id.toText();
}

Result<RegisterId> Database::findByName(std::string_view register_name,
                                        std::optional<Arch> arch) const {
  std::vector<const CatalogueEntry *> found = catalogue.findByName(register_name);
  if (arch) {
    std::erase_if(found, [&](const CatalogueEntry *entry) { return entry->id.arch() != *arch; });
  }
  if (found.size() == 1) return found.front()->id;
  if (found.size() > 1) {
    std::string candidates;
    for (const CatalogueEntry *entry : found) {
      candidates += candidates.empty() ? "" : ", ";
      candidates += entry->id.hex() + " (" + std::string(architectureName(entry->id.arch())) + ")";
    }
    return fail("register name " + std::string(register_name) + " is ambiguous: " + candidates +
                "; name the architecture");
  }
  std::optional<RegisterId> id = wellKnownByName(register_name);
  if (!id) {
    std::string upper(register_name);
    for (char &c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    id = wellKnownByName(upper);
  }
  if (id && (!arch || id->arch() == *arch)) return *id;
  std::vector<std::string> names;
  for (const CatalogueEntry &entry : catalogue.entries())
    if (!arch || entry.id.arch() == *arch) names.push_back(entry.name);
  return fail("no register is named " + std::string(register_name) + didYouMean(register_name, names));
}

Result<RegisterId> Database::resolve(std::string_view text, std::optional<Arch> arch) const {
  // A hex index is never a name; its parse error is the useful one.
  if (text.starts_with("0x") || text.starts_with("0X")) return RegisterId::parse(text);
  if (Result<RegisterId> parsed = RegisterId::parse(text)) return parsed;
  return findByName(text, arch);
}

} // namespace regcompat::db
