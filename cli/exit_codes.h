// Exit codes of every regcompat command: one scheme, each code one meaning
// in every command, documented in `--help` and regcompat(1). The answers
// (0, 1, 4, 8, 12) never overlap the errors (2, 3, 5, 70): a script can tell
// "the release breaks a migration" from "the policy file is broken".
#pragma once

namespace regcompat::cli {

enum ExitCode : int {
  kExitOk = 0,            // success; a check passed; no difference; check: ship
  kExitNo = 1,            // the answer is "no": migration would fail, sets differ
  kExitUsage = 2,         // bad command line
  kExitBadInput = 3,      // unreadable or invalid input (YAML, index, file)
  kExitChange = 4,        // check: ship only with the generated tables
  kExitOutput = 5,        // an output could not be written (disk full, no permission)
  kExitIncompatible = 8,  // check, with kExitChange (12): a migration no table fixes
  kExitInternal = 70,     // a bug in regcompat (sysexits' EX_SOFTWARE)
};

inline constexpr const char *kExitCodeHelp =
    "Exit codes (every command): 0 ok; 1 the answer is no (migration would fail, sets differ); "
    "2 usage error; 3 invalid input (file, YAML, register); 4 and 12 check's verdicts (ship with the "
    "generated tables; do not ship); 5 an output could not be written (nothing half-written is left); "
    "70 internal error.";

} // namespace regcompat::cli
