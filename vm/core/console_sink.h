// Console sinks: where a console device's output goes. Output is buffered
// and written on a newline, when the buffer fills and on flush(): the machine
// flushes before it pauses for migration, so that the source's console holds
// exactly what the guest printed before the switch-over.
#pragma once

#include <mutex>
#include <string>

#include "device.h"

namespace regvm {

class FdConsoleSink final : public ConsoleSink {
 public:
  // Writes to `fd`; closes it on destruction when `owned`.
  FdConsoleSink(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdConsoleSink() override;
  FdConsoleSink(const FdConsoleSink &) = delete;
  FdConsoleSink &operator=(const FdConsoleSink &) = delete;

  void put(char c) override;
  void flush();

 private:
  void flushLocked();

  int fd_;
  bool owned_;
  std::mutex mutex_;
  std::string buffer_;
};

// Collects output in memory (tests).
class StringConsoleSink final : public ConsoleSink {
 public:
  void put(char c) override {
    std::lock_guard lock(mutex_);
    text_ += c;
  }
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  std::mutex mutex_;
  std::string text_;
};

} // namespace regvm
