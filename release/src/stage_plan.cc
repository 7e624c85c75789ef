#include "regcompat/pipeline/stage_plan.h"

#include "regcompat/db/diagnostic_sink.h"
#include "regcompat/db/file_text.h"
#include "regcompat/db/yaml_document.h"

#include <fcntl.h>
#include <algorithm>
#include <unistd.h>

namespace regcompat::pipeline {
namespace fs = std::filesystem;

namespace {

bool kvmUsable() {
  const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

class Planner {
 public:
  Planner(const PipelineConfig &config, const PlanOptions &options) : c_(config), o_(options) {}

  Plan plan() {
    if (o_.refresh) refreshStages();
    probeStage();
    databaseStage();
    for (const auto &policy : c_.policies) policyStages(policy);
    realQemuStages();
    vmStages();
    return std::move(plan_);
  }

 private:
  std::string tool() const { return o_.regcompat.string(); }
  fs::path out(const fs::path &relative) const { return o_.out_dir / relative; }

  void refreshStages() {
    for (const SourceRelease &s : c_.sources) {
      const std::string tag = s.component + ":" + s.version;
      const fs::path tree = o_.source_cache / (s.component + "-" + s.version);
      Stage fetch;
      fetch.id = "fetch:" + tag;
      fetch.title = "fetch " + s.component + " " + s.version + " from Debian's archive";
      fetch.argv = {o_.fetch_sources.string(), s.component, s.version};
      fetch.output_dirs = {tree};
      fetch.exclusive = true;  // apt-get source: one at a time
      plan_.stages.push_back(fetch);
      if (s.component == "qemu") {
        Stage ex;
        ex.id = "extract:" + tag;
        ex.title = "extract qemu " + s.version + " (libTooling)";
        ex.inputs = {tree};
        ex.after = {fetch.id};
        const fs::path db = out("extracted") / ("qemu-" + s.version);
        ex.argv = {tool(), "extract", "qemu", "--source", tree.string(), "--release", s.version,
                   "--db", db.string(), "-j", std::to_string(o_.jobs)};
        ex.output_dirs = {db};
        ex.exclusive = true;  // uses every core itself
        extracted_.push_back(db);
        plan_.stages.push_back(ex);
      }
      for (const std::string &arch : s.arches) {
        Stage ex;
        ex.id = "extract:" + tag + ":" + arch;
        ex.title = "extract linux " + s.version + " " + arch;
        ex.inputs = {tree};
        ex.after = {fetch.id};
        const fs::path db = out("extracted") / ("linux-" + s.version + "-" + arch);
        ex.argv = {tool(), "extract", "linux", "--source", tree.string(), "--release", s.version,
                   "--arch", arch, "--db", db.string()};
        ex.output_dirs = {db};
        extracted_.push_back(db);
        plan_.stages.push_back(ex);
      }
    }
  }

  void probeStage() {
    if (!c_.probe_kvm) return;
    if (!o_.probe) {
      plan_.notes.push_back("probe:kvm left out (--no-probe)");
      return;
    }
    if (!kvmUsable()) {
      plan_.notes.push_back("probe:kvm left out: /dev/kvm cannot be opened on this host");
      return;
    }
    Stage probe;
    probe.id = "probe:kvm";
    probe.title = "probe this host's KVM";
    const fs::path db = out("probe");
    // The host kernel release decides what the probe sees.
    probe.inputs = {"/proc/sys/kernel/osrelease"};
    probe.argv = {tool(), "probe", "kvm", "--db", db.string()};
    probe.output_dirs = {db};
    extracted_.push_back(db);
    plan_.stages.push_back(probe);
  }

  // With --refresh (it needs Debian's archive): the real qemu-system-aarch64
  // of each Debian suite the file names, then the real matrix: every load
  // between them, compared with regcompat's prediction (release/PIPELINE.md).
  void realQemuStages() {
    if (c_.qemu_peers.empty()) return;
    if (!o_.refresh) {
      plan_.notes.push_back("qemu-peers and real-qemu-matrix left out: they need Debian's archive (--refresh)");
      return;
    }
    if (o_.qemu_peers.empty() || o_.real_qemu_matrix.empty()) {
      plan_.notes.push_back("qemu-peers and real-qemu-matrix left out: release/qemu-peers or "
                            "release/real-qemu-matrix not found");
      return;
    }
    Stage peers;
    peers.id = "qemu-peers";
    peers.title = "provision Debian's real QEMU binaries (release/qemu-peers)";
    peers.argv = {o_.qemu_peers.string()};
    for (const QemuPeer &p : c_.qemu_peers) peers.argv.push_back(p.suite + "=" + p.release);
    peers.exclusive = true;  // debootstrap: one at a time
    plan_.stages.push_back(peers);

    Stage matrix;
    matrix.id = "real-qemu-matrix";
    matrix.title = "load every stream on the real QEMU binaries, compare with the prediction";
    matrix.inputs = {out("database")};
    matrix.after = {"qemu-peers", "database"};
    const fs::path dir = out("real-qemu");
    matrix.argv = {o_.real_qemu_matrix.string(), "--regcompat", tool(), "--db", out("database").string(),
                   "--jobs", std::to_string(o_.jobs), "--json", (dir / "matrix.json").string(),
                   "--markdown", (dir / "matrix.md").string()};
    for (const QemuPeer &p : c_.qemu_peers) {
      matrix.argv.push_back("--peer");
      matrix.argv.push_back(p.suite + "=" + p.release);
    }
    // The gate's QEMU verdict on each arm64 policy, held against the same loads.
    for (const fs::path &policy : c_.policies) {
      if (architectureOf(policy) != "arm64") continue;
      matrix.inputs.push_back(policy);
      matrix.argv.push_back("--gate-policy");
      matrix.argv.push_back(policy.string());
    }
    matrix.outputs = {dir / "matrix.json", dir / "matrix.md"};
    matrix.exclusive = true;  // runs its own parallel loads
    plan_.stages.push_back(matrix);
  }

  void databaseStage() {
    Stage db;
    db.id = "database";
    db.title = "update the database (shipped + extracted + probe)";
    db.inputs = {c_.database};
    db.argv = {tool(), "db", "merge", "--into", out("database").string(), c_.database.string()};
    for (const auto &stage : plan_.stages)
      if (stage.id.rfind("extract:", 0) == 0 || stage.id == "probe:kvm") db.after.push_back(stage.id);
    for (const auto &dir : extracted_) {
      db.inputs.push_back(dir);
      db.argv.push_back(dir.string());
    }
    db.output_dirs = {out("database")};
    db.exclusive = true;
    plan_.stages.push_back(db);
  }

  // The policy's `architecture:` (arm64 when it cannot be read here: the
  // generate stage then reports the policy's own errors).
  static std::string architectureOf(const fs::path &policy) {
    const auto text = db::readWholeFile(policy);
    if (!text) return "arm64";
    db::DiagnosticList list;
    db::FileDiagnostics diagnostics(list, policy.string());
    const auto doc = db::yaml::parseDocument(*text, diagnostics);
    if (!doc) return "arm64";
    for (const auto &e : doc->entries)
      if (e.key.text == "architecture" && e.value.kind == db::yaml::Node::Kind::Scalar) return e.value.text;
    return "arm64";
  }

  void policyStages(const fs::path &policy) {
    const std::string name = policy.stem().string();
    const fs::path gen_dir = out("generated") / name;
    Stage gen;
    gen.id = "generate:" + name;
    gen.title = "generate compat tables for " + name;
    gen.inputs = {out("database"), policy};
    gen.after = {"database"};
    gen.argv = {tool(), "gen", "--db", out("database").string(), "--policy", policy.string(),
                "--cpp-header", (gen_dir / "compat_tables.h").string(),
                "--c-header", (gen_dir / "compat_tables_c.h").string(),
                "--json", (gen_dir / "report.json").string(),
                "--compat-dir", (gen_dir / "compat").string()};
    // QEMU's cpreg migration tolerances exist for Arm CPUs only.
    if (architectureOf(policy) == "arm64") {
      gen.argv.push_back("--qemu");
      gen.argv.push_back((gen_dir / "qemu_tolerances.inc").string());
    }
    gen.outputs = {gen_dir / "compat_tables.h", gen_dir / "report.json"};
    gen.output_dirs = {gen_dir / "compat"};
    plan_.stages.push_back(gen);

    Stage gate;
    gate.id = "gate:" + name;
    gate.title = "release gate for " + name + " under the generated tables";
    gate.inputs = {out("database"), policy, gen_dir / "compat"};
    gate.after = {gen.id};
    gate.argv = {tool(), "check", "--db", out("database").string(), "--policy", policy.string(),
                 "--compat", (gen_dir / "compat").string(), "--format", "json"};
    gate.stdout_file = out("gate") / (name + ".json");
    plan_.stages.push_back(gate);

    // What real QEMU's loader of each destination release says of the same
    // migrations (loads as is / under its own tolerances / with the generated
    // ones / inexpressible). Reported, not gating: the policy's promise
    // between QEMU releases may be one QEMU cannot keep, which this names.
    if (architectureOf(policy) == "arm64") {
      Stage qemu;
      qemu.id = "qemu-verdict:" + name;
      qemu.title = "real QEMU's verdict for " + name;
      qemu.inputs = {out("database"), policy};
      qemu.after = {"database"};
      qemu.argv = {tool(), "check", "--db", out("database").string(), "--policy", policy.string(),
                   "--rules", "qemu", "--format", "json"};
      qemu.stdout_file = out("gate") / (name + ".qemu.json");
      qemu.ok_exit_codes = {4, 12};
      plan_.stages.push_back(qemu);
    }

    Stage report;
    report.id = "report:" + name;
    report.title = "HTML report for " + name;
    report.inputs = {out("database"), policy};
    report.after = {gate.id};
    report.argv = {tool(), "report", "--db", out("database").string(), "--policy", policy.string(),
                   "--out", (out("report") / (name + ".html")).string()};
    report.outputs = {out("report") / (name + ".html")};
    reports_.push_back(report);
  }

  void vmStages() {
    if (!c_.vm_migrations.empty() && o_.regvm.empty()) {
      plan_.notes.push_back("vm stages left out: regvm was not found (give --regvm)");
    } else {
      for (const VmMigration &m : c_.vm_migrations) {
        // A KVM guest needs this host's KVM, like probe:kvm.
        if (m.accel == "kvm" && !kvmUsable()) {
          plan_.notes.push_back("vm:" + m.name + " left out: /dev/kvm cannot be opened on this host");
          continue;
        }
        // AArch64 guests are ELF files; x86_64 ones flat binaries.
        fs::path guest = o_.guest_dir / m.arch / (m.guest + ".elf");
        if (m.arch == "x86_64" || !fs::exists(guest)) guest.replace_extension(m.arch == "x86_64" ? ".bin" : ".elf");
        Stage vm;
        vm.id = "vm:" + m.name;
        vm.title = "migrate a " + m.arch + " " + m.accel + " guest " + m.source.release + "/" +
                   m.source.kernel + " <-> " + m.destination.release + "/" + m.destination.kernel +
                   " (" + m.machine + ")";
        vm.inputs = {o_.regvm, guest};
        vm.after = {"database"};
        const fs::path result = out("vm") / (m.name + ".json");
        vm.argv = {tool(), "pipeline", "vm-run", "--regvm", o_.regvm.string(),
                   "--image", guest.string(), "--arch", m.arch, "--accel", m.accel,
                   "--machine", m.machine, "--cpu", m.cpu,
                   "--source-release", m.source.release, "--source-kernel", m.source.kernel,
                   "--dest-release", m.destination.release, "--dest-kernel", m.destination.kernel,
                   "--work-dir", (out("vm") / m.name).string(), "--out", result.string()};
        vm.outputs = {result};
        vm.exclusive = true;  // two VMs, a core each
        plan_.stages.push_back(vm);
      }
    }
    // Reports come last: they show the VM results too, and an arm64 policy's
    // the real-QEMU matrix.
    const bool matrix = std::any_of(plan_.stages.begin(), plan_.stages.end(),
                                    [](const Stage &s) { return s.id == "real-qemu-matrix"; });
    for (Stage &r : reports_) {
      if (matrix && architectureOf(r.inputs.at(1)) == "arm64") {
        r.after.push_back("real-qemu-matrix");
        r.inputs.push_back(out("real-qemu") / "matrix.json");
        r.argv.insert(r.argv.end(), {"--real-qemu", (out("real-qemu") / "matrix.json").string()});
      }
      for (const VmMigration &m : c_.vm_migrations) {
        const std::string id = "vm:" + m.name;
        for (const auto &s : plan_.stages)
          if (s.id == id) {
            r.after.push_back(id);
            r.inputs.push_back(out("vm") / (m.name + ".json"));
            r.argv.insert(r.argv.end(), {"--vm-result", (out("vm") / (m.name + ".json")).string()});
          }
      }
      plan_.stages.push_back(std::move(r));
    }
  }

  const PipelineConfig &c_;
  const PlanOptions &o_;
  Plan plan_;
  std::vector<fs::path> extracted_;
  std::vector<Stage> reports_;
};

} // namespace

Plan planPipeline(const PipelineConfig &config, const PlanOptions &options) {
  return Planner(config, options).plan();
}

} // namespace regcompat::pipeline
