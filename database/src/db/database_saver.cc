// renderDatabase() and saveDatabase().
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <unistd.h>

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

Outcome<SaveReport> replaceDatabase(const Database &db, const fs::path &given) {
  try {
    const fs::path dir = given.filename().empty() ? given.parent_path() : given;
    if (std::optional<std::string> problem = checkTarget(dir)) return failure(dir, *problem);
    const fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
    const std::string stem = "." + dir.filename().string() + ".staging.";
    std::error_code error;
    // What a killed run left behind.
    for (fs::directory_iterator it(parent, error); !error && it != fs::directory_iterator(); it.increment(error))
      if (it->path().filename().string().rfind(stem, 0) == 0) {
        std::error_code ignored;
        fs::remove_all(it->path(), ignored);
      }
    const fs::path staging = parent / (stem + std::to_string(::getpid()));
    const bool exists = fs::exists(dir, error);
    if (exists) {
      fs::copy(dir, staging, fs::copy_options::recursive | fs::copy_options::copy_symlinks, error);
      if (error) return failure(staging, "cannot copy the old database: " + error.message());
    }
    Outcome<SaveReport> saved = saveDatabase(db, staging);
    if (!saved) {
      fs::remove_all(staging, error);
      std::vector<Diagnostic> problems = saved.diagnostics();
      for (Diagnostic &d : problems)
        if (d.file.rfind(staging.string(), 0) == 0) d.file = (dir / fs::relative(d.file, staging)).string();
      return Outcome<SaveReport>::failure(std::move(problems));
    }
    if (exists) {
      if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0) {
        const std::string why = std::strerror(errno);
        fs::remove_all(staging, error);
        return failure(dir, "cannot exchange the new database with the old one: " + why);
      }
      fs::remove_all(staging, error);  // now the old content
    } else if (::rename(staging.c_str(), dir.c_str()) != 0) {
      const std::string why = std::strerror(errno);
      fs::remove_all(staging, error);
      return failure(dir, "cannot move the new database into place: " + why);
    }
    if (Status synced = syncDirectory(parent); !synced) return failure(parent, synced.error());
    SaveReport report = std::move(saved).value();
    auto rebase = [&](std::vector<fs::path> &paths) {
      for (fs::path &p : paths) p = dir / fs::relative(p, staging);
    };
    rebase(report.written);
    rebase(report.unchanged);
    rebase(report.removed);
    return report;
  } catch (const std::exception &problem) {
    return failure(given, std::string("cannot save: ") + problem.what());
  }
}

} // namespace regcompat::db
