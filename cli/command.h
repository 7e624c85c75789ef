// Shared plumbing of the regcompat command line: every command registers
// itself on the CLI11 app and reports failure by throwing CommandError, which
// main() turns into a message on stderr and a documented exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>

#include "exit_codes.h"

namespace regcompat::cli {

class CommandError : public std::runtime_error {
 public:
  CommandError(int code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Output format shared by the commands that a pipeline may parse.
enum class OutputFormat { Text, Json };
void addFormatOption(CLI::App &cmd, OutputFormat &format);

// Each command file defines one of these; `exitCode` receives the command's
// non-error outcome (kExitOk or kExitNo).
void addDecodeCommand(CLI::App &app, int &exitCode);
void addDbCommands(CLI::App &app, int &exitCode);
void addMigrateCheckCommand(CLI::App &app, int &exitCode);
void addGenCommand(CLI::App &app, int &exitCode);
void addCheckCommand(CLI::App &app, int &exitCode);
void addProbeQemuCommand(CLI::App &probe, int &exitCode);
// `report`: the HTML report (cmd_report.cc).
void addReportCommand(CLI::App &app, int &exitCode);
void addExtractCommand(CLI::App &app, int &exitCode);
// `probe stream|kvm` (cmd_probe.cc).
void addProbeCommands(CLI::App &app, int &exitCode);
// `pipeline run|plan|vm-run` (cmd_pipeline.cc, cmd_pipeline_vm.cc).
void addPipelineCommands(CLI::App &app, int &exitCode);
void addVmRunSubcommand(CLI::App &pipeline, int &exitCode);
// `extract linux`, added to the `extract` command group (cmd_extract_linux.cc).
void addExtractLinuxSubcommand(CLI::App &extract, int &exitCode);

} // namespace regcompat::cli
