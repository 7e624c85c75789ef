// Exit codes shared by every regcompat command, documented in `--help`.
#pragma once

namespace regcompat::cli {

enum ExitCode : int {
  kExitOk = 0,        // success; a check passed; no difference
  kExitNo = 1,        // the answer is "no": migration would fail, sets differ
  kExitUsage = 2,     // bad command line
  kExitBadInput = 3,  // unreadable or invalid input (YAML, index, file)
  kExitInternal = 4,  // a bug in regcompat
  kExitOutput = 5,    // an output could not be written (disk full, no permission)
};

inline constexpr const char *kExitCodeHelp =
    "Exit codes: 0 ok; 1 the answer is no (migration would fail, sets differ); "
    "2 usage error; 3 invalid input (file, YAML, register); 4 internal error; 5 an output could not "
    "be written (nothing half-written is left).";

} // namespace regcompat::cli
