// `regcompat check`: the release gate. Which required migrations of the
// policy fail as things stand (without compat tables, or under the compat
// files shipped now), the register responsible for each failure and the
// table entry that fixes it; refuses (exit bit 8) a release that breaks a
// migration no table can fix.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

#include "command.h"
#include "database_loader.h"
#include "gen_support.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/db/file_text.h"
#include "regcompat/generator/release_gate.h"
#include "regcompat/generator/unified_diff.h"

namespace regcompat::cli {
namespace {

// The gate's verdict bits are the exit codes' answers (exit_codes.h).
static_assert(int{generator::kGateChange} == int{kExitChange} &&
              int{generator::kGateIncompatible} == int{kExitIncompatible});

constexpr const char *kCheckExitHelp =
    "Exit status: the verdict, with abidiff's change bits: 0 ship: every checked migration loads as "
    "things stand; 4 ship with the generated tables: a required migration fails without compat tables "
    "(or under the --compat files) and the generated tables fix it; 12 (4 + 8) do not ship: a required "
    "migration fails under every table the policy allows. Under QEMU's rules: 0 every migration loads "
    "as is or under the destination release's own tolerances; 4 some need the generated tolerances; 12 "
    "some need what QEMU cannot express. Errors as in every command: 2 usage error; 3 invalid input; "
    "5 an output could not be written; 70 internal error.";

struct CheckOptions {
  std::string db, policy;
  std::string candidate;
  std::vector<std::string> compat;
  std::string suggest;
  std::string rules;  // "qemu", "runtime" or empty (see --rules)
  OutputFormat format = OutputFormat::Text;
  bool quiet = false;  // the verdict line alone
};

struct CurrentFile {
  std::string path;
  std::string text;  // as on disk: the patch applies to this
  db::CompatFile file;
};

std::string readText(const std::filesystem::path &path) {
  auto text = db::readInputFile(path);
  if (!text) throw CommandError(kExitBadInput, text.error());
  return std::move(text).value();
}

// Every compat file named by --compat: files, or directories of *.yaml files.
std::map<std::string, CurrentFile> loadCurrent(const std::vector<std::string> &paths) {
  std::map<std::string, CurrentFile> out;
  auto add = [&](const std::filesystem::path &path) {
    db::CompatFile file = loadCompatFileOrThrow(path);
    CurrentFile current{path.string(), readText(path), file};
    auto [it, inserted] = out.emplace(file.machine_type, std::move(current));
    if (!inserted)
      throw CommandError(kExitBadInput, "two compat files for " + file.machine_type + ": " +
                                         it->second.path + " and " + path.string());
  };
  for (const std::string &p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto &entry : std::filesystem::directory_iterator(p, ec))
        if (entry.path().extension() == ".yaml" && !db::isAtomicWriteTemporary(entry.path().filename()))
          files.push_back(entry.path());
      if (ec) throw CommandError(kExitBadInput, "cannot list " + p + ": " + ec.message());
      std::sort(files.begin(), files.end());
      for (const auto &f : files) add(f);
    } else {
      add(p);
    }
  }
  return out;
}

// Where a machine type's compat file lives (for the patch): its --compat
// file, else <dir>/<machine-type>.yaml in the first --compat directory, else
// <machine-type>.yaml.
std::string compatPath(const std::map<std::string, CurrentFile> &current,
                       const std::vector<std::string> &paths, const std::string &machine_type) {
  if (auto it = current.find(machine_type); it != current.end()) return it->second.path;
  for (const std::string &p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec))
      return (std::filesystem::path(p) / (machine_type + ".yaml")).lexically_normal().string();
  }
  return machine_type + ".yaml";
}

