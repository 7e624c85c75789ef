// `regcompat gen`: from a database and a distribution's policy, compute every
// machine type's compat table, verify every required migration with the
// runtime's merge, and write the tables as a C++ header, a C header, QEMU
// compat properties, compat files and JSON/YAML reports.
#include <filesystem>
#include <iostream>
#include <optional>

#include "command.h"
#include "database_loader.h"
#include "gen_support.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/generator/emitters.h"

namespace regcompat::cli {
namespace {

struct GenOptions {
  std::string db, policy;
  std::string cpp_header, c_header, qemu, qemu_xmig, json, yaml, compat_dir;
  std::string cpp_namespace = "regcompat_tables";
  std::string c_prefix = "regcompat";
  std::vector<std::string> machine_types;  // --machine: only these
  bool with_register_sets = false;
  bool no_pools = false;
  OutputFormat format = OutputFormat::Text;
};

bool isIdentifier(const std::string &text, bool allow_scope) {
  if (text.empty()) return false;
  std::size_t i = 0;
  bool start = true;
  while (i < text.size()) {
    const char c = text[i];
    if (allow_scope && c == ':' && i + 1 < text.size() && text[i + 1] == ':' && !start) {
      i += 2;
      start = true;
      continue;
    }
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(letter || (digit && !start))) return false;
    start = false;
    ++i;
  }
  return !start;
}

// Every output of one run: written all or none (db::writeFilesAtomically),
// standard output ("-") last, once every file is in place.
class Outputs {
 public:
  void add(const std::string &path, std::string text) {
    if (path == "-") {
      stdout_ = std::move(text);
      return;
    }
    files_.push_back({path, std::move(text)});
  }
  void write() {
    auto written = db::writeFilesAtomically(files_);
    if (!written) throw CommandError(kExitOutput, "cannot write the outputs (none was written): " + written.error());
    std::cout << stdout_;
  }

 private:
  std::vector<db::FileToWrite> files_;
  std::string stdout_;
};

bool run(const GenOptions &opt) {
  if (!isIdentifier(opt.cpp_namespace, true))
    throw CommandError(kExitUsage, "--namespace '" + opt.cpp_namespace + "' is not a C++ namespace name");
  if (!isIdentifier(opt.c_prefix, false))
    throw CommandError(kExitUsage, "--c-prefix '" + opt.c_prefix + "' is not a C identifier");
  int to_stdout = 0;
  for (const std::string *p : {&opt.cpp_header, &opt.c_header, &opt.qemu, &opt.qemu_xmig, &opt.json, &opt.yaml})
    to_stdout += *p == "-" ? 1 : 0;
  if (to_stdout > 1) throw CommandError(kExitUsage, "only one output may be '-' (standard output)");

  if (!opt.machine_types.empty() && !opt.qemu.empty())
    throw CommandError(kExitUsage, "--qemu with --machine: QEMU registers tolerances per CPU class, for every "
                                   "machine type at once; generate them for the whole policy");
  const GenerationInputs inputs = loadGenerationInputs(opt.db, opt.policy, !opt.no_pools);
  // --machine: the named machine types' part of the whole policy's analysis.
  std::optional<generator::Analysis> restricted;
  if (!opt.machine_types.empty()) {
    auto only = generator::restrictToMachineTypes(*inputs.analysis, opt.machine_types);
    if (!only) throw CommandError(kExitBadInput, "--machine: " + only.error());
    restricted = std::move(only).value();
  }
  const generator::Analysis &analysis = restricted ? *restricted : *inputs.analysis;

  generator::HeaderOptions cpp{opt.cpp_namespace, opt.with_register_sets};
  generator::HeaderOptions c{opt.c_prefix, opt.with_register_sets};
  Outputs outputs;
  if (!opt.cpp_header.empty()) outputs.add(opt.cpp_header, generator::emitCppHeader(analysis, cpp));
  if (!opt.c_header.empty()) outputs.add(opt.c_header, generator::emitCHeader(analysis, c));
  if (!opt.qemu.empty()) {
    auto tolerances = generator::emitQemuTolerances(analysis);
    if (!tolerances) throw CommandError(kExitUsage, "--qemu: " + tolerances.error());
    outputs.add(opt.qemu, tolerances.value());
  }
  if (!opt.qemu_xmig.empty()) {
    if (analysis.set->policy->architecture != "arm64")
      throw CommandError(kExitUsage, "--qemu-xmig: the x-mig properties were proposed for Arm CPUs only");
    outputs.add(opt.qemu_xmig, generator::emitQemuCompat(analysis));
  }
  if (!opt.json.empty()) outputs.add(opt.json, generator::emitJsonReport(analysis));
  if (!opt.yaml.empty()) outputs.add(opt.yaml, generator::emitYamlReport(analysis));
  if (!opt.compat_dir.empty()) {
    for (const db::CompatFile &file : generator::emitCompatFiles(analysis)) {
      const auto path = std::filesystem::path(opt.compat_dir) / (file.machine_type + ".yaml");
      auto problems = db::validate(file, path.string());
      if (!problems.empty())
        throw CommandError(kExitInternal, "generated compat file is invalid:\n" +
                                              db::formatDiagnostics(problems));
      outputs.add(path.string(), db::renderCompatFile(file));
    }
    std::error_code ec;
    std::filesystem::create_directories(opt.compat_dir, ec);
    if (ec) throw CommandError(kExitOutput, "cannot create " + opt.compat_dir + ": " + ec.message());
  }
  outputs.write();
  const bool wrote_any = !opt.cpp_header.empty() || !opt.c_header.empty() || !opt.qemu.empty() ||
                         !opt.qemu_xmig.empty() ||
                         !opt.json.empty() || !opt.yaml.empty() || !opt.compat_dir.empty();
  if (!wrote_any) {
    std::cout << (opt.format == OutputFormat::Json ? generator::emitJsonReport(analysis)
                                                   : generator::emitTextSummary(analysis));
  }
  if (analysis.brokenWith() > 0) {
    std::cerr << "regcompat gen: " << analysis.brokenWith()
              << " required migration(s) fail even with the generated tables; `regcompat check` "
                 "names them\n";
    return false;
  }
  return true;
}

} // namespace

