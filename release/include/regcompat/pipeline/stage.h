// A stage of the release pipeline: a command with declared inputs and
// outputs. Stages are data, like the rest of regcompat's configuration: the
// plan (stage_plan.h) lists them, the runner (stage_runner.h) orders them by
// their `after` edges, runs independent ones in parallel and skips a stage
// whose inputs, command and upstream stages are unchanged since its last
// successful run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace regcompat::pipeline {

struct Stage {
  std::string id;      // unique, e.g. "generate:real-distro"; used for stamps and logs
  std::string title;   // one line for progress output
  // Files or directories whose content decides whether the stage must run
  // again (directories: every file below, by relative path and content).
  std::vector<std::filesystem::path> inputs;
  std::vector<std::string> after;  // ids of stages that must finish first
  std::vector<std::string> argv;   // the command; argv[0] is a path
  // When set, the command's stdout goes here (written atomically after a
  // successful run) instead of the stage log: for JSON a later stage reads.
  std::filesystem::path stdout_file;
  // What the stage writes; a missing output makes it run again even when its
  // inputs are unchanged. Directories are created before the command runs.
  std::vector<std::filesystem::path> outputs;
  std::vector<std::filesystem::path> output_dirs;
  // Exit codes that count as success besides 0 (regcompat check exits 4 when
  // the generated tables are needed and fix every migration).
  std::vector<int> ok_exit_codes;
  // Runs alone, not beside other stages (e.g. a stage that writes the
  // database every later stage reads, or one that needs both cores).
  bool exclusive = false;
};

} // namespace regcompat::pipeline
