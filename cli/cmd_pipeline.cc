// `regcompat pipeline run|plan`: the release pipeline (release/PIPELINE.md).
// The stages are regcompat's own commands (and regvm), run as processes so
// that each has its own log, exit code and stamp.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "command.h"
#include "database_loader.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/json_writer.h"
#include "regcompat/pipeline/pipeline_config.h"
#include "regcompat/pipeline/stage_plan.h"
#include "regcompat/pipeline/stage_runner.h"

namespace regcompat::cli {
namespace {

namespace fs = std::filesystem;
using namespace regcompat::pipeline;

struct PipelineOptions {
  std::string file;
  std::string out = "pipeline-out";
  std::string regvm, guest_dir;
  bool refresh = false, no_probe = false, force = false;
  unsigned jobs = 0;
  OutputFormat format = OutputFormat::Text;
};

// The first candidate that exists: the build tree's layout (cli/regcompat
// beside vm/regvm), then an installed one (bin/regcompat beside bin/regvm,
// share/regcompat/...).
fs::path firstExisting(std::initializer_list<fs::path> candidates) {
  std::error_code ec;
  for (const auto &c : candidates)
    if (fs::exists(c, ec)) return fs::weakly_canonical(c, ec);
  return {};
}

PlanOptions planOptions(const PipelineOptions &opt) {
  const fs::path self = selfPath();
  const fs::path bin = self.parent_path();
  PlanOptions p;
  p.out_dir = fs::absolute(opt.out);
  p.regcompat = self;
  p.regvm = opt.regvm.empty() ? firstExisting({bin / "../vm/regvm", bin / "regvm"}) : fs::path(opt.regvm);
  p.guest_dir = opt.guest_dir.empty()
                    ? firstExisting({bin / "../vm/arch", bin / "../lib/regcompat/guests"})
                    : fs::path(opt.guest_dir);
  // The release scripts: beside an uninstalled binary (<build>/release/, the
  // build copies them there), else installed (share/regcompat/release/).
  // No source path is compiled in: builds in different folders are
  // byte-identical.
  auto script = [&bin](const char *name) {
    return firstExisting({bin / "../release" / name, bin / "../share/regcompat/release" / name});
  };
  p.fetch_sources = script("fetch-sources");
  p.qemu_peers = script("qemu-peers");
  p.real_qemu_matrix = script("real-qemu-matrix");
  const char *cache = std::getenv("REGCOMPAT_CACHE");
  const char *home = std::getenv("HOME");
  p.source_cache = cache ? fs::path(cache) / "src"
                         : fs::path(home ? home : "/tmp") / ".cache/regcompat/src";
  p.refresh = opt.refresh;
  p.probe = !opt.no_probe;
  const unsigned cores = static_cast<unsigned>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  p.jobs = opt.jobs ? opt.jobs : cores;
  return p;
}

PipelineConfig loadConfigOrThrow(const std::string &file) {
  auto config = loadPipelineConfig(file);
  if (!config) throw CommandError(kExitBadInput, config.errorText());
  return config.value();
}

std::string summaryJson(const PipelineConfig &config, const Plan &plan, const RunSummary &run) {
  JsonWriter json;
  // schema_version 1: stage status is one of ran, skipped (its inputs and
  // outputs are unchanged), failed, not-run; each stage's inputs with their
  // content digests (change detection, not security: two FNV-1a lanes).
  json.beginObject().field("schema_version", 1).field("tool", std::string("regcompat ") + REGCOMPAT_VERSION);
  json.field("pipeline", config.name).field("ok", run.ok);
  if (!run.ok) json.field("failure", run.failure);
  json.key("notes").beginArray();
  for (const auto &n : plan.notes) json.value(n);
  json.endArray().key("stages").beginArray();
  for (const auto &s : run.stages) {
    json.beginObject().field("id", s.id).field("status", std::string(toString(s.status)));
    json.field("log", s.log.string());
    // What the stage ran on: each input's content digest, and the stamp.
    if (s.input_digest.empty()) json.key("input_digest").null();
    else json.field("input_digest", s.input_digest);
    json.key("inputs").beginArray();
    for (const auto &[path, digest] : s.inputs)
      json.beginObject().field("path", path.string()).field("digest", digest).endObject();
    json.endArray().endObject();
  }
  json.endArray().endObject();
  return json.take();
}

void runPipeline(const PipelineOptions &opt, int &exitCode) {
  const PipelineConfig config = loadConfigOrThrow(opt.file);
  const PlanOptions po = planOptions(opt);
  const Plan plan = planPipeline(config, po);
  if (opt.refresh && po.fetch_sources.empty())
    throw CommandError(kExitUsage, "--refresh needs release/fetch-sources, which was not found");
  const bool text = opt.format == OutputFormat::Text;
  for (const auto &note : plan.notes) std::cerr << "pipeline: note: " << note << "\n";
  RunnerOptions ro;
  ro.state_dir = po.out_dir / ".pipeline";
  ro.jobs = po.jobs;
  ro.force = opt.force;
  ro.tool_version = REGCOMPAT_VERSION;
  ro.progress = [](const std::string &line) { std::cerr << line << std::endl; };
  const RunSummary run = runStages(plan.stages, ro);

  const std::string summary = summaryJson(config, plan, run);
  if (auto saved = db::writeFileAtomically(po.out_dir / "summary.json", summary); !saved)
    std::cerr << "pipeline: cannot write summary.json: " << saved.error() << "\n";
  if (!text) std::cout << summary;
  if (!run.ok) {
    throw CommandError(kExitNo, "pipeline " + config.name + ": " + run.failure +
                                    "\nearlier stages' outputs are kept in " + po.out_dir.string());
  }
  if (text) {
    std::size_t ran = 0, skipped = 0;
    for (const auto &s : run.stages) (s.status == StageStatus::Ran ? ran : skipped)++;
    std::cout << "pipeline " << config.name << ": " << run.stages.size() << " stages, " << ran
              << " ran, " << skipped << " unchanged; outputs in " << po.out_dir.string() << "\n";
  }
  exitCode = kExitOk;
}

void showPlan(const PipelineOptions &opt) {
  const PipelineConfig config = loadConfigOrThrow(opt.file);
  const Plan plan = planPipeline(config, planOptions(opt));
  for (const auto &s : plan.stages) {
    std::cout << s.id << "\n  " << s.title << "\n ";
    for (const auto &a : s.argv) std::cout << " " << a;
    std::cout << "\n";
    if (!s.after.empty()) {
      std::cout << "  after:";
      for (const auto &a : s.after) std::cout << " " << a;
      std::cout << "\n";
    }
  }
  for (const auto &note : plan.notes) std::cout << "note: " << note << "\n";
}

void addCommonOptions(CLI::App &cmd, PipelineOptions &opt) {
  cmd.add_option("pipeline", opt.file, "Pipeline file (release/pipeline.yaml; format: release/PIPELINE.md)")
      ->required()->check(CLI::ExistingFile);
  cmd.add_option("--out", opt.out, "Output directory (database, generated headers, gate verdicts, VM results, report)")
      ->capture_default_str();
  cmd.add_flag("--refresh", opt.refresh, "Fetch the sources from Debian's archive and extract them again (needs the archive)");
  cmd.add_flag("--no-probe", opt.no_probe, "Leave out the probe of this host's KVM");
  cmd.add_option("--regvm", opt.regvm, "regvm program (default: the one built or installed beside regcompat)");
  cmd.add_option("--guest-dir", opt.guest_dir, "Guest images, <dir>/<arch>/<guest>.elf|.bin (default: the build tree's or the installed ones)");
  cmd.add_option("-j,--jobs", opt.jobs, "Stages and extractor jobs in parallel (default: all cores)");
}

} // namespace

void addPipelineCommands(CLI::App &app, int &exitCode) {
  auto *pipeline = app.add_subcommand("pipeline", "The release pipeline: fetch, extract, probe, update the "
                                                  "database, generate, gate, migrate VMs, report");
  pipeline->require_subcommand(1);
  pipeline->footer(kExitCodeHelp);
  auto opt = std::make_shared<PipelineOptions>();

  auto *run = pipeline->add_subcommand(
      "run", "Run every stage whose inputs changed since its last successful run; stop at the first "
             "failure, naming the stage and its inputs, keeping what earlier stages wrote");
  addCommonOptions(*run, *opt);
  run->add_flag("--force", opt->force, "Run every stage even when its inputs are unchanged");
  addFormatOption(*run, opt->format);
  run->callback([opt, &exitCode] { runPipeline(*opt, exitCode); });

  auto *plan = pipeline->add_subcommand("plan", "List the stages `run` would consider, with their commands");
  addCommonOptions(*plan, *opt);
  plan->callback([opt] { showPlan(*opt); });
  addVmRunSubcommand(*pipeline, exitCode);
}

} // namespace regcompat::cli
