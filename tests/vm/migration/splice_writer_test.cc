// The unix-socket splice path (splice_writer.h): large writes go by
// reference from a ring this process reuses, so what matters is that a
// slow reader still gets every byte as written (the ring is not overwritten
// under it), that a reader that hangs up fails the write instead of killing
// the process, and that without SIGPIPE ignored the path stays off.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "channel.h"
#include "splice_writer.h"

namespace regvm::test {
namespace {

std::uint8_t patternAt(std::uint64_t i) { return static_cast<std::uint8_t>((i * 2654435761u) >> 13); }

struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() {
    EXPECT_EQ(0, ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
    int size = 1 << 20;  // as tuneSocket() sets it for unix sockets
    ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  ~SocketPair() {
    if (fds[1] >= 0) ::close(fds[1]);
  }
};

TEST(SpliceWriter, OffUnlessSigpipeIsIgnored) {
  SocketPair sp;
  ::signal(SIGPIPE, SIG_DFL);
  EXPECT_EQ(nullptr, SpliceWriter::create(sp.fds[0]));
  ::signal(SIGPIPE, SIG_IGN);
  EXPECT_NE(nullptr, SpliceWriter::create(sp.fds[0]));
  ::close(sp.fds[0]);
}

TEST(SpliceWriter, ASlowReaderGetsEveryByteAsWritten) {
  ::signal(SIGPIPE, SIG_IGN);
  SocketPair sp;
  FdChannel channel(sp.fds[0], true);
  channel.enableSplice();
  ASSERT_TRUE(channel.splicing());
  // Five times the ring, in writes of every size class: below the splice
  // threshold (copied), a piece, several pieces, gathered from parts.
  const std::size_t sizes[] = {100, 70000, SpliceWriter::kPieceBytes, 3 * SpliceWriter::kPieceBytes + 5, 1 << 20, 9};
  std::uint64_t total = 0;
  std::vector<std::vector<std::size_t>> writes;
  for (std::size_t i = 0; total < 5 * SpliceWriter::kRingBytes; ++i) {
    const std::size_t n = sizes[i % std::size(sizes)];
    writes.push_back(i % 3 == 0 ? std::vector<std::size_t>{5, n, 4} : std::vector<std::size_t>{n});
    for (auto k : writes.back()) total += k;
  }
  std::uint64_t mismatch_at = ~std::uint64_t{0}, got = 0;
  std::thread reader([&] {
    std::vector<std::uint8_t> buf(300000);
    for (std::uint64_t next_pause = 0;;) {
      const ssize_t r = ::read(sp.fds[1], buf.data(), buf.size());
      if (r <= 0) return;
      for (ssize_t i = 0; i < r; ++i)
        if (buf[static_cast<std::size_t>(i)] != patternAt(got + static_cast<std::uint64_t>(i)) && mismatch_at == ~std::uint64_t{0})
          mismatch_at = got + static_cast<std::uint64_t>(i);
      got += static_cast<std::uint64_t>(r);
      if (got >= next_pause) {  // fall behind now and then
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
        next_pause += 3 << 20;
      }
    }
  });
  std::uint64_t at = 0;
  for (const auto &w : writes) {
    std::vector<std::vector<std::uint8_t>> bufs;
    std::vector<std::span<const std::uint8_t>> parts;
    for (auto n : w) {
      bufs.emplace_back(n);
      for (std::size_t i = 0; i < n; ++i) bufs.back()[i] = patternAt(at + i);
      at += n;
    }
    for (const auto &b : bufs) parts.emplace_back(b);
    auto s = channel.writeAll(std::span<const std::span<const std::uint8_t>>(parts));
    ASSERT_TRUE(s.ok()) << s.error();
    // The caller reuses its buffers at once, as RamSender does.
    for (auto &b : bufs) std::fill(b.begin(), b.end(), 0xee);
  }
  EXPECT_TRUE(channel.splicing()) << "the kernel refused splicing: this test checked the copying path only";
  EXPECT_EQ(total, channel.bytesWritten());
  ::shutdown(sp.fds[0], SHUT_WR);
  reader.join();
  EXPECT_EQ(total, got);
  EXPECT_EQ(~std::uint64_t{0}, mismatch_at) << "first wrong byte at stream offset " << mismatch_at;
}

TEST(SpliceWriter, AReaderThatHangsUpFailsTheWrite) {
  ::signal(SIGPIPE, SIG_IGN);
  SocketPair sp;
  FdChannel channel(sp.fds[0], true);
  channel.enableSplice();
  ASSERT_TRUE(channel.splicing());
  std::thread reader([&] {
    std::vector<std::uint8_t> buf(1 << 20);
    (void)::read(sp.fds[1], buf.data(), buf.size());
    ::close(sp.fds[1]);
    sp.fds[1] = -1;
  });
  const std::vector<std::uint8_t> chunk(1 << 20, 7);
  regcompat::runtime::Status s;
  for (int i = 0; i < 64 && s.ok(); ++i) s = channel.writeAll(chunk);
  reader.join();
  ASSERT_FALSE(s.ok()) << "64 MiB went into a socket nobody reads";
  EXPECT_NE(std::string::npos, s.error().find("connection lost after")) << s.error();
}

} // namespace
} // namespace regvm::test
