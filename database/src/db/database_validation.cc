// validate(const Database &): the loader's rules for a database built in memory.
#include <set>

#include "database_layout.h"
#include "regcompat/db/diagnostic_sink.h"
#include "regcompat/db/saver.h"
#include "regcompat/db/vocabulary.h"

namespace regcompat::db {
namespace {

void report(FileDiagnostics &out, std::string_view prefix, std::optional<std::string> problem) {
  if (problem) out.error(std::string(prefix) + *problem);
}

void validateHeader(const Database &db, DiagnosticList &list) {
  FileDiagnostics out(list, std::string(layout::kHeaderFile));
  if (db.schema_version != kSchemaVersion) {
    out.error("schema_version is " + std::to_string(db.schema_version) + "; this regcompat writes " +
              std::to_string(kSchemaVersion));
  }
  if (db.name.empty()) out.error("the database name is empty");
}

void validateReleases(const Database &db, DiagnosticList &list) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const Release &release : db.releases) {
    FileDiagnostics out(list, layout::releaseFile(release.component, release.version).string());
    report(out, "release: ", checkComponent(release.component));
    report(out, "release: ", checkVersion(release.version));
    if (release.distro_version) report(out, "release: ", checkDistroVersion(*release.distro_version));
    if (release.date) report(out, "release: ", checkDate(*release.date));
    if (!seen.emplace(release.component, release.version).second) {
      out.error("release " + release.component + "/" + release.version + " is declared twice");
    }
  }
}

void validateCatalogue(const Database &db, DiagnosticList &list) {
  for (const CatalogueEntry &entry : db.catalogue.entries()) {
    FileDiagnostics out(list, layout::catalogueFile(architectureName(entry.id.arch())).string());
    std::string prefix = "register " + entry.id.hex() + ": ";
    if (Result<RegisterId> valid = RegisterId::fromIndex(entry.id.index()); !valid) {
      out.error(prefix + "not a valid register index: " + valid.error());
    }
    report(out, prefix, checkRegisterName(entry.name));
  }
}

void validateRegister(const Database &db, const RegisterSet &set, const RegisterEntry &entry,
                      FileDiagnostics &out, std::string_view set_prefix) {
  std::string prefix = std::string(set_prefix) + "register " + entry.id.hex() + ": ";
  if (Result<RegisterId> valid = RegisterId::fromIndex(entry.id.index()); !valid) {
    out.error(prefix + "not a valid register index: " + valid.error());
    return;
  }
  if (!set.key.arch.empty() && !checkArchitecture(set.key.arch).has_value() &&
      !setArchitectureHolds(set.key.arch, entry.id)) {
    out.error(prefix + "an " + std::string(architectureName(entry.id.arch())) +
              " register, which an " + set.key.arch + " register set cannot hold");
  }
  if (!entry.name.empty()) {
    report(out, prefix, checkRegisterName(entry.name));
    const CatalogueEntry *known = db.catalogue.find(entry.id);
    if (known != nullptr && known->name != entry.name) {
      out.error(prefix + "name " + entry.name + " contradicts the catalogue's " + known->name);
    }
  }
  std::set<std::string> flags;
  for (const std::string &flag : entry.flags) {
    report(out, prefix, checkFlag(flag));
    if (!flags.insert(flag).second) out.error(prefix + "flag " + flag + " is given twice");
  }
  report(out, prefix, checkProvenance(entry.provenance));
}

void validateSets(const Database &db, DiagnosticList &list) {
  std::set<SetKey> keys;
  for (const RegisterSet &set : db.sets) {
    const SetKey &key = set.key;
    FileDiagnostics out(list, layout::releaseFile(key.component, key.release).string());
    std::string prefix = "register set " + key.toString() + ": ";
    if (Result<SetKey> parsed = SetKey::parse(key.toString()); !parsed) {
      out.error(prefix + parsed.error());
    }
    if (db.findRelease(key.component, key.release) == nullptr) {
      out.error(prefix + "its release " + key.component + "/" + key.release + " is not declared");
    }
    if (!keys.insert(key).second) out.error(prefix + "defined twice");
    std::set<RegisterId> ids;
    for (const RegisterEntry &entry : set.registers) {
      if (list.full()) return;
      if (!ids.insert(entry.id).second) {
        out.error(prefix + "register " + entry.id.hex() + " appears twice");
        continue;
      }
      validateRegister(db, set, entry, out, prefix);
    }
  }
}

} // namespace

std::vector<Diagnostic> validate(const Database &db) {
  DiagnosticList list;
  validateHeader(db, list);
  validateReleases(db, list);
  validateCatalogue(db, list);
  validateSets(db, list);
  return list.take();
}

} // namespace regcompat::db