void addGenCommand(CLI::App &app, int &exitCode) {
  auto opt = std::make_shared<GenOptions>();
  auto *cmd = app.add_subcommand(
      "gen",
      "Compute every machine type's compat table from a database and a support policy "
      "(generator/POLICY.md), verify every required migration with the runtime's merge, and "
      "write the tables. Without output options, prints a summary (or the JSON report with "
      "--format json). Exit 0 when every required migration loads with the generated tables, 1 "
      "when some still fail (outputs are written all the same)");
  cmd->add_option("--db", opt->db, "Database directory (default: $REGCOMPAT_DB, else an installed regcompat's shipped database)");
  cmd->add_option("--policy", opt->policy, "Support policy (YAML, generator/POLICY.md)")->required();
  cmd->add_option("--cpp-header", opt->cpp_header, "Write the C++ header here (C++17; with the runtime's C++ API, C++20) ('-': stdout)");
  cmd->add_option("--c-header", opt->c_header, "Write the C99 header here ('-': stdout)");
  cmd->add_option("--qemu", opt->qemu,
                  "Write QEMU's cpreg migration tolerances (arm_register_cpreg_mig_tolerance() calls "
                  "per CPU class, the form QEMU 11.1 merged) here ('-': stdout); arm64 policies only");
  cmd->add_option("--qemu-xmig", opt->qemu_xmig,
                  "Write the x-mig-hidden-regs / x-mig-safe-missing-regs compat properties for "
                  "hw/arm/virt.c here: the proposal upstream did not merge, for trees that carry it");
  cmd->add_option("--json", opt->json, "Write the JSON report here ('-': stdout)");
  cmd->add_option("--yaml", opt->yaml, "Write the YAML report here ('-': stdout)");
  cmd->add_option("--compat-dir", opt->compat_dir,
                  "Write one compat file per machine type (DIR/<machine-type>.yaml)");
  cmd->add_option("--machine,-M", opt->machine_types,
                  "Only this machine type (repeatable): its table, verdicts and reports, as the whole "
                  "policy computes them; not with --qemu (QEMU's tolerances are per CPU class)");
  cmd->add_option("--namespace", opt->cpp_namespace, "C++ header namespace")
      ->capture_default_str();
  cmd->add_option("--c-prefix", opt->c_prefix, "C header identifier prefix")->capture_default_str();
  cmd->add_flag("--with-register-sets", opt->with_register_sets,
                "Headers also carry every platform's register list and the required migrations "
                "with their verified outcome (for VMM test harnesses)");
  cmd->add_flag("--no-pools", opt->no_pools, "Skip the migration-pool search");
  addFormatOption(*cmd, opt->format);
  cmd->footer(kExitCodeHelp);
  cmd->callback([opt, &exitCode] { exitCode = run(*opt) ? kExitOk : kExitNo; });
}

} // namespace regcompat::cli
