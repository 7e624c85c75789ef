// renderDatabase() and saveDatabase().
#include <algorithm>
#include <array>
#include <set>

#include "database_layout.h"
#include "regcompat/db/diagnostic_sink.h"
#include "regcompat/db/file_text.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/db/saver.h"
#include "regcompat/db/vocabulary.h"

namespace regcompat::db {
namespace {

namespace fs = std::filesystem;

// The release and catalogue files a directory holds now, relative to it:
// the only files a save may remove.
std::vector<fs::path> managedFiles(const fs::path &dir) {
  std::vector<fs::path> found;
  auto collect = [&](const fs::path &relative_dir) {
    std::error_code error;
    fs::directory_iterator it(dir / relative_dir, error);
    for (; !error && it != fs::directory_iterator(); it.increment(error)) {
      const fs::path &path = it->path();
      std::error_code type_error;
      if (!layout::isHidden(path) && it->is_regular_file(type_error) &&
          path.extension() == layout::kExtension) {
        found.push_back(relative_dir / path.filename());
      }
    }
  };
  collect(layout::kCatalogueDir);
  for (std::string_view component : components()) {
    collect(fs::path(layout::kReleasesDir) / std::string(component));
  }
  return found;
}

// Saving into a directory that holds something else would mix a database
// into unrelated files: refuse unless it is empty or already a database.
std::optional<std::string> checkTarget(const fs::path &dir) {
  std::error_code error;
  if (!fs::exists(dir, error)) return std::nullopt;
  if (!fs::is_directory(dir, error)) return "exists and is not a directory";
  if (fs::exists(dir / layout::kHeaderFile, error)) return std::nullopt;
  if (!fs::is_empty(dir, error)) {
    return "refusing to write into a non-empty directory that holds no regcompat-db.yaml";
  }
  return std::nullopt;
}

Outcome<SaveReport> failure(const fs::path &path, std::string message) {
  return Outcome<SaveReport>::failure({Diagnostic{path.string(), 0, 0, std::move(message)}});
}

} // namespace

std::vector<RenderedFile> renderDatabase(const Database &db) {
  std::vector<RenderedFile> files;
  files.push_back({fs::path(layout::kHeaderFile), renderHeaderFile(db)});
  for (std::string_view architecture : architectures()) {
    std::optional<Arch> arch = indexArchOf(architecture);
    std::vector<CatalogueEntry> entries = db.catalogue.entriesOf(*arch);
    if (entries.empty()) continue;
    files.push_back({layout::catalogueFile(architecture), renderCatalogueFile(architecture, entries)});
  }
  for (const Release &release : db.releases) {
    ReleaseFile file{release, {}};
    for (const RegisterSet &set : db.sets) {
      if (set.key.component == release.component && set.key.release == release.version) {
        file.sets.push_back(set);
      }
    }
    files.push_back({layout::releaseFile(release.component, release.version),
                     renderReleaseFile(file)});
  }
  std::sort(files.begin(), files.end(), [](const RenderedFile &a, const RenderedFile &b) {
    return a.relative_path < b.relative_path;
  });
  return files;
}

Outcome<SaveReport> saveDatabase(const Database &db, const fs::path &dir) {
  try {
    std::vector<Diagnostic> problems = validate(db);
    if (!problems.empty()) {
      for (Diagnostic &problem : problems) problem.file = (dir / problem.file).string();
      return Outcome<SaveReport>::failure(std::move(problems));
    }
    if (std::optional<std::string> problem = checkTarget(dir)) return failure(dir, *problem);

    SaveReport report;
    std::set<fs::path> keep;
    for (const RenderedFile &file : renderDatabase(db)) {
      fs::path path = dir / file.relative_path;
      keep.insert(file.relative_path);
      std::error_code error;
      fs::create_directories(path.parent_path(), error);
      if (error) return failure(path.parent_path(), "cannot create directory: " + error.message());
      if (readWholeFile(path) == file.text) {
        report.unchanged.push_back(path);
        continue;
      }
      if (Status written = writeFileAtomically(path, file.text); !written) {
        return failure(path, written.error());
      }
      report.written.push_back(path);
    }

    // Only now that every new file is in place: a crash before this point
    // leaves the old releases, never a database missing some.
    std::set<fs::path> touched_dirs;
    for (const fs::path &relative : managedFiles(dir)) {
      if (keep.count(relative) != 0) continue;
      std::error_code error;
      fs::remove(dir / relative, error);
      if (error) return failure(dir / relative, "cannot remove stale file: " + error.message());
      report.removed.push_back(dir / relative);
      touched_dirs.insert((dir / relative).parent_path());
    }
    for (const fs::path &touched : touched_dirs) {
      if (Status synced = syncDirectory(touched); !synced) return failure(touched, synced.error());
    }
    return report;
  } catch (const std::exception &problem) {
    return failure(dir, std::string("cannot save: ") + problem.what());
  }
}

} // namespace regcompat::db
