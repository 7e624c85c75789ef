// `regcompat extract qemu`: read a QEMU source tree's ARM register tables
// (extractor/qemu) and store one register set per CPU model in a database.
//
// `extract` is a command group: each extractor adds one subcommand to it
// (addExtractQemu below); the steps every extractor shares — opening or
// creating the database, merging a release, saving, the summary — are the
// small classes of the first section.
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "database_loader.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/db/file_text.h"
#include "regcompat/db/saver.h"
#include "regcompat/pipeline/input_digest.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/json_writer.h"

#if __has_include("regcompat/extract/qemu_db.h")
#define REGCOMPAT_HAVE_EXTRACT_QEMU 1
#include "regcompat/extract/qemu_db.h"
#endif

namespace regcompat::cli {
namespace {

namespace fs = std::filesystem;

// --- shared by every extractor ------------------------------------------------

// The database an extraction is saved into: loaded when DIR holds one,
// started empty when DIR does not exist yet or is an empty directory.
class TargetDatabase {
 public:
  explicit TargetDatabase(fs::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    const bool exists = fs::exists(dir_, ec);
    if (exists && fs::exists(dir_ / "regcompat-db.yaml", ec)) {
      database_ = *loadDatabaseOrThrow(dir_);
      return;
    }
    if (exists && !(fs::is_directory(dir_, ec) && fs::is_empty(dir_, ec)))
      throw CommandError(kExitBadInput, dir_.string() +
                                            ": exists but is not a regcompat database "
                                            "(no regcompat-db.yaml); give a new or empty directory");
    created_ = true;
    std::string name = dir_.filename().string();
    if (name.empty() || name == "." || name == "..") name = "regcompat-db";
    database_.name = name;
    database_.description = "Register sets extracted from hypervisor and kernel sources by regcompat";
  }

  db::Database &database() { return database_; }
  bool created() const { return created_; }

  // Validates and writes every file atomically (db::saveDatabase): on any
  // problem nothing is half-written.
  db::SaveReport save() const {
    auto saved = db::saveDatabase(database_, dir_);
    if (!saved)
      throw CommandError(kExitBadInput, "cannot save database " + dir_.string() + ":\n" + saved.errorText());
    return saved.value();
  }

