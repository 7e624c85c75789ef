// regcompat: one binary, one subcommand per job (CLI11).
#include <cstdio>
#include <iostream>

#include "command.h"
#include "regcompat/clidoc/cli_spec.h"
#include "regcompat/db/suggestions.h"

namespace regcompat::cli {

void addFormatOption(CLI::App &cmd, OutputFormat &format) {
  cmd.add_option("--format", format, "Output format: text or json")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, OutputFormat>{{"text", OutputFormat::Text},
                                              {"json", OutputFormat::Json}},
          CLI::ignore_case));
}

namespace {

// A mistyped subcommand ("db shwo"): name the closest ones. Follows argv
// down the subcommands it names; the first word that is neither an option
// nor a subcommand, where the command expects one, is the typo.
void suggestSubcommand(const CLI::App &app, int argc, char **argv) {
  const CLI::App *at = &app;
  std::string path = "regcompat";
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return;
    const auto subs = at->get_subcommands([](const CLI::App *) { return true; });
    if (subs.empty()) return;
    const CLI::App *next = nullptr;
    std::vector<std::string> names;
    for (const CLI::App *sub : subs) {
      names.push_back(sub->get_name());
      if (sub->get_name() == word) next = sub;
    }
    if (next == nullptr) {
      const std::string hint = db::didYouMean(word, names);
      if (!hint.empty()) std::cerr << "regcompat: '" << word << "' is not a subcommand of " << path << hint << "\n";
      return;
    }
    at = next;
    path += " " + word;
  }
}

} // namespace
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
  regcompat::clidoc::addCliSpecFlag(app, "regcompat", REGCOMPAT_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    // CLI11 prints help/version with exit code 0, usage errors with its own
    // code: map every usage error to the documented one.
    const int rc = app.exit(e);
    if (rc != 0) suggestSubcommand(app, argc, argv);
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
    return kExitOutput;
  }
  return exitCode;
}
