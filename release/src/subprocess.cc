#include "regcompat/pipeline/subprocess.h"

#include "regcompat/probe/child_process.h"

namespace regcompat::pipeline {

using probe::ChildProcess;

std::string CommandOutcome::describe() const {
  if (!started) return "could not start: " + error;
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(exit_code);
}

CommandOutcome runCommand(const std::vector<std::string> &argv, const std::filesystem::path &log,
                          const std::filesystem::path &stdout_to, const Heartbeat *heartbeat) {
  CommandOutcome outcome;
  auto child = ChildProcess::start(argv, stdout_to.empty() ? log : stdout_to, log);
  if (!child) {
    outcome.error = child.error();
    return outcome;
  }
  outcome.started = true;
  int status = 0;
  if (heartbeat == nullptr || !heartbeat->tick) {
    status = child.value().waitForExit();
  } else {
    double elapsed = 0;
    for (;;) {
      if (const auto done = child.value().wait(heartbeat->every_seconds)) {
        status = *done;
        break;
      }
      elapsed += heartbeat->every_seconds;
      heartbeat->tick(elapsed);
    }
  }
  if (status < 0) {
    outcome.started = false;
    outcome.error = "lost track of the process (waitpid failed)";
  } else if (child->signal() != 0) {
    outcome.signal = child->signal();
  } else {
    outcome.exit_code = status;
  }
  return outcome;
}

} // namespace regcompat::pipeline
