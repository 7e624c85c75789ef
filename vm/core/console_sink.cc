#include "console_sink.h"

#include <unistd.h>

#include <cerrno>

namespace regvm {

FdConsoleSink::~FdConsoleSink() {
  flush();
  if (owned_) ::close(fd_);
}

void FdConsoleSink::put(char c) {
  std::lock_guard lock(mutex_);
  buffer_ += c;
  if (c == '\n' || buffer_.size() >= 4096) flushLocked();
}

void FdConsoleSink::flush() {
  std::lock_guard lock(mutex_);
  flushLocked();
}

void FdConsoleSink::flushLocked() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // console gone (closed pipe): the guest keeps running
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

} // namespace regvm
