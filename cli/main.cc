// regcompat: one binary, one subcommand per job (CLI11).
#include <cstdio>
#include <iostream>

#include "command.h"

namespace regcompat::cli {

void addFormatOption(CLI::App &cmd, OutputFormat &format) {
  cmd.add_option("--format", format, "Output format: text or json")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, OutputFormat>{{"text", OutputFormat::Text},
                                              {"json", OutputFormat::Json}},
          CLI::ignore_case));
}

// A failed write to standard output: `check` reports it with its error bit
// (its 4 means "the tables fix it"), every other command with kExitOutput.
int writeFailureCode(const CLI::App &app) {
  for (const CLI::App *sub : app.get_subcommands())
    if (sub->get_name() == "check") return 1;
  return kExitOutput;
}

} // namespace regcompat::cli

int main(int argc, char **argv) {
  using namespace regcompat::cli;
  CLI::App app{"regcompat: register compatibility for live migration across "
               "hypervisor releases and host kernels"};
  app.footer(kExitCodeHelp);
  app.set_version_flag("--version", std::string("regcompat ") + REGCOMPAT_VERSION);
  app.require_subcommand(1);
  int exitCode = kExitOk;
  addDecodeCommand(app, exitCode);
  addDbCommands(app, exitCode);
  addMigrateCheckCommand(app, exitCode);
  addGenCommand(app, exitCode);
  addCheckCommand(app, exitCode);
  addReportCommand(app, exitCode);
  addExtractCommand(app, exitCode);
  addProbeCommands(app, exitCode);
  addPipelineCommands(app, exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    // CLI11 prints help/version with exit code 0, usage errors with its own
    // code: map every usage error to the documented one.
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  } catch (const CommandError &e) {
    std::cerr << "regcompat: error: " << e.what() << "\n";
    return e.code();
  } catch (const std::exception &e) {
    std::cerr << "regcompat: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
  std::cout.flush();
  if (!std::cout.good()) {
    std::cerr << "regcompat: error: cannot write to standard output\n";
    return writeFailureCode(app);
  }
  return exitCode;
}
