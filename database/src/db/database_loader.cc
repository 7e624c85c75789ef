// loadDatabase() and the single-file loaders of loader.h.
#include "regcompat/db/loader.h"

#include <algorithm>
#include <array>
#include <exception>

#include "catalogue_file_reader.h"
#include "database_layout.h"
#include "document_loading.h"
#include "regcompat/db/file_text.h"
#include "regcompat/db/vocabulary.h"
#include "release_file_reader.h"
#include "regcompat/db/yaml_reader.h"

namespace regcompat::db {
namespace {

namespace fs = std::filesystem;
using yaml::KeySpec;
using yaml::MapFields;
using yaml::Node;

constexpr std::array<KeySpec, 3> kHeaderKeys = {{
    {"schema_version", true}, {"name", true}, {"description"}}};

void readHeader(const Node &root, Database &db, FileDiagnostics &out) {
  MapFields fields(root, "database header", kHeaderKeys, out);
  if (!fields.isMap()) return;
  yaml::checkSchemaVersion(fields, out);
  if (const Node *value = fields.get("name")) {
    std::optional<std::string> name = yaml::readString(*value, "name", out);
    if (name && name->empty()) out.error(value->position, "the database name is empty");
    db.name = name.value_or("");
  }
  if (const Node *value = fields.present("description")) {
    db.description = yaml::readString(*value, "description", out).value_or("");
  }
}

// The entries of `dir` that are not hidden, by name; a missing directory has
// none. Errors are reported against the directory.
std::vector<fs::directory_entry> listDirectory(const fs::path &dir, DiagnosticList &list) {
  std::vector<fs::directory_entry> entries;
  std::error_code error;
  if (!fs::exists(dir, error)) return entries;
  fs::directory_iterator it(dir, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    if (!layout::isHidden(it->path())) entries.push_back(*it);
  }
  if (error) {
    FileDiagnostics(list, dir.string()).error("cannot list directory: " + error.message());
  }
  std::sort(entries.begin(), entries.end(),
            [](const fs::directory_entry &a, const fs::directory_entry &b) {
              return a.path().filename() < b.path().filename();
            });
  return entries;
}

bool isYamlFile(const fs::directory_entry &entry) {
  std::error_code error;
  return entry.is_regular_file(error) && entry.path().extension() == layout::kExtension;
}

// A file reached through a symbolic link that leads out of the database
// directory is refused before it is read (its lines would be quoted in error
// messages); links inside the database are followed.
bool staysInside(const fs::path &root, const fs::path &path, FileDiagnostics &out) {
  std::error_code error;
  const fs::path real = fs::canonical(path, error);
  if (error) {
    out.error("cannot resolve: " + error.message());
    return false;
  }
  const fs::path base = fs::canonical(root, error);
  if (error) return true;  // the directory itself is reported elsewhere
  auto r = real.begin();
  for (auto b = base.begin(); b != base.end(); ++b, ++r)
    if (r == real.end() || *r != *b) {
      out.error("a link out of the database directory: refused");
      return false;
    }
  return true;
}

template <typename Reader>
auto parseFile(const fs::path &database_dir, const fs::path &path, FileDiagnostics &out, Reader read)
    -> decltype(read(std::declval<const Node &>())) {
  if (!staysInside(database_dir, path, out)) return std::nullopt;
  std::optional<std::string> text = readFileText(path, out);
  if (!text) return std::nullopt;
  std::optional<Node> root = yaml::parseDocument(*text, out);
  if (!root) return std::nullopt;
  return read(*root);
}

class DatabaseLoader {
 public:
  explicit DatabaseLoader(const fs::path &dir) : dir_(dir) {}

  Outcome<Database> load() {
    std::error_code error;
    if (!fs::is_directory(dir_, error)) {
      FileDiagnostics(list_, dir_.string())
          .error("not a directory (a database is a directory holding regcompat-db.yaml)");
      return Outcome<Database>::failure(list_.take());
    }
    loadHeader();
    loadCatalogues();
    loadReleases();
    if (!list_.empty()) return Outcome<Database>::failure(list_.take());
    std::sort(db_.releases.begin(), db_.releases.end(),
              [](const Release &a, const Release &b) { return compareReleases(a, b) < 0; });
    std::sort(db_.sets.begin(), db_.sets.end(),
              [](const RegisterSet &a, const RegisterSet &b) { return a.key < b.key; });
    return std::move(db_);
  }

