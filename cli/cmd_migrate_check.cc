// `regcompat migrate-check`: would a migration between two register sets
// load, under a machine type's compat table? Runs the runtime library's own
// save and merge, the code a VMM runs, on the database's register sets.
#include <iostream>

#include "command.h"
#include "database_loader.h"
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

struct MigrateCheckOptions {
  std::string db;
  std::string source, dest;
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

bool run(const MigrateCheckOptions &opt) {
  auto database = loadDatabaseOrThrow(databasePath(opt.db));
  const auto &a = findSetOrThrow(*database, opt.source);
  const auto &b = findSetOrThrow(*database, opt.dest);
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
    json.beginObject().field("loads", ok).field("machine_type", machine);
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
      "Would a migration between two register sets load? Runs the runtime library's save and "
      "merge under a compat table; exit 0 if every checked direction loads, 1 (with every "
      "offending register named) if not");
  cmd->add_option("--db", opt->db, "Database directory (default: $REGCOMPAT_DB)");
  cmd->add_option("--source", opt->source, "Source set key component/release/arch/accel/profile")->required();
  cmd->add_option("--dest", opt->dest, "Destination set key")->required();
  cmd->add_option("--compat", opt->compat, "Compat table file (YAML, database/SCHEMA.md)")
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
  cmd->callback([opt, &exitCode] { exitCode = run(*opt) ? kExitOk : kExitNo; });
}

} // namespace regcompat::cli
