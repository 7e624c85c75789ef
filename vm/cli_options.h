// regvm's command line (CLI11): options, their checks, and the exit codes.
#pragma once

#include <cstdint>
#include <string>

#include "migration_stats.h"
#include "regcompat/result.h"

namespace regvm::cli {

// The guest's exit status passes through, as QEMU's semihosting exit does
// (tests compare the two), so regvm's own failures live in a reserved range
// above any status a test guest uses, like env(1)'s and timeout(1)'s
// 124-127: a script tells "the guest said 3" from "regvm refused the
// input". A guest status inside 119..125 is reported as
// kExitGuestStatusReserved (119), with the real status on stderr.
enum ExitCode : int {
  kExitOk = 0,                     // the guest exited with 0, or the machine migrated away / quit
  kExitGuestStatusReserved = 119,  // the guest exited with a status in 119..125 (stderr says which)
  kExitFailure = 120,              // a failed incoming migration, a vCPU error
  kExitUsage = 121,                // bad command line
  kExitBadInput = 122,             // unknown machine type or release profile, unreadable image
  kExitInternal = 125,             // a bug in regvm
};
inline constexpr int kExitReservedFirst = 119;
inline constexpr int kExitReservedLast = 125;

// The exit status for a guest that exited with `status` (0..255).
int exitStatusOfGuest(int status);

inline constexpr const char *kExitCodeHelp =
    "Exit codes: the guest's exit status when it exits (0 also when the machine migrated away or was "
    "told to quit); regvm's own, in a range no guest status takes: 120 failed incoming migration or "
    "vCPU error; 121 usage error; 122 invalid input (machine type, release profile, image); 125 "
    "internal error; 119 the guest exited with a status in 119..125 (stderr says which).";

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
