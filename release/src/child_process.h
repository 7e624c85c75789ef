// A child process the VM stage starts, waits for with a deadline, and kills
// if it overstays (a stuck VM must not hang the pipeline).
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
  // stdout to `out`, stderr to `err`, stdin /dev/null.
  static Result<ChildProcess> start(const std::vector<std::string> &argv,
                                    const std::filesystem::path &out,
                                    const std::filesystem::path &err);
  ChildProcess(ChildProcess &&other) noexcept : pid_(other.pid_), status_(other.status_) { other.pid_ = -1; }
  ChildProcess &operator=(ChildProcess &&) = delete;
  ~ChildProcess();  // kills and reaps a child still running

  // The exit code (128+signal when a signal ended it), or nullopt when the
  // deadline passed first.
  std::optional<int> wait(double seconds);
  bool running();
  void kill();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<int> status_;
};

} // namespace regcompat::pipeline
