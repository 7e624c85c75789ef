#include "regcompat/pipeline/vm_migration_run.h"

#include <chrono>
#include <sstream>
#include <thread>

#include "regcompat/probe/child_process.h"
#include "qmp_client.h"
#include "regcompat/db/file_text.h"
#include "regcompat/json_writer.h"

namespace regcompat::pipeline {

using probe::ChildProcess;
namespace fs = std::filesystem;

namespace {

struct Platform {
  std::string release, kernel;
  std::string label() const { return release + "/" + kernel; }
};

// Consoles and logs; a missing one reads as empty.
std::string readText(const fs::path &path) { return db::readWholeFile(path).value_or(""); }

std::vector<std::string> errorLines(const fs::path &stderr_file) {
  std::vector<std::string> out;
  std::istringstream in(readText(stderr_file));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

class VmStage {
 public:
  explicit VmStage(const VmRunOptions &o) : o_(o) {}

  std::vector<std::string> regvmArgs(const Platform &p, bool with_table, const fs::path &console) const {
    std::vector<std::string> a = {o_.regvm.string(), "--arch", o_.arch, "--accel", o_.accel,
                                  "--machine", o_.machine, "--cpu", o_.cpu,
                                  "--release", p.release, "--kernel", p.kernel,
                                  "--image", o_.image.string(), "--console", console.string()};
    if (!with_table) a.push_back("--no-compat-table");
    return a;
  }

  // The guest's output when nobody migrates it: what every migrated run
  // must reproduce, split between the two sides.
  Result<std::string> reference(const Platform &p) {
    const fs::path dir = o_.work_dir / "reference";
    fs::create_directories(dir);
    auto vm = ChildProcess::start(regvmArgs(p, true, dir / "console"), dir / "stdout", dir / "stderr");
    if (!vm) return fail("cannot start regvm: " + vm.error());
    auto status = vm.value().wait(o_.timeout_seconds);
    if (!status) return fail("the unmigrated reference run did not finish in " + std::to_string(o_.timeout_seconds) + " s");
    if (*status != 0)
      return fail("the unmigrated reference run on " + p.label() + " exited with " + std::to_string(*status) +
                  ": " + readText(dir / "stderr"));
    return readText(dir / "console");
  }

  MigrationAttempt attempt(const std::string &direction, const Platform &from, const Platform &to,
                           bool with_table, const std::string &reference_console) {
    MigrationAttempt a;
    a.direction = direction;
    a.with_table = with_table;
    a.from = from.label();
    a.to = to.label();
    const fs::path dir = o_.work_dir / (direction + (with_table ? "-table" : "-no-table"));
    fs::create_directories(dir);
    for (const char *f : {"migration.sock", "control.sock"}) fs::remove(dir / f);
    std::vector<std::string> dst_args = regvmArgs(to, with_table, dir / "destination.console");
    dst_args.insert(dst_args.end(), {"--incoming", "unix:" + (dir / "migration.sock").string()});
    std::vector<std::string> src_args = regvmArgs(from, with_table, dir / "source.console");
    src_args.insert(src_args.end(), {"--qmp", "unix:" + (dir / "control.sock").string()});

    auto dst = ChildProcess::start(dst_args, dir / "destination.stdout", dir / "destination.stderr");
    if (!dst) { a.problem = "cannot start the destination: " + dst.error(); return a; }
    auto src = ChildProcess::start(src_args, dir / "source.stdout", dir / "source.stderr");
    if (!src) { a.problem = "cannot start the source: " + src.error(); return a; }
    auto qmp = QmpClient::connect(dir / "control.sock", 30);
    if (!qmp) { a.problem = "source: " + qmp.error(); return a; }
    std::this_thread::sleep_for(std::chrono::duration<double>(o_.migrate_after_seconds));
    auto started = qmp.value().execute("migrate", "{\"uri\": \"unix:" + (dir / "migration.sock").string() + "\"}");
    if (!started) { a.problem = "source: " + started.error(); return a; }

    std::string status;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o_.timeout_seconds);
    while (status != "completed" && status != "failed") {
      if (std::chrono::steady_clock::now() > deadline) { a.problem = "migration did not end in time"; return a; }
      auto info = qmp.value().execute("query-migrate");
      if (!info) {
        // The guest may have finished on the source and regvm exited.
        if (!src.value().running()) break;
        a.problem = "source: " + info.error();
        return a;
      }
      const json::Value *s = info->find("status");
      status = s && s->isString() ? s->asString() : "";
      a.migration_info = status;
      if (const json::Value *e = info->find("error-desc"); e && e->isString())
        a.migration_info += ": " + e->asString();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    if (status == "completed") {
      a.status = "loads";
      (void)qmp.value().execute("quit");
      auto dst_exit = dst.value().wait(o_.timeout_seconds);
      src.value().wait(30);
      a.finished_on = "destination";
      a.guest_finished = dst_exit && *dst_exit == 0;
      if (!dst_exit) a.problem = "the destination did not finish the guest in time";
      else if (*dst_exit != 0) a.problem = "the destination exited with " + std::to_string(*dst_exit);
      a.errors = errorLines(dir / "destination.stderr");
    } else {
      a.status = "fails";
      auto dst_exit = dst.value().wait(30);
      a.errors = errorLines(dir / "destination.stderr");
      if (!dst_exit) a.problem = "the destination kept running after a failed migration";
      else if (*dst_exit == 0) a.problem = "the destination exited 0 after a failed migration";
      // The source resumes by itself and finishes the guest.
      auto src_exit = src.value().wait(o_.timeout_seconds);
      a.finished_on = "source (resumed)";
      a.guest_finished = src_exit && *src_exit == 0;
      if (!a.guest_finished && a.problem.empty())
        a.problem = "the source did not finish the guest after the failed migration";
    }
    const std::string console = readText(dir / "source.console") + readText(dir / "destination.console");
    a.console_matches = console == reference_console;
    if (a.guest_finished && !a.console_matches && a.problem.empty())
      a.problem = "the guest's console output differs from the unmigrated run (see " + dir.string() + ")";
    if (with_table && a.status != "loads" && a.problem.empty())
      a.problem = "the migration fails although the machine type's compat table is applied";
    return a;
  }

 private:
  const VmRunOptions &o_;
};

} // namespace

Result<VmRunResult> runVmMigrations(const VmRunOptions &options) {
  std::error_code ec;
  fs::create_directories(options.work_dir, ec);
  if (ec) return fail("cannot create " + options.work_dir.string() + ": " + ec.message());
  VmStage stage(options);
  const Platform source{options.source_release, options.source_kernel};
  const Platform dest{options.dest_release, options.dest_kernel};
  auto say = [&options](const std::string &line) {
    if (options.progress) options.progress(line);
  };
  say("reference run (no migration) on " + source.label());
  auto reference = stage.reference(source);
  if (!reference) return fail(reference.error());
  VmRunResult result;
  result.reference_console = reference.value();
  for (bool with_table : {false, true}) {
    for (const bool forward : {true, false}) {
      const std::string direction = forward ? "forward" : "backward";
      const Platform &from = forward ? source : dest;
      const Platform &to = forward ? dest : source;
      const std::string what = direction + (with_table ? " with the table: " : " without a table: ") + from.label() +
                               " -> " + to.label();
      say(what + " ...");
      result.attempts.push_back(stage.attempt(direction, from, to, with_table, result.reference_console));
      say(what + ": " + result.attempts.back().status);
    }
  }
  result.ok = true;
  for (const auto &a : result.attempts) result.ok = result.ok && a.problem.empty();
  return result;
}

std::string toJson(const VmRunOptions &o, const VmRunResult &r) {
  JsonWriter json;
  json.beginObject()
      .field("arch", o.arch).field("accel", o.accel).field("machine", o.machine).field("cpu", o.cpu)
      .field("source", o.source_release + "/" + o.source_kernel)
      .field("destination", o.dest_release + "/" + o.dest_kernel)
      .field("ok", r.ok);
  json.key("attempts").beginArray();
  for (const auto &a : r.attempts) {
    json.beginObject()
        .field("direction", a.direction).field("with_table", a.with_table)
        .field("from", a.from).field("to", a.to).field("status", a.status)
        .field("guest_finished", a.guest_finished).field("finished_on", a.finished_on)
        .field("console_matches", a.console_matches).field("migration", a.migration_info);
    if (!a.problem.empty()) json.field("problem", a.problem);
    json.key("errors").beginArray();
    for (const auto &e : a.errors) json.value(e);
    json.endArray().endObject();
  }
  json.endArray().endObject();
  return json.take();
}

} // namespace regcompat::pipeline
