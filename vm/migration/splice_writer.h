// Large writes on a unix socket without the kernel's copy into fresh pages.
//
// A unix stream socket copies every write into pages it allocates for the
// purpose and frees once the reader has them. In this nested VM fresh pages
// often come cold from the host (~10 µs for a first touch of 4 KiB): the
// source spent a fifth of a slow migration's CPU in that copy. Here the
// bytes are copied once into a ring of pages this process keeps and reuses,
// then go into the socket by reference: vmsplice() into a pipe, splice()
// into the socket; the socket's buffers point at the ring's pages.
//
// The ring is reused only once the reader has consumed what is there: the
// sender's queued bytes (SIOCOUTQ: the socket's write allocation, which
// counts spliced pages too, and drops only when the reader has taken a whole
// buffer) must leave room for the piece about to be overwritten. The
// socket's own send buffer limit keeps that far below the ring's size.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "regcompat/runtime/status.h"

namespace regvm {

class SpliceWriter {
 public:
  static constexpr std::size_t kRingBytes = 8 << 20;
  static constexpr std::size_t kPieceBytes = 256 << 10;
  // Writes at least this large take the splice path.
  static constexpr std::size_t kMinWrite = 64 << 10;

  // Null when the pipe or the ring cannot be made, or when SIGPIPE is not
  // ignored (splice() into a socket has no MSG_NOSIGNAL).
  static std::unique_ptr<SpliceWriter> create(int socket_fd);
  // A reader that takes nothing for `ms` fails the write ("stalled"); 0:
  // no bound. The socket's SO_SNDTIMEO bounds splice() itself.
  void setStallTimeout(int ms) { stall_timeout_ms_ = ms; }
  ~SpliceWriter();
  SpliceWriter(const SpliceWriter &) = delete;
  SpliceWriter &operator=(const SpliceWriter &) = delete;

  struct Outcome {
    regcompat::runtime::Status status;
    std::uint64_t sent = 0;    // bytes that went into the socket
    bool unsupported = false;  // the kernel refused the first splice: nothing was sent
  };
  Outcome write(std::span<const std::span<const std::uint8_t>> parts, std::uint64_t stream_offset,
                const std::atomic<bool> &aborted);

 private:
  SpliceWriter(int socket_fd, int pipe_read, int pipe_write, std::uint8_t *ring)
      : socket_(socket_fd), pipe_read_(pipe_read), pipe_write_(pipe_write), ring_(ring) {}
  // Waits until `n` bytes at the ring's position may be overwritten.
  regcompat::runtime::Status waitForRoom(std::size_t n, std::uint64_t stream_offset, const std::atomic<bool> &aborted);
  int socket_;
  int pipe_read_, pipe_write_;
  int stall_timeout_ms_ = 0;
  std::uint8_t *ring_;
  std::size_t pos_ = 0;
  bool proven_ = false;  // a splice has succeeded on this socket
};

} // namespace regvm
