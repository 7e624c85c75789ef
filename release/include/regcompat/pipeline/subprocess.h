// Runs one command with its output going to a log file.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace regcompat::pipeline {

struct CommandOutcome {
  bool started = false;   // false: the program could not be started (error says why)
  int exit_code = -1;     // when it exited normally
  int signal = 0;         // when a signal ended it
  std::string error;

  bool exited(int code) const { return started && signal == 0 && exit_code == code; }
  // "exit code 3", "killed by signal 9", "could not start: ..."
  std::string describe() const;
};

// Called every `every_seconds` while the command runs, with the time so far:
// a long stage shows it is alive (and what it is doing) instead of silence.
struct Heartbeat {
  double every_seconds = 5;
  std::function<void(double elapsed_seconds)> tick;
};

// stdout and stderr both go to `log` (truncated first), or stdout to
// `stdout_to` when given; stdin is /dev/null.
CommandOutcome runCommand(const std::vector<std::string> &argv, const std::filesystem::path &log,
                          const std::filesystem::path &stdout_to = {}, const Heartbeat *heartbeat = nullptr);

} // namespace regcompat::pipeline
