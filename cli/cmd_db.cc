// `regcompat db validate|show|diff|query|format`: the register database.
#include <iostream>

#include "command.h"
#include "regcompat/db/database_merge.h"
#include "database_loader.h"
#include "render.h"
#include "regcompat/db/database_diff.h"
#include "regcompat/db/saver.h"

namespace regcompat::cli {
namespace {

struct DbOptions {
  std::string dir;
  std::string other_dir;
  std::string key;
  std::string from, to;
  std::string register_text;
  OutputFormat format = OutputFormat::Text;
};

void runValidate(const DbOptions &opt, int &exitCode) {
  if (opt.format == OutputFormat::Json) {
    // A pipeline reads the verdict and every diagnostic from stdout, valid
    // or not (schema_version 1); the exit code says which.
    auto loaded = db::loadDatabase(opt.dir);
    JsonWriter json;
    json.beginObject().field("schema_version", 1).field("database", opt.dir).field("valid", loaded.ok());
    if (!loaded) {
      json.key("diagnostics").beginArray();
      for (const db::Diagnostic &d : loaded.diagnostics()) {
        json.beginObject().field("file", d.file);
        if (d.line > 0) json.field("line", std::uint64_t{d.line});
        if (d.column > 0) json.field("column", std::uint64_t{d.column});
        json.field("message", d.message).endObject();
      }
      json.endArray().endObject();
      std::cout << json.take();
      exitCode = kExitBadInput;
      return;
    }
    const db::Database *database = &loaded.value();
    json.field("releases", database->releases.size())
        .field("sets", database->sets.size())
        .field("catalogue", database->catalogue.size())
        .endObject();
    std::cout << json.take();
    return;
  }
  auto database = loadDatabaseOrThrow(opt.dir);
  std::size_t registers = 0;
  for (const auto &s : database->sets) registers += s.registers.size();
  std::cout << opt.dir << ": valid: " << database->releases.size() << " releases, "
            << database->sets.size() << " register sets (" << registers << " entries), "
            << database->catalogue.size() << " catalogue entries\n";
}

void showSet(const db::Database &database, const db::RegisterSet &set, OutputFormat format) {
  if (format == OutputFormat::Json) {
    JsonWriter json;
    json.beginObject().field("set", set.key.toString()).field("description", set.description);
    json.key("registers").beginArray();
    for (const auto &e : set.registers) entryJson(json, database, e);
    json.endArray().endObject();
    std::cout << json.take();
    return;
  }
  std::cout << set.key.toString() << ": " << set.registers.size() << " registers";
  if (!set.description.empty()) std::cout << " (" << set.description << ")";
  std::cout << "\n";
  for (const auto &e : set.registers) std::cout << "  " << entryLine(database, e) << "\n";
}

void runShow(const DbOptions &opt) {
  auto database = loadDatabaseOrThrow(opt.dir);
  if (!opt.key.empty()) return showSet(*database, findSetOrThrow(*database, opt.key), opt.format);
  if (opt.format == OutputFormat::Json) {
    JsonWriter json;
    json.beginObject().field("name", database->name).field("description", database->description);
    json.key("releases").beginArray();
    for (const auto &r : database->releases)
      json.beginObject().field("component", r.component).field("version", r.version)
          .field("distro_version", r.distro_version.value_or(""))
          .field("date", r.date.value_or("")).endObject();
    json.endArray();
    json.key("sets").beginArray();
    for (const auto &s : database->sets)
      json.beginObject().field("set", s.key.toString()).field("registers", s.registers.size()).endObject();
    json.endArray().endObject();
    std::cout << json.take();
    return;
  }
  std::cout << database->name << ": " << database->description << "\nreleases:\n";
  for (const auto &r : database->releases) {
    std::cout << "  " << r.component << " " << r.version;
    if (r.distro_version) std::cout << " (" << *r.distro_version << ")";
    if (r.date) std::cout << " " << *r.date;
    std::cout << "\n";
  }
  std::cout << "register sets:\n";
  for (const auto &s : database->sets)
    std::cout << "  " << s.key.toString() << "  " << s.registers.size() << " registers\n";
}

// Three forms: two directories (whole databases); --from/--to releases
// ("qemu/10.0.13"); --from/--to set keys.
bool runDiff(const DbOptions &opt) {
  auto database = loadDatabaseOrThrow(opt.dir);
  JsonWriter json;
  std::ostringstream text;
  bool differs = false;
  if (!opt.other_dir.empty()) {
    auto other = loadDatabaseOrThrow(opt.other_dir);
    auto d = db::diff(*database, *other);
    differs = !d.empty();
    json.beginObject();
    json.key("releases_added").beginArray();
    for (const auto &r : d.releases_added) json.value(r.component + "/" + r.version);
    json.endArray().key("releases_removed").beginArray();
    for (const auto &r : d.releases_removed) json.value(r.component + "/" + r.version);
    json.endArray().key("sets_added").beginArray();
    for (const auto &k : d.sets_added) json.value(k.toString());
    json.endArray().key("sets_removed").beginArray();
    for (const auto &k : d.sets_removed) json.value(k.toString());
    json.endArray().key("sets_changed").beginArray();
    for (const auto &c : d.sets_changed) {
      json.beginObject().field("set", c.key.toString()).key("diff");
      setDiffJson(json, *other, c.diff);
      json.endObject();
    }
    json.endArray().endObject();
    for (const auto &r : d.releases_added) text << "+ release " << r.component << "/" << r.version << "\n";
    for (const auto &r : d.releases_removed) text << "- release " << r.component << "/" << r.version << "\n";
    for (const auto &k : d.sets_added) text << "+ set " << k.toString() << "\n";
    for (const auto &k : d.sets_removed) text << "- set " << k.toString() << "\n";
    for (const auto &c : d.sets_changed)
      text << "~ set " << c.key.toString() << "\n" << setDiffText(*other, c.diff);
  } else if (opt.from.empty() || opt.to.empty()) {
    throw CommandError(kExitUsage, "db diff needs a second DIR, or --from and --to");
  } else if (std::count(opt.from.begin(), opt.from.end(), '/') == 4) {
    const auto &a = findSetOrThrow(*database, opt.from);
    const auto &b = findSetOrThrow(*database, opt.to);
    if (a.key.arch != b.key.arch)
      throw CommandError(kExitUsage, "cannot compare " + a.key.toString() + " with " + b.key.toString() + ": an " +
                                         a.key.arch + " set and an " + b.key.arch +
                                         " set share no register, so every one would differ");
    auto d = db::diff(a, b);
    differs = !d.empty();
    setDiffJson(json, *database, d);
    text << setDiffText(*database, d);
  } else {
    auto ref = [](const std::string &s) {
      auto slash = s.find('/');
      if (slash == std::string::npos)
        throw CommandError(kExitUsage, "expected component/version or a set key, got '" + s + "'");
      return db::ReleaseRef{s.substr(0, slash), s.substr(slash + 1)};
    };
    auto d = db::diffReleases(*database, ref(opt.from), ref(opt.to));
    if (!d) throw CommandError(kExitBadInput, d.error());
    json.beginObject();
    json.key("only_in_from").beginArray();
    for (const auto &k : d->only_in_from) json.value(k.toString());
    json.endArray().key("only_in_to").beginArray();
    for (const auto &k : d->only_in_to) json.value(k.toString());
    json.endArray().key("matched").beginArray();
    for (const auto &k : d->only_in_from) text << "- set " << k.toString() << "\n";
    for (const auto &k : d->only_in_to) text << "+ set " << k.toString() << "\n";
    differs = !d->only_in_from.empty() || !d->only_in_to.empty();
    for (const auto &m : d->matched) {
      json.beginObject().field("from", m.from.toString()).field("to", m.to.toString()).key("diff");
      setDiffJson(json, *database, m.diff);
      json.endObject();
      if (m.diff.empty()) continue;
      differs = true;
      text << "~ " << m.from.toString() << " -> " << m.to.toString() << "\n"
           << setDiffText(*database, m.diff);
    }
    json.endArray().endObject();
  }
  std::cout << (opt.format == OutputFormat::Json ? json.take() : text.str());
  return differs;
}

void runQuery(const DbOptions &opt) {
  auto database = loadDatabaseOrThrow(opt.dir);
  auto pattern = db::SetKey::parsePattern(opt.key);
  if (!pattern) throw CommandError(kExitUsage, "bad set pattern '" + opt.key + "': " + pattern.error());
  auto sets = database->query(pattern.value());
  std::optional<RegisterId> reg;
  if (!opt.register_text.empty()) {
    auto r = database->resolve(opt.register_text);
    if (!r) throw CommandError(kExitBadInput, r.error());
    reg = r.value();
  }
  JsonWriter json;
  json.beginArray();
  for (const auto *set : sets) {
    const db::RegisterEntry *entry = reg ? set->find(*reg) : nullptr;
    if (reg && !entry) continue;
    if (opt.format == OutputFormat::Json) {
      json.beginObject().field("set", set->key.toString()).field("registers", set->registers.size());
      if (entry) {
        json.key("register");
        entryJson(json, *database, *entry);
      }
      json.endObject();
    } else {
      std::cout << set->key.toString() << "  " << set->registers.size() << " registers";
      if (entry) std::cout << "  " << entryLine(*database, *entry);
      std::cout << "\n";
    }
  }
  json.endArray();
  if (opt.format == OutputFormat::Json) std::cout << json.take();
}

void runFormat(const DbOptions &opt) {
  auto database = loadDatabaseOrThrow(opt.dir);
  auto saved = db::saveDatabase(*database, opt.dir);
  if (!saved) throw CommandError(kExitBadInput, "cannot save database " + opt.dir + ":\n" + saved.errorText());
  std::cout << opt.dir << ": written in canonical form\n";
}

struct MergeOptions {
  std::string into;
  std::vector<std::string> sources;
};

// The release pipeline's "database" stage: the shipped database with fresh
// extractions and this host's probe laid over it (db::mergeInto).
void runMerge(const MergeOptions &opt) {
  if (opt.sources.empty()) throw CommandError(kExitUsage, "db merge: name at least one database to read");
  db::Database merged = *loadDatabaseOrThrow(opt.sources.front());
  for (std::size_t i = 1; i < opt.sources.size(); ++i) {
    auto overlay = loadDatabaseOrThrow(opt.sources[i]);
    const db::MergeNotes notes = db::mergeInto(merged, *overlay);
    for (const auto &r : notes.replaced_releases)
      std::cout << opt.sources[i] << ": replaces release " << r << "\n";
    for (const auto &n : notes.kept_names)
      std::cout << opt.sources[i] << ": catalogue keeps the name " << n << "\n";
  }
  // All at once: a merge killed at any point leaves the old database or the
  // new one, and the next run clears what it left.
  auto saved = db::replaceDatabase(merged, opt.into);
  if (!saved) throw CommandError(kExitOutput, "cannot save database " + opt.into + ":\n" + saved.errorText());
  std::cout << opt.into << ": " << merged.releases.size() << " releases, " << merged.sets.size()
            << " register sets\n";
}

} // namespace

void addDbCommands(CLI::App &app, int &exitCode) {
  auto opt = std::make_shared<DbOptions>();
  auto *db = app.add_subcommand("db", "Validate, show, diff and query a register database "
                                      "(a directory; format: database/SCHEMA.md)");
  db->require_subcommand(1);
  db->footer(kExitCodeHelp);

  auto *validate = db->add_subcommand("validate", "Load DIR and report every error with file:line:col");
  validate->add_option("dir", opt->dir, "Database directory")->required();
  addFormatOption(*validate, opt->format);
  validate->callback([opt, &exitCode] { runValidate(*opt, exitCode); });

  auto *show = db->add_subcommand("show", "List releases and register sets, or one set's registers");
  show->add_option("dir", opt->dir, "Database directory")->required();
  show->add_option("set", opt->key, "Set key component/release/arch/accelerator/profile");
  addFormatOption(*show, opt->format);
  show->callback([opt] { runShow(*opt); });

  auto *diff = db->add_subcommand(
      "diff", "Registers added, removed and changed: between two databases (DIR OTHER_DIR), two "
              "releases (--from qemu/10.0.13 --to qemu/10.2.2) or two sets (--from/--to set keys). "
              "Exit 1 when they differ");
  diff->add_option("dir", opt->dir, "Database directory")->required();
  diff->add_option("other", opt->other_dir, "Second database directory");
  diff->add_option("--from", opt->from, "Release (component/version) or set key");
  diff->add_option("--to", opt->to, "Release (component/version) or set key");
  addFormatOption(*diff, opt->format);
  diff->callback([opt, &exitCode] { exitCode = runDiff(*opt) ? kExitNo : kExitOk; });

  auto *query = db->add_subcommand(
      "query", "Register sets matching a partial key (linux/*/arm64/kvm), optionally only those "
               "holding --register");
  query->add_option("dir", opt->dir, "Database directory")->required();
  query->add_option("pattern", opt->key, "Partial set key; * or empty fields match anything");
  query->add_option("--register", opt->register_text, "Hex index, text form or name");
  addFormatOption(*query, opt->format);
  query->callback([opt] { runQuery(*opt); });

  auto *format = db->add_subcommand("format", "Rewrite DIR in canonical form (atomically)");
  format->add_option("dir", opt->dir, "Database directory")->required();
  format->callback([opt] { runFormat(*opt); });

  auto merge_opt = std::make_shared<MergeOptions>();
  auto *merge = db->add_subcommand(
      "merge", "Write BASE with every OVERLAY laid over it into --into: an overlay's release "
               "replaces the same release of BASE with all its sets; catalogue names of BASE stay");
  merge->add_option("--into", merge_opt->into, "Database directory to write (created or rewritten)")->required();
  merge->add_option("databases", merge_opt->sources, "BASE [OVERLAY...] database directories")->required();
  merge->callback([merge_opt] { runMerge(*merge_opt); });
}

} // namespace regcompat::cli
