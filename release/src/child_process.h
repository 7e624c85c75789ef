// A child process of the pipeline: a stage's command (runCommand) or a VM
// the VM stage starts, waits for with a deadline and kills if it overstays
// (a stuck VM must not hang the pipeline).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::pipeline {

class ChildProcess {
 public:
  // argv[0] is looked up in PATH when it has no slash. stdout goes to `out`,
  // stderr to `err` (one file, shared, when they name the same path), both
  // truncated first; stdin is /dev/null.
  static Result<ChildProcess> start(const std::vector<std::string> &argv,
                                    const std::filesystem::path &out,
                                    const std::filesystem::path &err);
  ChildProcess(ChildProcess &&other) noexcept
      : pid_(other.pid_), status_(other.status_), signal_(other.signal_) {
    other.pid_ = -1;
  }
  ChildProcess &operator=(ChildProcess &&) = delete;
  ~ChildProcess();  // kills and reaps a child still running

  // The exit code (128+signal when a signal ended it), or nullopt when the
  // deadline passed first.
  std::optional<int> wait(double seconds);
  // Blocks until the child ends; the same value as wait().
  int waitForExit();
  // The signal that ended the child, 0 when it exited (after a wait).
  int signal() const { return signal_; }
  bool running();
  void kill();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  void record(int raw_status);
  pid_t pid_ = -1;
  std::optional<int> status_;
  int signal_ = 0;
};

} // namespace regcompat::pipeline
