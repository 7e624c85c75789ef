// `regcompat pipeline vm-run`: the pipeline's VM stage as a command
// (regcompat/pipeline/vm_migration_run.h), so that it runs, logs and fails
// like every other stage.
#include <iostream>

#include "command.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/pipeline/vm_migration_run.h"

namespace regcompat::cli {

void addVmRunSubcommand(CLI::App &pipeline, int &exitCode) {
  auto opt = std::make_shared<pipeline::VmRunOptions>();
  auto out = std::make_shared<std::string>();
  auto *cmd = pipeline.add_subcommand(
      "vm-run", "Migrate a guest between two regvm instances (two platforms), forward and backward, "
                "with the machine type's compat table and without it; write the results as JSON. "
                "Exit 0 when every migration with the table loads and every guest finishes with "
                "the unmigrated run's output");
  cmd->add_option("--regvm", opt->regvm, "regvm program")->required();
  cmd->add_option("--image", opt->image, "Guest image")->required()->check(CLI::ExistingFile);
  cmd->add_option("--arch", opt->arch, "aarch64 or x86_64")->required();
  cmd->add_option("--accel", opt->accel, "tcg or kvm")->required();
  cmd->add_option("--machine", opt->machine, "Machine type")->required();
  cmd->add_option("--cpu", opt->cpu, "CPU model of the register set")->required();
  cmd->add_option("--source-release", opt->source_release)->required();
  cmd->add_option("--source-kernel", opt->source_kernel)->required();
  cmd->add_option("--dest-release", opt->dest_release)->required();
  cmd->add_option("--dest-kernel", opt->dest_kernel)->required();
  cmd->add_option("--work-dir", opt->work_dir, "Sockets, consoles and logs of the runs")->required();
  cmd->add_option("--migrate-after", opt->migrate_after_seconds, "Seconds the guest runs before `migrate`")
      ->capture_default_str();
  cmd->add_option("--timeout", opt->timeout_seconds, "Seconds a VM may take")->capture_default_str();
  cmd->add_option("--out", *out, "Write the JSON results here ('-': stdout)")->required();
  cmd->callback([opt, out, &exitCode] {
    opt->progress = [](const std::string &line) { std::cerr << "vm-run: " << line << std::endl; };
    auto result = pipeline::runVmMigrations(*opt);
    if (!result) throw CommandError(kExitNo, result.error());
    const std::string json = pipeline::toJson(*opt, result.value());
    if (*out == "-") {
      std::cout << json;
    } else if (auto saved = db::writeFileAtomically(*out, json); !saved) {
      throw CommandError(kExitOutput, "cannot write " + *out + ": " + saved.error());
    }
    for (const auto &a : result->attempts)
      std::cerr << a.direction << (a.with_table ? " with table" : " without table") << ": " << a.from
                << " -> " << a.to << ": " << a.status << ", guest finished on " << a.finished_on
                << (a.problem.empty() ? "" : " — PROBLEM: " + a.problem) << "\n";
    exitCode = result->ok ? kExitOk : kExitNo;
  });
}

} // namespace regcompat::cli