 private:
  void loadHeader() {
    fs::path path = dir_ / layout::kHeaderFile;
    FileDiagnostics out(list_, path.string());
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
      out.error("missing: every database directory holds a regcompat-db.yaml");
      return;
    }
    parseFile(dir_, path, out, [&](const Node &root) -> std::optional<bool> {
      readHeader(root, db_, out);
      return true;
    });
  }

  void loadCatalogues() {
    for (const fs::directory_entry &entry : listDirectory(dir_ / layout::kCatalogueDir, list_)) {
      if (list_.full()) return;
      FileDiagnostics out(list_, entry.path().string());
      if (!isYamlFile(entry)) {
        out.error("unexpected entry: catalogue/ holds <arch>.yaml files only");
        continue;
      }
      std::optional<Catalogue> catalogue = parseFile(dir_, entry.path(), out, [&](const Node &root) {
        return readCatalogueFile(root, entry.path(), out);
      });
      if (!catalogue) continue;
      for (const CatalogueEntry &item : catalogue->entries()) {
        // Each file holds one architecture, so files cannot clash.
        if (Result<RegisterId> added = db_.catalogue.add(item); !added) out.error(added.error());
      }
    }
  }

  void loadReleases() {
    for (const fs::directory_entry &component : listDirectory(dir_ / layout::kReleasesDir, list_)) {
      if (list_.full()) return;
      std::error_code error;
      std::string name = component.path().filename().string();
      if (!component.is_directory(error)) {
        FileDiagnostics(list_, component.path().string())
            .error("unexpected entry: releases/ holds one directory per component");
        continue;
      }
      if (std::optional<std::string> problem = checkComponent(name)) {
        FileDiagnostics(list_, component.path().string()).error(*problem);
        continue;
      }
      for (const fs::directory_entry &entry : listDirectory(component.path(), list_)) {
        if (list_.full()) return;
        loadRelease(entry);
      }
    }
  }

  void loadRelease(const fs::directory_entry &entry) {
    FileDiagnostics out(list_, entry.path().string());
    if (!isYamlFile(entry)) {
      out.error("unexpected entry: releases/<component>/ holds <version>.yaml files only");
      return;
    }
    std::optional<ReleaseFile> file = parseFile(dir_, entry.path(), out, [&](const Node &root) {
      return readReleaseFile(root, entry.path(), &db_.catalogue, out);
    });
    if (!file) return;
    db_.releases.push_back(std::move(file->release));
    for (RegisterSet &set : file->sets) db_.sets.push_back(std::move(set));
  }

  const fs::path &dir_;
  DiagnosticList list_;
  Database db_;
};

} // namespace

Outcome<Database> loadDatabase(const fs::path &dir) {
  try {
    return DatabaseLoader(dir).load();
  } catch (const std::exception &problem) {
    return Outcome<Database>::failure(
        {Diagnostic{dir.string(), 0, 0, std::string("cannot load: ") + problem.what()}});
  } catch (...) {
    return Outcome<Database>::failure({Diagnostic{dir.string(), 0, 0, "cannot load: unknown error"}});
  }
}

Outcome<ReleaseFile> loadReleaseFromString(std::string_view text, std::string_view virtual_path,
                                           const Catalogue *catalogue) {
  fs::path path{std::string(virtual_path)};
  return loadDocument<ReleaseFile>(text, virtual_path, [&](const Node &root, FileDiagnostics &out) {
    return readReleaseFile(root, path, catalogue, out);
  });
}

Outcome<Catalogue> loadCatalogueFromString(std::string_view text, std::string_view virtual_path) {
  fs::path path{std::string(virtual_path)};
  return loadDocument<Catalogue>(text, virtual_path, [&](const Node &root, FileDiagnostics &out) {
    return readCatalogueFile(root, path, out);
  });
}

} // namespace regcompat::db
