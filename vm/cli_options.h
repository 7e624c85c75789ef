// regvm's command line (CLI11): options, their checks, and the exit codes.
#pragma once

#include <cstdint>
#include <string>

#include "migration_stats.h"
#include "regcompat/result.h"

namespace regvm::cli {

// As regcompat's (cli/exit_codes.h); 1 also covers a guest that failed.
enum ExitCode : int {
  kExitOk = 0,        // the guest exited with 0, or the machine was migrated away / quit
  kExitFailure = 1,   // a failed incoming migration, a vCPU error (or the guest's own status)
  kExitUsage = 2,     // bad command line
  kExitBadInput = 3,  // unknown machine type or release profile, unreadable image
  kExitInternal = 4,  // a bug in regvm
};

inline constexpr const char *kExitCodeHelp =
    "Exit codes: the guest's exit status when it exits; 0 when the machine migrated away or was "
    "told to quit; 1 failed incoming migration or vCPU error; 2 usage error; 3 invalid input "
    "(machine type, release profile, image); 4 internal error.";

struct Options {
  std::string arch = "aarch64";
  std::string accel;  // default: tcg on aarch64, kvm on x86_64
  std::string machine;
  std::string release, kernel, cpu;
  std::string memory = "256M";
  std::string image;
  std::string console;
  std::string qmp;
  std::string incoming;
  bool no_compat_table = false;
  bool list_machines = false;
  bool exit_after_migration = false;
  bool start_paused = false;
  std::string format = "text";
  MigrationParameters migration;
  bool no_auto_converge = false;
};

// "256M", "1G", "4096K", "1048576" -> bytes; a multiple of 4 KiB.
regcompat::Result<std::uint64_t> parseMemorySize(const std::string &text);

// A failure with an exit code, thrown from the setup steps and caught in main().
struct Failure {
  int code;
  std::string message;
};

} // namespace regvm::cli