 private:
  fs::path dir_;
  db::Database database_;
  bool created_ = false;
};

// NAME=VALUE CPU properties: numbers in any C base, on/off, true/false.
std::map<std::string, std::uint64_t> parseProperties(const std::vector<std::string> &items) {
  std::map<std::string, std::uint64_t> out;
  for (const std::string &item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw CommandError(kExitUsage, "--cpu-prop '" + item + "': expected NAME=VALUE (e.g. has_el2=on)");
    const std::string name = item.substr(0, eq), text = item.substr(eq + 1);
    static const std::map<std::string, std::uint64_t> words = {
        {"on", 1}, {"off", 0}, {"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}};
    if (auto w = words.find(text); w != words.end()) {
      out[name] = w->second;
      continue;
    }
    char *end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 0);
    if (errno != 0 || end == text.c_str() || *end != '\0' || text.front() == '-')
      throw CommandError(kExitUsage, "--cpu-prop '" + item + "': '" + text +
                                         "' is not a number or on/off");
    out[name] = v;
  }
  return out;
}

struct Warning {
  std::string where;
  std::string message;
};

void printWarnings(const std::vector<Warning> &warnings) {
  for (const Warning &w : warnings)
    std::cerr << "regcompat: warning: " << (w.where.empty() ? "" : w.where + ": ") << w.message << "\n";
}

// --- extract qemu ------------------------------------------------------------------
struct QemuCommandOptions {
  std::string source;
  std::string build_dir;
  std::string release;
  std::string db;
  std::vector<std::string> cpus;
  std::string machine = "virt";
  std::vector<std::string> cpu_props;
  unsigned jobs = 0;
  bool no_cache = false;
  bool all_bodies = false;
  OutputFormat format = OutputFormat::Text;
};

#ifdef REGCOMPAT_HAVE_EXTRACT_QEMU
namespace eq = regcompat::extract::qemu;


// The Debian package version fetch-sources recorded next to the tree
// (.regcompat-source, "debian_version=1:10.2.2+ds-1"), when it is there.
std::optional<std::string> distroVersionOf(const fs::path &source) {
  std::ifstream in(source / ".regcompat-source");
  std::string line;
  const std::string prefix = "debian_version=";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::string v = line.substr(prefix.size());
    if (!v.empty() && !db::checkDistroVersion(v)) return v;
  }
  return std::nullopt;
}

eq::QemuExtraction runExtractor(const QemuCommandOptions &opt) {
  if (auto bad = db::checkVersion(opt.release))
    throw CommandError(kExitUsage, "--release: " + *bad);
  eq::QemuExtractOptions o;
  o.source = opt.source;
  if (!opt.build_dir.empty()) o.build_dir = fs::path(opt.build_dir);
  o.release = opt.release;
  o.models = opt.cpus;
  o.machine = opt.machine;
  o.cpu_properties = parseProperties(opt.cpu_props);
  o.jobs = opt.jobs;
  o.use_cache = !opt.no_cache;
  o.skip_unneeded_bodies = !opt.all_bodies;
  // The database holds only what goes on the migration stream: building the
  // off-stream instances (aliases, CP_ANY copies) was most of a cache hit.
  o.migrated_only = true;
  auto extracted = eq::extractQemu(o);
  if (!extracted) throw CommandError(kExitBadInput, extracted.error());
  eq::QemuExtraction x = std::move(extracted).value();
  // Refuse to store a release with models missing or empty: that would
  // silently remove registers from the database.
  for (const std::string &want : opt.cpus) {
    bool found = false;
    for (const auto &m : x.models) found = found || m.model == want;
    if (!found) {
      std::string known;
      for (const auto &d : x.diagnostics) known += "\n  " + d.where + (d.where.empty() ? "" : ": ") + d.message;
      throw CommandError(kExitBadInput, "CPU model '" + want + "' not found in " + opt.source + known);
    }
  }
  if (x.models.empty())
    throw CommandError(kExitBadInput, "no CPU models found in " + opt.source + "/target/arm");
  // M-profile models legitimately migrate no system registers; every model
  // empty means the scan failed.
  bool any = false;
  for (const auto &m : x.models) any = any || !m.migratedIndexes().empty();
  if (!any)
    throw CommandError(kExitBadInput, "no CPU model of " + opt.source +
                                          " has a migrated register (did the parse fail?); nothing saved");
  return x;
}

void printSummary(const QemuCommandOptions &opt, const eq::QemuExtraction &x,
                  const std::vector<db::RegisterSet> &sets, const eq::MergeReport &merge,
                  const std::vector<Warning> &warnings, bool created) {
  auto ms = [](double s) { return static_cast<std::uint64_t>(s * 1000.0 + 0.5); };
  if (opt.format == OutputFormat::Json) {
    JsonWriter json;
    json.beginObject()
        .field("database", opt.db)
        .field("database_created", created)
        .field("release", "qemu/" + opt.release)
        .field("release_added", merge.release_added)
        .field("machine", opt.machine);
    json.key("sets").beginArray();
    for (const auto &s : sets)
      json.beginObject().field("set", s.key.toString()).field("model", s.key.profile)
          .field("registers", s.registers.size()).endObject();
    json.endArray().key("sets_removed").beginArray();
    for (const auto &k : merge.sets_removed) json.value(k);
    json.endArray()
        .field("catalogue_added", merge.catalogue_added)
        .field("definitions", x.definitions.size());
    json.key("scan").beginObject()
        .field("files_parsed", x.stats.files_parsed)
        .field("files_from_cache", x.stats.files_from_cache)
        .field("files_with_errors", x.stats.files_with_errors)
        .field("bodies_skipped", x.stats.bodies_skipped)
        .field("parse_ms", ms(x.stats.parse_seconds))
        .field("evaluate_ms", ms(x.stats.evaluate_seconds));
    json.key("files").beginArray();
    for (const auto &f : x.files) json.value(f);
    json.endArray().endObject();
    json.key("diagnostics").beginArray();
    for (const Warning &w : warnings) json.beginObject().field("where", w.where).field("message", w.message).endObject();
    json.endArray().endObject();
    std::cout << json.take();
    return;
  }
  std::cout << (created ? "created " : "updated ") << opt.db << ": qemu " << opt.release
            << (merge.release_added ? " (new release)" : " (release updated)") << ", machine " << opt.machine << "\n";
  for (const auto &s : sets)
    std::cout << "  " << s.key.toString() << "  " << s.registers.size() << " registers\n";
  for (const auto &k : merge.sets_removed) std::cout << "  removed " << k << "\n";
  std::cout << "  " << merge.catalogue_added << " catalogue entries added; " << x.stats.files_parsed
            << " files (" << x.stats.files_from_cache << " from cache), " << warnings.size() << " warnings\n";
}

// What an extraction wrote: its options and every register it produced,
// with the content of the database right after the save. A re-run whose
// extraction and database both match did nothing new, so it skips loading,
// merging and saving the database, which is most of a warm run (a YAML load of
// a few thousand entries costs ~10 times the scan cache lookup).
std::string extractionDigest(const QemuCommandOptions &opt, const std::string &distro,
                             const std::vector<db::RegisterSet> &sets) {
  pipeline::InputDigest d;
  d.addText(REGCOMPAT_VERSION);
  for (const std::string &part : {opt.release, opt.machine, distro}) d.addText(part);
  d.addText(std::to_string(opt.cpus.size()));
  for (const auto &c : opt.cpus) d.addText(c);
  for (const auto &p : opt.cpu_props) d.addText(p);
  for (const auto &set : sets) {
    d.addText(set.key.toString());
    d.addText(set.description);
    for (const auto &e : set.registers) {
      d.addText(e.id.hex() + " " + e.name + " " + (e.value ? std::to_string(*e.value) : "-") + " " +
                e.provenance.where);
      for (const auto &f : e.flags) d.addText(f);
    }
  }
  return d.hex();
}

fs::path stampPath(const fs::path &db_dir, const std::string &release) {
  return db_dir / (".extract-qemu-" + release + ".stamp");
}

std::string stampFor(const std::string &extraction, const fs::path &db_dir) {
  pipeline::InputDigest d;
  d.addPath(db_dir);  // dot files (this stamp, save temporaries) are not part of it
  return extraction + " " + d.hex() + "\n";
}

bool unchangedSinceLastRun(const std::string &extraction, const fs::path &db_dir,
                           const std::string &release) {
  const std::string stored = db::readWholeFile(stampPath(db_dir, release)).value_or("");
  if (stored.empty()) return false;
  try {
    return stored == stampFor(extraction, db_dir);
  } catch (const std::exception &) {
    return false;  // unreadable: load it properly and let the loader say why
  }
}

void runExtractQemu(const QemuCommandOptions &opt) {
  eq::QemuExtraction x = runExtractor(opt);

  std::vector<Warning> warnings;
  for (const auto &d : x.diagnostics) warnings.push_back({d.where, d.message});
  for (const auto &m : x.models)
    for (const auto &d : m.diagnostics) warnings.push_back({d.where, m.model + ": " + d.message});
  std::vector<eq::Diagnostic> problems;
  std::vector<db::RegisterSet> sets = eq::toRegisterSets(x, &problems);
  for (const auto &p : problems) warnings.push_back({p.where, p.message});
  std::string machine = "-M " + opt.machine;
  for (const auto &p : opt.cpu_props) machine += ", " + p;
  for (auto &s : sets) s.description += "; " + machine;

  const fs::path db_dir = writableDatabasePath(opt.db);
  const std::optional<std::string> distro = distroVersionOf(opt.source);
  const std::string extraction = extractionDigest(opt, distro.value_or(""), sets);
  if (!opt.no_cache && unchangedSinceLastRun(extraction, db_dir, opt.release)) {
    eq::MergeReport unchanged;
    printWarnings(warnings);
    if (opt.format == OutputFormat::Text)
      std::cout << "unchanged " << opt.db << ": qemu " << opt.release
                << " already holds this extraction (database not rewritten)\n";
    else
      printSummary(opt, x, sets, unchanged, warnings, false);
    return;
  }

  TargetDatabase target(db_dir);
  db::Release release;
  release.component = "qemu";
  release.version = opt.release;
  release.distro_version = distro;
  const std::vector<db::RegisterSet> written = sets;
  eq::MergeReport merge = eq::mergeRelease(target.database(), std::move(release), std::move(sets),
                                           /*replace_whole_release=*/opt.cpus.empty());
  for (const auto &n : merge.notes) warnings.push_back({n.where, n.message});
  target.save();
  // Best effort: without a stamp the next run just loads the database.
  (void)db::writeFileAtomically(stampPath(db_dir, opt.release), stampFor(extraction, db_dir));
  printWarnings(warnings);
  printSummary(opt, x, written, merge, warnings, target.created());
}
#endif

void addExtractQemu(CLI::App &extract, int &exitCode) {
  auto opt = std::make_shared<QemuCommandOptions>();
  CLI::App *cmd = extract.add_subcommand(
      "qemu", "QEMU's ARM CPU register tables (target/arm, read with Clang) -> one register set "
              "per CPU model (qemu/VERSION/arm64/tcg/MODEL) in the database");
  cmd->add_option("--source", opt->source, "QEMU source tree (release/fetch-sources qemu VERSION)")
      ->required()->check(CLI::ExistingDirectory);
  cmd->add_option("-p,--build-dir", opt->build_dir,
                  "QEMU build directory with compile_commands.json (configured for aarch64-softmmu); "
                  "without it, flags and generated headers are synthesized")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--release", opt->release, "Upstream version of the tree, e.g. 10.2.2")->required();
  cmd->add_option("--db", opt->db, "Database directory (created when missing; default $REGCOMPAT_DB)");
  cmd->add_option("--cpu", opt->cpus, "CPU model to extract (repeatable; default: every model)");
  cmd->add_option("--machine", opt->machine, "Board whose CPU settings apply: virt (secure=off, "
                                             "virtualization=off) or none")
      ->check(CLI::IsMember({"virt", "none"}));
  cmd->add_option("--cpu-prop", opt->cpu_props, "CPU field set before realize, NAME=VALUE (repeatable)");
  cmd->add_option("-j,--jobs", opt->jobs, "Parallel parses (default: all cores)");
  cmd->add_flag("--no-cache", opt->no_cache, "Parse everything again; do not read or write the scan cache "
                                             "(${REGCOMPAT_CACHE:-~/.cache/regcompat}/scan)");
  cmd->add_flag("--all-bodies", opt->all_bodies,
                "Parse every function body (slower, same result: checks the body skipping)");
  addFormatOption(*cmd, opt->format);
  cmd->callback([opt, &exitCode] {
#ifdef REGCOMPAT_HAVE_EXTRACT_QEMU
    runExtractQemu(*opt);
    exitCode = kExitOk;
#else
    (void)exitCode;
    throw CommandError(kExitInternal, "this regcompat was built without LLVM/Clang 14 libTooling: "
                                      "extract qemu is not available");
#endif
  });
}

} // namespace

void addExtractCommand(CLI::App &app, int &exitCode) {
  CLI::App *extract = app.add_subcommand("extract", "Register definitions in, register sets out");
  extract->require_subcommand(1);
  addExtractQemu(*extract, exitCode);
  addExtractLinuxSubcommand(*extract, exitCode);
}

} // namespace regcompat::cli