int run(const CheckOptions &opt) {
  if (opt.quiet && opt.format == OutputFormat::Json)
    throw CommandError(kExitUsage, "-q prints the verdict line alone; --format json carries it as "
                                   "\"verdict\" and \"verdict_summary\"");
  if (opt.quiet && opt.suggest == "-")
    throw CommandError(kExitUsage, "-q prints the verdict line alone: write the --suggest patch to a file");
  const GenerationInputs inputs = loadGenerationInputs(opt.db, opt.policy, false);
  const generator::Analysis &analysis = *inputs.analysis;

  generator::GateOptions gate;
  gate.tool_version = REGCOMPAT_VERSION;
  gate.inputs = gateInputs(opt.db, opt.policy, opt.compat);
  if (!opt.candidate.empty()) gate.candidate = opt.candidate;
  // Real QEMU judges an Arm policy unless the runtime's tables are asked for.
  const bool qemu = opt.rules.empty() ? analysis.judgedOnQemu() && opt.compat.empty() : opt.rules == "qemu";
  gate.rules = qemu ? generator::GateRules::Qemu : generator::GateRules::Runtime;
  if (qemu && !opt.suggest.empty())
    throw CommandError(kExitUsage, "--suggest writes runtime compat entries; under QEMU's rules the fix is "
                                   "`regcompat gen --qemu` (use --rules runtime for compat entries)");
  std::map<std::string, CurrentFile> current;
  if (!opt.compat.empty()) {
    current = loadCurrent(opt.compat);
    gate.current.emplace();
    for (const auto &[machine_type, file] : current) (*gate.current)[machine_type] = file.file;
  }
  auto report = generator::runGate(analysis, gate);
  if (!report) throw CommandError(kExitUsage, report.error());

  if (opt.quiet) std::cout << generator::gateVerdict(analysis, gate, *report).summary << "\n";
  else
    std::cout << (opt.format == OutputFormat::Json ? generator::renderGateJson(analysis, gate, *report)
                                                   : generator::renderGateText(analysis, gate, *report));
  if (!opt.suggest.empty()) {
    std::string patch;
    for (const db::CompatFile &file : report->suggested) {
      const std::string path = compatPath(current, opt.compat, file.machine_type);
      auto it = current.find(file.machine_type);
      patch += generator::unifiedDiff(it == current.end() ? "" : it->second.text,
                                      db::renderCompatFile(file),
                                      it == current.end() ? "" : path, path);
    }
    if (opt.suggest == "-") {
      std::cout << patch;
    } else {
      auto written = db::writeFileAtomically(opt.suggest, patch);
      if (!written) throw CommandError(kExitOutput, "cannot write " + opt.suggest + ": " + written.error());
      std::cerr << "regcompat check: " << (patch.empty() ? "no fix to suggest; wrote an empty patch to "
                                                         : "wrote the suggested compat entries as a patch to ")
                << opt.suggest << "\n";
    }
  }
  return report->exitBits();
}

} // namespace

void addCheckCommand(CLI::App &app, int &exitCode) {
  auto opt = std::make_shared<CheckOptions>();
  auto *cmd = app.add_subcommand(
      "check",
      "Release gate: check every migration the policy requires (or only those from or to "
      "--candidate). For each one that fails without compat tables (or under the --compat "
      "files): machine type, source and destination platforms, direction, each register "
      "responsible (name, index, decoded form, side) and the generated table entry that fixes "
      "it, or why none can");
  cmd->add_option("--db", opt->db, "Database directory (default: $REGCOMPAT_DB, else an installed regcompat's shipped database)");
  cmd->add_option("--policy", opt->policy, "Support policy (YAML, generator/POLICY.md)")->required();
  cmd->add_option("--candidate", opt->candidate,
                  "Only migrations from or to this release (product, hypervisor or kernel release)");
  cmd->add_option("--compat", opt->compat,
                  "Judge migrations under these compat files (files, or directories of "
                  "<machine-type>.yaml) instead of without tables; repeatable");
  cmd->add_option("--rules", opt->rules,
                  "qemu: real QEMU's loader of each destination release judges (loads as is / under the "
                  "release's own tolerances / with the generated tolerances / needs what QEMU cannot "
                  "express); runtime: regcompat's runtime merge, as VMMs embedding the runtime library "
                  "load. Default: qemu for an arm64 policy without --compat, else runtime")
      ->check(CLI::IsMember({"qemu", "runtime"}));
  cmd->add_option("--suggest", opt->suggest,
                  "Write the fixing table entries as a unified diff against the compat files "
                  "(new files when there are none) to this file ('-': stdout); apply with "
                  "patch -p1");
  cmd->add_flag("-q,--quiet", opt->quiet,
                "Print the verdict line alone (ship / ship with the generated tables / do not ship, and "
                "why); the exit status is the same");
  addFormatOption(*cmd, opt->format);
  cmd->footer(kCheckExitHelp);
  cmd->callback([opt, &exitCode] { exitCode = run(*opt); });
}

} // namespace regcompat::cli
