// `regcompat probe qemu`: register sets from a real QEMU binary. For each
// machine type and CPU model the binary starts paused, writes its state to a
// file through its own monitor (`migrate "exec:cat > FILE"`), and the stream
// reader lists the CPU registers with their values. The set key carries the
// machine type (profile CPU@MACHINE, e.g. qemu/11.1.3/arm64/tcg/max@virt-10.0),
// because one binary presents different values under different machine types
// (the machine's compat properties); the provenance names the binary, its
// package version and the command.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "command.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/json_writer.h"
#include "regcompat/probe/db_store.h"
#include "regcompat/probe/migration_stream.h"
#include "regcompat/probe/probe_sets.h"
#include "regcompat/probe/qemu_stream_saver.h"

namespace regcompat::cli {
namespace {

namespace fs = std::filesystem;

struct ProbeQemuOptions {
  std::string qemu, release, package_version, db, streams_dir;
  std::vector<std::string> machines, cpus;
  unsigned timeout = 120;
  OutputFormat format = OutputFormat::Text;
};

// Runs the binary paused and has it write its state to `out`
// (probe::saveQemuStream). Returns the command line it ran (the provenance).
std::string writeStream(const ProbeQemuOptions &opt, const std::string &machine, const std::string &cpu,
                        const fs::path &out) {
  auto args = probe::saveQemuStream({opt.qemu, machine, cpu, "16M", opt.timeout}, out);
  if (!args) throw CommandError(kExitBadInput, args.error());
  return "qemu-system-aarch64" + (opt.package_version.empty() ? "" : " " + opt.package_version) + *args;
}

void run(const ProbeQemuOptions &opt) {
  if (auto bad = db::checkVersion(opt.release)) throw CommandError(kExitUsage, "--release '" + opt.release + "': " + *bad);
  for (const auto &m : opt.machines)
    if (auto bad = db::checkMachineType(m)) throw CommandError(kExitUsage, "--machine '" + m + "': " + *bad);
  for (const auto &c : opt.cpus)
    if (auto bad = db::checkProfile(c); bad || c.find('@') != std::string::npos)
      throw CommandError(kExitUsage, "--cpu '" + c + "': " + (bad ? *bad : "a CPU model has no '@'"));
  if (access(opt.qemu.c_str(), X_OK) != 0) throw CommandError(kExitUsage, "--qemu " + opt.qemu + ": not an executable");

  fs::path dir = opt.streams_dir;
  std::string tmp_dir;
  if (dir.empty()) {
    char tmpl[] = "/tmp/regcompat-probe-qemu-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw CommandError(kExitInternal, "cannot create a temporary directory");
    tmp_dir = dir = tmpl;
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw CommandError(kExitBadInput, "--streams-dir " + dir.string() + ": " + ec.message());
  }
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code ec;
      if (!path.empty()) fs::remove_all(path, ec);
    }
  } remove_dir{tmp_dir};

  probe::StoreRequest request;
  request.release = db::Release{"qemu", opt.release, std::nullopt, std::nullopt,
                                "probed from the real qemu-system-aarch64" +
                                    (opt.package_version.empty() ? std::string() : " " + opt.package_version) +
                                    " (regcompat probe qemu)"};
  JsonWriter json;
  json.beginObject().field("schema_version", 1).field("qemu", opt.qemu).field("release", opt.release)
      .field("package_version", opt.package_version);
  json.key("sets").beginArray();
  std::size_t n = 0, total = opt.machines.size() * opt.cpus.size();
  for (const auto &machine : opt.machines) {
    for (const auto &cpu : opt.cpus) {
      ++n;
      std::cerr << "probe qemu: [" << n << "/" << total << "] -M " << machine << " -cpu " << cpu << "\n";
      const fs::path file = dir / (opt.release + "_" + machine + "_" + cpu + ".qevm");
      const std::string command = writeStream(opt, machine, cpu, file);
      auto stream = probe::readMigrationStreamFile(file.string());
      if (!stream) throw CommandError(kExitBadInput, stream.error());
      if (stream->cpus.empty()) throw CommandError(kExitBadInput, file.string() + ": no Arm CPU section");
      if (stream->machine_type != machine)
        throw CommandError(kExitBadInput, file.string() + ": the stream says machine " + stream->machine_type +
                                              ", asked for " + machine);
      const db::SetKey key{"qemu", opt.release, "arm64", "tcg", cpu + "@" + machine};
      auto probed = probe::streamRegisterSet(stream->cpus.front(), key, command);
      if (!probed) throw CommandError(kExitBadInput, probed.error());
      db::RegisterSet set = std::move(probed).value();
      // Provenance: the binary's package version and the arguments that
      // matter (comma-separated: a probe's detail holds no space).
      const std::string where = "qemu:" + (opt.package_version.empty() ? opt.qemu : opt.package_version) +
                                ",-M," + machine + ",-cpu," + cpu;
      for (auto &e : set.registers) e.provenance.where = where;
      set.description = "QEMU " + opt.release + " -M " + machine + " -cpu " + cpu + " under TCG, from the real binary" +
                         (opt.package_version.empty() ? "" : " (package " + opt.package_version + ")");
      json.beginObject().field("set", key.toString()).field("machine_type", machine).field("cpu", cpu)
          .field("count", set.registers.size()).field("command", command).endObject();
      if (opt.format == OutputFormat::Text)
        std::cout << key.toString() << ": " << set.registers.size() << " registers (" << command << ")\n";
      request.sets.push_back(std::move(set));
    }
  }
  json.endArray();
  if (!opt.db.empty()) {
    auto stored = probe::storeInDatabase(opt.db, std::move(request));
    if (!stored) throw CommandError(kExitBadInput, stored.error());
    json.field("database", opt.db).field("sets_written", stored->sets_written.size());
    if (opt.format == OutputFormat::Text)
      std::cout << "stored " << stored->sets_written.size() << " set(s) in " << opt.db << "\n";
  }
  json.endObject();
  if (opt.format == OutputFormat::Json) std::cout << json.take();
}

}  // namespace

void addProbeQemuCommand(CLI::App &probe, int &exitCode) {
  auto opt = std::make_shared<ProbeQemuOptions>();
  CLI::App *cmd = probe.add_subcommand(
      "qemu", "Register sets from a real qemu-system-aarch64: per machine type and CPU model, the CPU "
              "registers its paused state carries, stored with --db as qemu/RELEASE/arm64/tcg/CPU@MACHINE");
  cmd->add_option("--qemu", opt->qemu, "The qemu-system-aarch64 to run (a release/qemu-peers launcher)")->required();
  cmd->add_option("--release", opt->release, "Its QEMU release, e.g. 11.1.3")->required();
  cmd->add_option("--package-version", opt->package_version, "Its Debian package version, for the provenance");
  cmd->add_option("--machine", opt->machines, "Machine type(s), e.g. virt-10.0")->required();
  cmd->add_option("--cpu", opt->cpus, "CPU model(s), e.g. max")->required();
  cmd->add_option("--db", opt->db, "Database directory to store the sets in (created when missing)");
  cmd->add_option("--streams-dir", opt->streams_dir, "Keep the streams here (default: a temporary directory)");
  cmd->add_option("--timeout", opt->timeout, "Seconds each QEMU run may take (default 120)");
  addFormatOption(*cmd, opt->format);
  cmd->footer(kExitCodeHelp);
  cmd->callback([opt, &exitCode] {
    run(*opt);
    exitCode = kExitOk;
  });
}

}  // namespace regcompat::cli
