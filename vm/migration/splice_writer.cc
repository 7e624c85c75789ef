#include "splice_writer.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

namespace regvm {

using regcompat::fail;
using regcompat::runtime::Status;

std::unique_ptr<SpliceWriter> SpliceWriter::create(int socket_fd) {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) != 0 || current.sa_handler != SIG_IGN) return nullptr;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return nullptr;
  // A piece fits the pipe whole (the default pipe is 64 KiB).
  (void)::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(kPieceBytes));
  void *ring = ::mmap(nullptr, kRingBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (ring == MAP_FAILED) {
    ::close(fds[0]);
    ::close(fds[1]);
    return nullptr;
  }
  return std::unique_ptr<SpliceWriter>(new SpliceWriter(socket_fd, fds[0], fds[1], static_cast<std::uint8_t *>(ring)));
}

SpliceWriter::~SpliceWriter() {
  ::close(pipe_read_);
  ::close(pipe_write_);
  // Pages still referenced by the socket stay alive until the reader drops
  // them; the mapping can go.
  ::munmap(ring_, kRingBytes);
}

Status SpliceWriter::waitForRoom(std::size_t n, std::uint64_t stream_offset, const std::atomic<bool> &aborted) {
  using Clock = std::chrono::steady_clock;
  int last = -1;
  auto progress = Clock::now();
  for (;;) {
    int queued = 0;
    if (::ioctl(socket_, SIOCOUTQ, &queued) != 0)
      return fail("connection lost after " + std::to_string(stream_offset) + " bytes: SIOCOUTQ: " + std::strerror(errno));
    // Every ring byte about to be overwritten was followed by at least
    // kRingBytes - n bytes of stream; none of it is unread any more when
    // fewer than that are queued.
    if (static_cast<std::size_t>(queued) + n < kRingBytes) return {};
    if (aborted.load()) return fail("migration aborted after " + std::to_string(stream_offset) + " bytes");
    if (last < 0 || queued < last) progress = Clock::now();
    last = queued;
    if (stall_timeout_ms_ > 0 && Clock::now() - progress >= std::chrono::milliseconds(stall_timeout_ms_))
      return fail("the peer took no data for " + std::to_string(stall_timeout_ms_) + " ms (stall timeout) after " +
                  std::to_string(stream_offset) + " bytes");
    pollfd p{socket_, POLLOUT, 0};
    (void)::poll(&p, 1, 1);
  }
}

SpliceWriter::Outcome SpliceWriter::write(std::span<const std::span<const std::uint8_t>> parts,
                                          std::uint64_t stream_offset, const std::atomic<bool> &aborted) {
  Outcome out;
  auto lost = [&](const char *call, int error) {
    if ((error == EAGAIN || error == EWOULDBLOCK) && !aborted.load()) {
      out.status = fail("the peer took no data for " + std::to_string(stall_timeout_ms_) +
                        " ms (stall timeout) after " + std::to_string(stream_offset + out.sent) + " bytes");
      return out;
    }
    out.status = fail("connection lost after " + std::to_string(stream_offset + out.sent) + " bytes: " + call + ": " +
                      (error != 0 ? std::strerror(error) : "nothing written"));
    return out;
  };
  std::size_t part = 0, part_done = 0;
  std::size_t left = 0;
  for (auto p : parts) left += p.size();
  while (left > 0) {
    if (aborted.load()) {
      out.status = fail("migration aborted after " + std::to_string(stream_offset + out.sent) + " bytes");
      return out;
    }
    const std::size_t n = std::min({left, kPieceBytes, kRingBytes - pos_});
    if (auto s = waitForRoom(n, stream_offset + out.sent, aborted); !s) {
      out.status = s;
      return out;
    }
    for (std::size_t copied = 0; copied < n;) {
      const std::size_t k = std::min(n - copied, parts[part].size() - part_done);
      std::memcpy(ring_ + pos_ + copied, parts[part].data() + part_done, k);
      copied += k;
      part_done += k;
      if (part_done == parts[part].size()) {
        ++part;
        part_done = 0;
      }
    }
    for (std::size_t queued = 0; queued < n;) {
      iovec piece{ring_ + pos_ + queued, n - queued};
      const ssize_t v = ::vmsplice(pipe_write_, &piece, 1, 0);
      if (v < 0 && errno == EINTR) continue;
      if (v < 0) {
        const int error = errno;
        out.unsupported = !proven_ && out.sent == 0;
        return lost("vmsplice", error);
      }
      for (auto in_pipe = static_cast<std::size_t>(v); in_pipe > 0;) {
        const ssize_t s = ::splice(pipe_read_, nullptr, socket_, nullptr, in_pipe, SPLICE_F_MOVE | SPLICE_F_MORE);
        if (s < 0 && errno == EINTR) continue;
        if (s <= 0) {
          const int error = s < 0 ? errno : 0;
          out.unsupported = !proven_ && out.sent == 0 && error == EINVAL;
          return lost("splice", error);
        }
        proven_ = true;
        in_pipe -= static_cast<std::size_t>(s);
        out.sent += static_cast<std::uint64_t>(s);
      }
      queued += static_cast<std::size_t>(v);
    }
    pos_ = (pos_ + n) % kRingBytes;
    left -= n;
  }
  return out;
}

} // namespace regvm
