// The pipeline's VM stage: two regvm processes configured as two platforms
// (release and host kernel), a guest migrated mid-run from one to the other
// over the control socket, forward and backward, with the machine type's
// generated compat table and without it (an unpatched VMM). The guest's
// console output must equal an unmigrated run's, whichever side finishes it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::pipeline {

struct VmRunOptions {
  std::filesystem::path regvm, image, work_dir;
  std::string arch, accel, machine, cpu;
  std::string source_release, source_kernel, dest_release, dest_kernel;
  double migrate_after_seconds = 0.5;  // guest run time before `migrate`
  int timeout_seconds = 600;           // per regvm process
  // One line as each run starts and ends ("forward without a table: ...").
  std::function<void(const std::string &)> progress;
};

struct MigrationAttempt {
  std::string direction;    // "forward" (source -> destination) or "backward"
  bool with_table = false;
  std::string from, to;     // "10.2.2/6.12.107"
  std::string status;       // "loads" or "fails"
  std::vector<std::string> errors;  // the destination's error lines (registers, offsets)
  bool guest_finished = false;      // some side ran the guest to its end with exit 0
  bool console_matches = false;     // source console + destination console == reference
  std::string finished_on;          // "destination" or "source (resumed)"
  std::string migration_info;       // query-migrate's final reply
  std::string problem;              // why the attempt is not what a user may rely on
};

struct VmRunResult {
  std::string reference_console;
  std::vector<MigrationAttempt> attempts;
  // Every attempt with the table loads, every guest finished with the
  // reference output, every failed migration left the source running.
  bool ok = false;
};

Result<VmRunResult> runVmMigrations(const VmRunOptions &options);
std::string toJson(const VmRunOptions &options, const VmRunResult &result);

} // namespace regcompat::pipeline
