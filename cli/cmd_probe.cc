// `regcompat probe stream|kvm`: register lists seen live -- in a real QEMU
// migration stream, or reported by this host's KVM -- printed, and with --db
// stored as register sets (extractor/probe).
#include <filesystem>
#include <iostream>
#include <memory>
#include <system_error>

#include "command.h"
#include "database_loader.h"
#include "render.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/json_writer.h"
#include "regcompat/probe/db_store.h"
#include "regcompat/probe/kvm_probe.h"
#include "regcompat/probe/migration_stream.h"
#include "regcompat/probe/probe_sets.h"

namespace regcompat::cli {
namespace {

namespace fs = std::filesystem;

// The database whose catalogue names the registers printed: DIR when it
// holds one, else an empty one (kernel ABI names only).
std::shared_ptr<const db::Database> namingDatabase(const std::string &dir) {
  std::error_code ec;
  if (!dir.empty() && fs::exists(fs::path(dir) / "regcompat-db.yaml", ec)) return loadDatabaseOrThrow(dir);
  return std::make_shared<const db::Database>();
}

// Stores the sets (when --db is given) and prints what was written.
probe::StoreReport store(const std::string &dir, probe::StoreRequest request) {
  auto stored = probe::storeInDatabase(dir, std::move(request));
  if (!stored) throw CommandError(kExitBadInput, stored.error());
  for (const std::string &c : stored->name_conflicts) std::cerr << "regcompat: warning: " << c << "\n";
  return stored.value();
}

void storeJson(JsonWriter &json, const std::string &dir, const probe::StoreReport *report) {
  json.key("database");
  if (report == nullptr) {
    json.null();
    return;
  }
  json.beginObject().field("dir", dir).field("created", report->database_created)
      .field("release_added", report->release_added);
  json.key("sets_written").beginArray();
  for (const auto &k : report->sets_written) json.value(k);
  json.endArray().field("catalogue_added", report->catalogue_added);
  json.key("name_conflicts").beginArray();
  for (const auto &c : report->name_conflicts) json.value(c);
  json.endArray().endObject();
}

void storeText(const std::string &dir, const probe::StoreReport *report) {
  if (report == nullptr) return;
  std::cout << (report->database_created ? "created " : "updated ") << dir << ":";
  for (const auto &k : report->sets_written) std::cout << " " << k;
  std::cout << " (" << report->catalogue_added << " catalogue entries added)\n";
}

// --- probe stream ---------------------------------------------------------------
struct StreamOptions {
  std::string file, release, cpu, db;
  unsigned cpu_index = 0;
  OutputFormat format = OutputFormat::Text;
};

void runStream(const StreamOptions &opt) {
  if (auto bad = db::checkVersion(opt.release)) throw CommandError(kExitUsage, "--release '" + opt.release + "': " + *bad);
  if (auto bad = db::checkProfile(opt.cpu)) throw CommandError(kExitUsage, "--cpu '" + opt.cpu + "': " + *bad);
  auto stream = probe::readMigrationStreamFile(opt.file);
  if (!stream) throw CommandError(kExitBadInput, stream.error());
  if (stream->cpus.empty())
    throw CommandError(kExitBadInput, opt.file + ": the stream has no Arm CPU section (\"cpu\" with a "
                                                 "cpreg list); is it an aarch64 guest's stream?");
  if (opt.cpu_index >= stream->cpus.size())
    throw CommandError(kExitUsage, "--cpu-index " + std::to_string(opt.cpu_index) + ": the stream has " +
                                       std::to_string(stream->cpus.size()) + " CPU(s)");
  const probe::StreamCpu &cpu = stream->cpus[opt.cpu_index];
  for (const std::string &p : probe::checkRegisterList(cpu)) std::cerr << "regcompat: warning: " << opt.file << ": " << p << "\n";
  const db::SetKey key{"qemu", opt.release, "arm64", "tcg", opt.cpu};
  auto set = probe::streamRegisterSet(cpu, key, opt.file);
  if (!set) throw CommandError(kExitBadInput, set.error());

  auto names = namingDatabase(opt.db);
  std::optional<probe::StoreReport> report;
  if (!opt.db.empty()) {
    probe::StoreRequest request;
    request.release = db::Release{"qemu", opt.release, std::nullopt, std::nullopt, ""};
    request.sets.push_back(set.value());
    report = store(opt.db, std::move(request));
  }
  if (opt.format == OutputFormat::Json) {
    JsonWriter json;
    json.beginObject().field("file", opt.file).field("machine_type", stream->machine_type)
        .field("cpus", stream->cpus.size()).field("cpu_index", opt.cpu_index)
        .field("section_version", cpu.section_version)
        .field("list_offset", JsonWriter::hex(cpu.list_offset))
        .field("set", key.toString()).field("count", set->registers.size());
    json.key("registers").beginArray();
    for (const auto &e : set->registers) entryJson(json, *names, e);
    json.endArray();
    storeJson(json, opt.db, report ? &*report : nullptr);
    json.endObject();
    std::cout << json.take();
    return;
  }
  std::cout << opt.file << ": QEMU migration stream, machine " << stream->machine_type << ", "
            << stream->cpus.size() << " CPU(s)\n"
            << "cpu " << opt.cpu_index << " (cpu section version " << cpu.section_version << ", list at offset "
            << JsonWriter::hex(cpu.list_offset) << "): " << set->registers.size() << " registers as "
            << key.toString() << "\n";
  for (const auto &e : set->registers) std::cout << "  " << entryLine(*names, e) << "\n";
  storeText(opt.db, report ? &*report : nullptr);
}

// --- probe kvm --------------------------------------------------------------------
struct KvmOptions {
  std::string db;
  std::string device = "/dev/kvm";
  OutputFormat format = OutputFormat::Text;
};

std::vector<db::RegisterSet> probeHost(const KvmOptions &opt, std::string &summary) {
  const probe::HostInfo host = probe::readHostInfo();
  if (host.machine == "x86_64") {
    probe::KvmX86Options o;
    o.device = opt.device;
    auto p = probe::probeKvmX86(o);
    if (!p) throw CommandError(kExitBadInput, "KVM probe failed: " + p.error());
    summary = "KVM_GET_MSR_INDEX_LIST " + std::to_string(p->indexListSize()) + ", KVM_GET_MSR_FEATURE_INDEX_LIST " +
              std::to_string(p->featureListSize()) + ", accepted by a vCPU " + std::to_string(p->vcpuAccepted());
    return probe::kvmX86RegisterSets(*p);
  }
  if (host.machine == "aarch64") {
    probe::KvmArm64Options o;
    o.device = opt.device;
    auto p = probe::probeKvmArm64(o);
    if (!p) throw CommandError(kExitBadInput, "KVM probe failed: " + p.error());
    auto set = probe::kvmArm64RegisterSet(*p);
    if (!set) throw CommandError(kExitBadInput, set.error());
    summary = "KVM_GET_REG_LIST " + std::to_string(p->registers.size());
    return {set.value()};
  }
  throw CommandError(kExitBadInput, "no KVM probe for this machine (" + host.machine + ")");
}

void runKvm(const KvmOptions &opt) {
  const probe::HostInfo host = probe::readHostInfo();
  if (auto bad = db::checkVersion(host.kernel_release))
    throw CommandError(kExitInternal, "uname -r '" + host.kernel_release + "' is not a usable release: " + *bad);
  std::string summary;
  std::vector<db::RegisterSet> sets = probeHost(opt, summary);
  auto names = namingDatabase(opt.db);
  std::optional<probe::StoreReport> report;
  if (!opt.db.empty()) {
    probe::StoreRequest request;
    request.release = db::Release{"linux", host.kernel_release, std::nullopt, std::nullopt,
                                  "probed on " + probe::describeHost(host)};
    request.sets = sets;
    report = store(opt.db, std::move(request));
  }
  if (opt.format == OutputFormat::Json) {
    JsonWriter json;
    json.beginObject().field("kernel", host.kernel_release).field("machine", host.machine)
        .field("host", probe::describeHost(host)).field("profile", host.profile()).field("summary", summary);
    json.key("sets").beginArray();
    for (const auto &s : sets) {
      json.beginObject().field("set", s.key.toString()).field("description", s.description)
          .field("count", s.registers.size());
      json.key("registers").beginArray();
      for (const auto &e : s.registers) entryJson(json, *names, e);
      json.endArray().endObject();
    }
    json.endArray();
    storeJson(json, opt.db, report ? &*report : nullptr);
    json.endObject();
    std::cout << json.take();
    return;
  }
  std::cout << "host: " << probe::describeHost(host) << "\nhost key: linux/" << host.kernel_release << "/"
            << (host.machine == "aarch64" ? "arm64" : host.machine) << "/kvm/" << host.profile() << "\n"
            << summary << "\n";
  for (const auto &s : sets) {
    std::cout << s.key.toString() << ": " << s.registers.size() << " registers (" << s.description << ")\n";
    for (const auto &e : s.registers) std::cout << "  " << entryLine(*names, e) << "\n";
  }
  storeText(opt.db, report ? &*report : nullptr);
}

}  // namespace

void addProbeCommands(CLI::App &app, int &exitCode) {
  CLI::App *probeCmd = app.add_subcommand("probe", "Register lists seen live: a QEMU migration stream, this host's KVM");
  probeCmd->require_subcommand(1);
  probeCmd->footer(kExitCodeHelp);

  auto sopt = std::make_shared<StreamOptions>();
  CLI::App *stream = probeCmd->add_subcommand(
      "stream", "List the CPU registers (index, decoded form, name, value) a QEMU migration stream carries; "
                "with --db store them as qemu/RELEASE/arm64/tcg/CPU");
  stream->add_option("file", sopt->file, "Migration stream (QEMU's `migrate \"exec:cat > FILE\"`)")->required();
  stream->add_option("--release", sopt->release, "QEMU release that wrote the stream, e.g. 7.2")->required();
  stream->add_option("--cpu", sopt->cpu, "CPU model of the guest, e.g. cortex-a57")->required();
  stream->add_option("--cpu-index", sopt->cpu_index, "Which CPU section of the stream (default 0)");
  stream->add_option("--db", sopt->db, "Database directory to store the set in (created when missing)");
  addFormatOption(*stream, sopt->format);
  stream->callback([sopt, &exitCode] {
    runStream(*sopt);
    exitCode = kExitOk;
  });

  auto kopt = std::make_shared<KvmOptions>();
  CLI::App *kvm = probeCmd->add_subcommand(
      "kvm", "Probe this host's KVM (x86: MSR index and feature lists; arm64: KVM_GET_REG_LIST); with --db "
             "store the sets under release linux/$(uname -r)");
  kvm->add_option("--db", kopt->db, "Database directory to store the sets in (created when missing)");
  kvm->add_option("--device", kopt->device, "KVM device (default /dev/kvm)");
  addFormatOption(*kvm, kopt->format);
  kvm->callback([kopt, &exitCode] {
    runKvm(*kopt);
    exitCode = kExitOk;
  });
  addProbeQemuCommand(*probeCmd, exitCode);
}

}  // namespace regcompat::cli
