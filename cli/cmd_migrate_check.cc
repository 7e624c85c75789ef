// `regcompat migrate-check`: would a migration between two register sets
// load? By default the judge is real QEMU: the destination release's own
// loader rules (qemu_load_check.h). --rules runtime runs the runtime
// library's save and merge instead, the code a VMM that embeds it runs,
// under a machine type's compat table.
#include <filesystem>
#include <iostream>

#include "command.h"
#include "database_loader.h"
#include "qemu_load_check.h"
#include "regcompat/generator/compat_conversion.h"
#include "regcompat/json_writer.h"
#include "regcompat/runtime/merge.h"
#include "regcompat/runtime/report.h"
#include "regcompat/runtime/save_side.h"

namespace regcompat::cli {
namespace {

using generator::toCompatTable;
using generator::toLocalRegisters;

enum class Direction { Forward, Backward, Both };
enum class Rules { Qemu, Runtime };

struct MigrateCheckOptions {
  std::string db;
  std::string source, dest;
  std::string source_release, dest_release, cpu;
  Rules rules = Rules::Qemu;
  std::string compat;
  Direction direction = Direction::Forward;
  bool strict = false;
  OutputFormat format = OutputFormat::Text;
};

struct PathResult {
  std::string direction;
  const db::RegisterSet *source;
  const db::RegisterSet *dest;
  std::size_t sent = 0;
  runtime::MergeReport report;
};

PathResult checkPath(const char *direction, const db::RegisterSet &source,
                     const db::RegisterSet &dest, const runtime::CompatTable &table,
                     const runtime::MergeOptions &options) {
  auto stream = runtime::outgoing(toLocalRegisters(source), table);
  if (!stream) throw CommandError(kExitBadInput, source.key.toString() + ": " + stream.error());
  PathResult r{direction, &source, &dest, stream->size(), {}};
  r.report = runtime::merge(toLocalRegisters(dest), stream.value(), table, options);
  return r;
}

void indexArray(JsonWriter &json, const char *key, const std::vector<std::uint64_t> &v) {
  json.key(key).beginArray();
  for (std::uint64_t x : v) json.value(JsonWriter::hex(x));
  json.endArray();
}

std::string registerText(const db::Database *names, std::uint64_t index) {
  std::string out = JsonWriter::hex(index);
  if (auto id = RegisterId::fromIndex(index)) {
    out += " " + id->toText();
    if (names != nullptr)
      if (auto n = names->nameOf(id.value())) out += " " + *n;
  }
  return out;
}

bool runQemu(const MigrateCheckOptions &opt) {
  std::shared_ptr<const db::Database> database;
  if (!opt.db.empty() || std::getenv("REGCOMPAT_DB") != nullptr || !installedDefaultDatabase().empty())
    database = loadDatabaseOrThrow(databasePath(opt.db));
  const QemuEnd a = loadQemuEnd(opt.source, opt.source_release, opt.cpu, database);
  const QemuEnd b = loadQemuEnd(opt.dest, opt.dest_release, opt.cpu, database);
  std::vector<QemuPathResult> results;
  if (opt.direction != Direction::Backward) results.push_back(predictQemuPath("forward", a, b, {}));
  if (opt.direction != Direction::Forward) results.push_back(predictQemuPath("backward", b, a, {}));
  bool ok = true;
  for (const auto &r : results) ok = ok && r.prediction.loads;
  if (opt.format == OutputFormat::Json) {
    JsonWriter json;
    json.beginObject().field("schema_version", 1).field("rules", "qemu").field("loads", ok);
    json.key("paths").beginArray();
    for (const auto &r : results) {
      const auto &p = r.prediction;
      json.beginObject()
          .field("direction", r.direction)
          .field("source", r.source->label)
          .field("source_release", r.source->release)
          .field("dest", r.dest->label)
          .field("dest_release", r.dest->release)
          .field("loader", generator::toString(r.loader))
          .field("loads", p.loads)
          .field("failed_check", generator::toString(p.failed))
          .field("incoming_count", p.incoming_count)
          .field("dest_count", p.destination_count);
      indexArray(json, "unknown", p.unknown);
      indexArray(json, "tolerated", p.tolerated);
      indexArray(json, "ignored_tail", p.ignored_tail);
      indexArray(json, "missing", p.missing);
      indexArray(json, "warned", p.warned);
      indexArray(json, "read_back", p.read_back);
      json.field("abort_subsection", p.abort_subsection).field("flag_overwritten", p.flag_overwritten);
      json.field("constness_from", r.dest->constness_from).field("constness_assumed", r.dest->constness_assumed);
      json.key("messages").beginArray();
      for (const auto &m : p.messages) json.value(m);
      json.endArray().endObject();
    }
    json.endArray().endObject();
    std::cout << json.take();
    return ok;
  }
  const db::Database *names = database.get();
  for (const auto &r : results) {
    const auto &p = r.prediction;
    std::cout << r.direction << ": " << r.source->label << " (QEMU " << r.source->release << ") -> " << r.dest->label
              << " (QEMU " << r.dest->release << ", loader " << generator::toString(r.loader) << "): "
              << (p.loads ? "loads" : "FAILS (" + std::string(generator::toString(p.failed)) + ")") << "; "
              << p.incoming_count << " registers sent, " << p.destination_count << " on the destination\n";
    auto list = [&](const char *what, const std::vector<std::uint64_t> &v) {
      if (v.empty()) return;
      std::cout << "  " << what << " (" << v.size() << "):\n";
      for (std::uint64_t x : v) std::cout << "    " << registerText(names, x) << "\n";
    };
    list("unknown to the destination, fails the load", p.unknown);
    list("unknown to the destination, tolerated", p.tolerated);
    list("after the destination's last register, ignored by QEMU", p.ignored_tail);
    list("constants that will not read back", p.read_back);
    list("only on the destination (keep a value the stream did not set)", p.missing);
    if (!p.abort_subsection.empty()) std::cout << "  the destination aborts on subsection " << p.abort_subsection << "\n";
    if (p.flag_overwritten)
      std::cout << "  QEMU names an unknown register as failing but loads anyway: its failure flag is "
                   "overwritten by a later tolerated register\n";
    if (!r.dest->constness_from.empty() && r.dest->constness_assumed)
      std::cout << "  constants of QEMU " << r.dest->release << " assumed from " << r.dest->constness_from << "\n";
    else if (r.dest->constness_from.empty())
      std::cout << "  no source extraction says which registers are constants: read-back not judged\n";
    for (const auto &m : p.messages) std::cout << "  qemu: " << m << "\n";
  }
  return ok;
}

bool run(const MigrateCheckOptions &opt) {
  if (opt.rules == Rules::Qemu) return runQemu(opt);
  auto database = loadDatabaseOrThrow(databasePath(opt.db));
  const auto &a = findSetOrThrow(*database, opt.source);
  const auto &b = findSetOrThrow(*database, opt.dest);
  if (a.key.arch != b.key.arch)
    throw CommandError(kExitUsage, "cannot migrate between " + a.key.toString() + " (" + a.key.arch + ") and " +
                                       b.key.toString() + " (" + b.key.arch +
                                       "): a migration never crosses architectures, so every register would differ");
  runtime::CompatTable table;
  if (!opt.compat.empty()) {
    auto t = toCompatTable(loadCompatFileOrThrow(opt.compat));
    if (!t) throw CommandError(kExitBadInput, opt.compat + ": " + t.error());
    table = std::move(t).value();
  }
  runtime::MergeOptions options;
  options.strict = opt.strict;
  options.name_resolver = [database](std::uint64_t index) -> std::optional<std::string> {
    auto id = RegisterId::fromIndex(index);
    return id ? database->nameOf(id.value()) : std::nullopt;
  };

  std::vector<PathResult> results;
  if (opt.direction != Direction::Backward) results.push_back(checkPath("forward", a, b, table, options));
  if (opt.direction != Direction::Forward) results.push_back(checkPath("backward", b, a, table, options));

  bool ok = true;
  for (const auto &r : results) ok = ok && r.report.ok;
  const std::string machine = table.machineType().empty() ? "(no compat table)" : table.machineType();
  if (opt.format == OutputFormat::Json) {
    JsonWriter json;
    // schema_version 1; machine_type is null without a compat table.
    json.beginObject().field("schema_version", 1).field("loads", ok).key("machine_type");
    if (table.machineType().empty()) json.null();
    else json.value(table.machineType());
    json.key("paths").beginArray();
    for (const auto &r : results) {
      json.beginObject()
          .field("direction", r.direction)
          .field("source", r.source->key.toString())
          .field("dest", r.dest->key.toString())
          .field("sent", r.sent)
          .field("loads", r.report.ok);
      json.key("findings").beginArray();
      for (const auto &f : r.report.findings) {
        json.beginObject()
            .field("severity", runtime::toString(f.severity))
            .field("kind", runtime::toString(f.kind))
            .field("index", JsonWriter::hex(f.index))
            .field("side", runtime::toString(f.side));
        if (auto id = RegisterId::fromIndex(f.index)) {
          json.field("text", id->toText());
          if (auto n = database->nameOf(id.value())) json.field("name", *n);
        }
        if (f.local_value) json.field("local_value", JsonWriter::hex(*f.local_value));
        if (f.incoming_value) json.field("incoming_value", JsonWriter::hex(*f.incoming_value));
        if (f.position) json.field("position", *f.position);
        json.field("message", f.message).endObject();
      }
      json.endArray().endObject();
    }
    json.endArray().endObject();
    std::cout << json.take();
    return ok;
  }
  for (const auto &r : results) {
    std::cout << r.direction << ": " << r.source->key.toString() << " -> " << r.dest->key.toString()
              << " under " << machine << ": " << r.sent << " registers sent\n"
              << runtime::renderReport(r.report);
  }
  return ok;
}

} // namespace

void addMigrateCheckCommand(CLI::App &app, int &exitCode) {
  auto opt = std::make_shared<MigrateCheckOptions>();
  auto *cmd = app.add_subcommand(
      "migrate-check",
      "Would a migration between two register sets load? By default judged as real QEMU "
      "judges it: the destination release's own loader rules (length cap, merge, tolerances, "
      "read-back of constants; docs/qemu-cpreg-migration.md). --rules runtime runs the runtime "
      "library's save and merge under a compat table instead. Exit 0 if every checked "
      "direction loads, 1 (with every offending register named) if not");
  cmd->add_option("--db", opt->db, "Database directory (default: $REGCOMPAT_DB, else an installed regcompat's shipped database)");
  cmd->add_option("--source", opt->source,
                  "Source: a set key component/release/arch/accel/profile, or (QEMU rules) a QEMU "
                  "migration stream file")->required();
  cmd->add_option("--dest", opt->dest, "Destination: a set key, or (QEMU rules) a stream the destination wrote")
      ->required();
  cmd->add_option("--rules", opt->rules,
                  "qemu (default): real QEMU's loader of the destination release; runtime: "
                  "regcompat's runtime merge (for VMMs embedding the runtime library)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, Rules>{{"qemu", Rules::Qemu}, {"runtime", Rules::Runtime}},
                                          CLI::ignore_case));
  cmd->add_option("--source-release", opt->source_release, "QEMU release of the source (needed for a stream)");
  cmd->add_option("--dest-release", opt->dest_release, "QEMU release of the destination (needed for a stream)");
  cmd->add_option("--cpu", opt->cpu,
                  "CPU model, to find which registers are constants in the database when an end is a stream");
  cmd->add_option("--compat", opt->compat, "Compat table file (YAML, database/SCHEMA.md); --rules runtime")
      ->check(CLI::ExistingFile);
  cmd->add_option("--direction", opt->direction,
                  "forward (source to dest), backward (dest to source) or both")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, Direction>{{"forward", Direction::Forward},
                                           {"backward", Direction::Backward},
                                           {"both", Direction::Both}},
          CLI::ignore_case));
  cmd->add_flag("--strict", opt->strict,
                "A register the destination has and the stream lacks is an error");
  addFormatOption(*cmd, opt->format);
  cmd->footer(kExitCodeHelp);
  cmd->callback([opt, &exitCode] {
    if (opt->rules == Rules::Qemu && !opt->compat.empty())
      throw CommandError(kExitUsage, "--compat is a runtime compat table: use it with --rules runtime");
    exitCode = run(*opt) ? kExitOk : kExitNo;
  });
}

} // namespace regcompat::cli
