// A child process: a real binary a probe runs (QEMU saving its state), a
// pipeline stage's command, or a VM the pipeline's VM stage starts. Waited for
// with a deadline and killed if it overstays (a stuck child must not hang its
// caller), and killed with its parent (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "regcompat/result.h"

namespace regcompat::probe {

class ChildProcess {
 public:
  // argv[0] is looked up in PATH when it has no slash. stdout goes to `out`,
  // stderr to `err` (one file, shared, when they name the same path), both
  // truncated first; stdin reads `in`.
  static Result<ChildProcess> start(const std::vector<std::string> &argv,
                                    const std::filesystem::path &out,
                                    const std::filesystem::path &err,
                                    const std::filesystem::path &in = "/dev/null");
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

} // namespace regcompat::probe
