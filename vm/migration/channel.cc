#include "channel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "splice_writer.h"

namespace regvm {

using regcompat::fail;
using regcompat::Result;
using regcompat::runtime::Status;

namespace {

std::string errnoText() { return std::strerror(errno); }

constexpr const char *kUriForms = "unix:PATH, tcp:HOST:PORT or file:PATH";

// TCP: large buffers, so that loopback keeps several 512 KiB sections in
// flight. Unix: a unix stream socket allocates fresh kernel pages for every
// write, within the sender's SO_SNDBUF; the more of them are in flight, the
// fewer come back warm from the per-CPU free lists. In this nested VM a cold
// page costs ~10 µs on first touch, and with 4 MiB the source sent a 1 GiB
// dirtying guest's first pass at 0.37-0.45 GB/s after a QEMU run had freed
// its memory (total 629-879 ms); with 1 MiB, 0.49-1.3 GB/s (235-587 ms;
// 256 and 512 KiB alike). Large writes now go by reference instead
// (splice_writer.h); the limit still bounds what is in flight.
void tuneSocket(int fd, bool tcp) {
  int size = tcp ? 4 << 20 : 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (tcp) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
}

Result<sockaddr_un> unixAddress(const std::string &path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return fail("unix socket path '" + path + "' is empty or longer than " +
                std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

Result<sockaddr_in> tcpAddress(const MigrationUri &uri) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uri.port);
  const std::string host = uri.host == "localhost" ? "127.0.0.1" : uri.host;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    return fail("tcp host '" + uri.host + "' is not an IPv4 address");
  return addr;
}

} // namespace

Result<MigrationUri> parseMigrationUri(std::string_view text) {
  MigrationUri uri;
  uri.text = std::string(text);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return fail("migration URI '" + uri.text + "' has no transport; use " + kUriForms);
  const std::string_view scheme = text.substr(0, colon);
  const std::string_view rest = text.substr(colon + 1);
  if (scheme == "unix" || scheme == "file") {
    if (rest.empty()) return fail("migration URI '" + uri.text + "' has no path");
    uri.kind = scheme == "unix" ? MigrationUri::Kind::Unix : MigrationUri::Kind::File;
    uri.path = std::string(rest);
    return uri;
  }
  if (scheme == "tcp") {
    const auto last = rest.rfind(':');
    if (last == std::string_view::npos || last == 0 || last + 1 == rest.size())
      return fail("migration URI '" + uri.text + "': expected tcp:HOST:PORT");
    unsigned port = 0;
    const std::string_view digits = rest.substr(last + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size() || port > 65535)
      return fail("migration URI '" + uri.text + "': port '" + std::string(digits) +
                  "' is not a number 0..65535");
    uri.kind = MigrationUri::Kind::Tcp;
    uri.host = std::string(rest.substr(0, last));
    uri.port = static_cast<std::uint16_t>(port);
    return uri;
  }
  return fail("migration URI '" + uri.text + "': unknown transport '" + std::string(scheme) +
              "'; use " + kUriForms);
}

Status Channel::writeAll(std::span<const std::span<const std::uint8_t>> parts) {
  for (auto p : parts)
    if (auto s = writeAll(p); !s) return s;
  return {};
}

FdChannel::FdChannel(int fd, bool is_socket, std::string final_path, std::string temp_path)
    : fd_(fd), is_socket_(is_socket), final_path_(std::move(final_path)), temp_path_(std::move(temp_path)) {}

void FdChannel::enableSplice() {
  splice_ = SpliceWriter::create(fd_);
  if (splice_) splice_->setStallTimeout(stall_timeout_ms_);
}

void FdChannel::setStallTimeout(int ms) {
  stall_timeout_ms_ = ms;
  if (splice_) splice_->setStallTimeout(ms);
  if (!is_socket_) return;
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

std::string FdChannel::stalled(const std::string &what) const {
  return what + " for " + std::to_string(stall_timeout_ms_) + " ms (stall timeout)";
}

FdChannel::~FdChannel() {
  splice_.reset();
  ::close(fd_);
  // An outgoing file that never finished: remove the partial copy.
  if (!final_path_.empty() && !finished_) ::unlink(temp_path_.c_str());
}

Status FdChannel::writeAll(std::span<const std::uint8_t> data) {
  std::span<const std::uint8_t> one[1] = {data};
  return writeAll(std::span<const std::span<const std::uint8_t>>(one));
}

Status FdChannel::writeAll(std::span<const std::span<const std::uint8_t>> parts) {
  if (splice_) {
    std::size_t total = 0;
    for (auto p : parts) total += p.size();
    if (total >= SpliceWriter::kMinWrite) {
      const auto outcome = splice_->write(parts, bytesWritten(), aborted_);
      written_.fetch_add(outcome.sent, std::memory_order_relaxed);
      if (!outcome.unsupported) return outcome.status;
      splice_.reset();  // nothing was sent: copy instead, from now on
    }
  }
  constexpr std::size_t kMaxIov = 64;
  iovec iov[kMaxIov];
  std::size_t first = 0;       // first part not fully written
  std::size_t first_done = 0;  // bytes of it already written
  while (first < parts.size()) {
    if (aborted_.load()) return fail("migration aborted after " + std::to_string(bytesWritten()) + " bytes");
    std::size_t n = 0;
    for (std::size_t i = first; i < parts.size() && n < kMaxIov; ++i) {
      const std::size_t skip = i == first ? first_done : 0;
      if (parts[i].size() == skip) continue;
      iov[n].iov_base = const_cast<std::uint8_t *>(parts[i].data() + skip);
      iov[n].iov_len = parts[i].size() - skip;
      ++n;
    }
    if (n == 0) break;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = n;
    const ssize_t w = is_socket_ ? ::sendmsg(fd_, &msg, MSG_NOSIGNAL) : ::writev(fd_, iov, static_cast<int>(n));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !aborted_.load())
      return fail(stalled("the peer took no data") + " after " + std::to_string(bytesWritten()) + " bytes");
    if (w <= 0)
      return fail("connection lost after " + std::to_string(bytesWritten()) + " bytes: " +
                  (w < 0 ? errnoText() : "nothing written"));
    written_.fetch_add(static_cast<std::uint64_t>(w), std::memory_order_relaxed);
    auto left = static_cast<std::size_t>(w);
    while (first < parts.size() && left > 0) {
      const std::size_t avail = parts[first].size() - first_done;
      if (left >= avail) {
        left -= avail;
        ++first;
        first_done = 0;
      } else {
        first_done += left;
        left = 0;
      }
    }
    while (first < parts.size() && parts[first].size() == first_done) {
      ++first;
      first_done = 0;
    }
  }
  return {};
}

Result<std::size_t> FdChannel::readFull(std::uint8_t *out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    if (aborted_.load()) return fail("migration aborted");
    const ssize_t r = ::read(fd_, out + done, n - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !aborted_.load())
      return fail(stalled("the peer sent nothing") + " at byte offset " + std::to_string(read_));
    if (aborted_.load()) return fail("migration aborted");
    if (r < 0) return fail("read error at byte offset " + std::to_string(read_) + ": " + errnoText());
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
    read_ += static_cast<std::uint64_t>(r);
  }
  return done;
}

bool FdChannel::waitReadable(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  for (;;) {
    const int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

void FdChannel::drain(int timeout_ms) {
  if (!is_socket_) return;
  ::shutdown(fd_, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<std::uint8_t> sink(1 << 16);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0 || !waitReadable(static_cast<int>(left))) return;
    const ssize_t r = ::read(fd_, sink.data(), sink.size());
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
  }
}

void FdChannel::abort() {
  aborted_.store(true);
  if (is_socket_) ::shutdown(fd_, SHUT_RDWR);
}

Status FdChannel::waitUntilDelivered() {
  if (!is_socket_) return {};
  using Clock = std::chrono::steady_clock;
  int last = -1;
  auto progress = Clock::now();
  for (;;) {
    if (aborted_.load()) return fail("migration aborted");
    int queued = 0;
    if (::ioctl(fd_, SIOCOUTQ, &queued) != 0) return {};  // cannot tell: the reply's wait bounds it
    if (queued == 0 || waitReadable(0)) return {};
    if (last < 0 || queued < last) progress = Clock::now();
    last = queued;
    if (stall_timeout_ms_ > 0 && Clock::now() - progress >= std::chrono::milliseconds(stall_timeout_ms_))
      return fail(stalled("the destination read none of the last " + std::to_string(queued) + " bytes") +
                  ": it is not loading the stream");
    pollfd p{fd_, POLLIN, 0};
    (void)::poll(&p, 1, 10);
  }
}

Status FdChannel::finishWriting() {
  if (final_path_.empty() || finished_) return {};
  if (::fsync(fd_) != 0) return fail("cannot flush " + temp_path_ + ": " + errnoText());
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
    return fail("cannot rename " + temp_path_ + " to " + final_path_ + ": " + errnoText());
  finished_ = true;
  return {};
}

Status MemoryChannel::writeAll(std::span<const std::uint8_t> data) {
  const std::uint64_t before = bytesWritten();
  if (before + data.size() > write_limit_) {
    const auto fits = static_cast<std::size_t>(write_limit_ - before);
    data_.insert(data_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(fits));
    written_ += fits;
    return fail("connection lost after " + std::to_string(bytesWritten()) + " bytes");
  }
  data_.insert(data_.end(), data.begin(), data.end());
  written_ += data.size();
  return {};
}

Result<std::size_t> MemoryChannel::readFull(std::uint8_t *out, std::size_t n) {
  const std::size_t k = std::min(n, data_.size() - pos_);
  if (k > 0) std::memcpy(out, data_.data() + pos_, k);
  pos_ += k;
  read_ += k;
  return k;
}

Result<std::unique_ptr<Channel>> openOutgoing(const MigrationUri &uri, int stall_timeout_ms) {
  switch (uri.kind) {
  case MigrationUri::Kind::File: {
    // Guest memory: readable by its owner only (0600), in a file of its own
    // (O_EXCL | O_NOFOLLOW: never a planted link's target, never another
    // migration's partial file), renamed into place when complete.
    static std::atomic<unsigned> counter{0};
    std::string tmp;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
      tmp = uri.path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
      fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) return fail("cannot create " + tmp + ": " + errnoText());
    return std::unique_ptr<Channel>(new FdChannel(fd, false, uri.path, tmp));
  }
  case MigrationUri::Kind::Unix: {
    auto addr = unixAddress(uri.path);
    if (!addr) return fail(addr.error());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("socket: " + errnoText());
    tuneSocket(fd, false);
    auto channel = std::make_unique<FdChannel>(fd, true);
    channel->setStallTimeout(stall_timeout_ms);  // bounds connect() too
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&*addr), sizeof *addr) != 0)
      return fail("cannot connect to " + uri.text + ": " + errnoText());
    channel->enableSplice();
    return std::unique_ptr<Channel>(std::move(channel));
  }
  case MigrationUri::Kind::Tcp: {
    auto addr = tcpAddress(uri);
    if (!addr) return fail(addr.error());
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("socket: " + errnoText());
    tuneSocket(fd, true);
    auto channel = std::make_unique<FdChannel>(fd, true);
    channel->setStallTimeout(stall_timeout_ms);  // bounds connect() too
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&*addr), sizeof *addr) != 0)
      return fail("cannot connect to " + uri.text + ": " +
                  (errno == EINPROGRESS ? "no answer within the stall timeout" : errnoText()));
    return std::unique_ptr<Channel>(std::move(channel));
  }
  }
  return fail("unknown transport");
}

Result<std::unique_ptr<IncomingListener>> IncomingListener::open(const MigrationUri &uri) {
  switch (uri.kind) {
  case MigrationUri::Kind::File: {
    const int fd = ::open(uri.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail("cannot open " + uri.path + ": " + errnoText());
    return std::unique_ptr<IncomingListener>(new IncomingListener(uri, fd, 0));
  }
  case MigrationUri::Kind::Unix: {
    auto addr = unixAddress(uri.path);
    if (!addr) return fail(addr.error());
    // A stale socket from an earlier run would make bind() fail; one where
    // a process listens is another destination's.
    struct stat st{};
    if (::lstat(uri.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
      const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const bool live = probe >= 0 && ::connect(probe, reinterpret_cast<const sockaddr *>(&*addr), sizeof *addr) == 0;
      if (probe >= 0) ::close(probe);
      if (live) return fail("cannot listen on " + uri.text + ": another process listens there");
      ::unlink(uri.path.c_str());
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("socket: " + errnoText());
    // 0600 before listening: the stream carries guest memory.
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&*addr), sizeof *addr) != 0 ||
        ::chmod(uri.path.c_str(), 0600) != 0 || ::lstat(uri.path.c_str(), &st) != 0 || ::listen(fd, 1) != 0) {
      const std::string e = errnoText();
      ::close(fd);
      return fail("cannot listen on " + uri.text + ": " + e);
    }
    auto listener = std::unique_ptr<IncomingListener>(new IncomingListener(uri, fd, 0));
    listener->dev_ = st.st_dev;
    listener->ino_ = st.st_ino;
    return listener;
  }
  case MigrationUri::Kind::Tcp: {
    auto addr = tcpAddress(uri);
    if (!addr) return fail(addr.error());
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("socket: " + errnoText());
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&*addr), sizeof *addr) != 0 || ::listen(fd, 1) != 0) {
      const std::string e = errnoText();
      ::close(fd);
      return fail("cannot listen on " + uri.text + ": " + e);
    }
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &len);
    return std::unique_ptr<IncomingListener>(new IncomingListener(uri, fd, ntohs(bound.sin_port)));
  }
  }
  return fail("unknown transport");
}

IncomingListener::~IncomingListener() {
  if (fd_ >= 0) ::close(fd_);
  struct stat st{};
  if (uri_.kind == MigrationUri::Kind::Unix && ::lstat(uri_.path.c_str(), &st) == 0 && st.st_dev == dev_ &&
      st.st_ino == ino_)
    ::unlink(uri_.path.c_str());
}

void IncomingListener::abort() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  // Wakes a blocked accept() (Linux: EINVAL) and poll().
  if (fd_ >= 0 && uri_.kind != MigrationUri::Kind::File) ::shutdown(fd_, SHUT_RDWR);
  if (current_) current_->abort();
}

void IncomingListener::detach() {
  std::lock_guard lock(mutex_);
  current_ = nullptr;
}

Result<std::unique_ptr<Channel>> IncomingListener::accept(int stall_timeout_ms,
                                                          const std::function<void(const std::string &)> &on_dropped) {
  auto adopt = [&](std::unique_ptr<FdChannel> channel) -> Result<std::unique_ptr<Channel>> {
    std::lock_guard lock(mutex_);
    if (aborted_) return fail("the incoming migration was abandoned (quit)");
    current_ = channel.get();
    return std::unique_ptr<Channel>(std::move(channel));
  };
  if (uri_.kind == MigrationUri::Kind::File) {
    const int fd = fd_;
    fd_ = -1;
    if (fd < 0) return fail("file " + uri_.path + " was already read");
    return adopt(std::make_unique<FdChannel>(fd, false));
  }
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (aborted_) return fail("the incoming migration was abandoned (quit)");
    }
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0 && errno == EINTR) continue;
    if (fd < 0) {
      std::lock_guard lock(mutex_);
      if (aborted_) return fail("the incoming migration was abandoned (quit)");
      return fail("accept on " + uri_.text + ": " + errnoText());
    }
    tuneSocket(fd, uri_.kind == MigrationUri::Kind::Tcp);
    auto channel = std::make_unique<FdChannel>(fd, true);
    channel->setStallTimeout(stall_timeout_ms);
    // The handshake: a source writes its preamble at once. A connection
    // that sends nothing (a port scan, a stuck client) must not hold the
    // only slot the real source can use.
    if (stall_timeout_ms > 0 && !channel->waitReadable(stall_timeout_ms)) {
      if (on_dropped)
        on_dropped("a connection on " + uri_.text + " sent nothing for " + std::to_string(stall_timeout_ms) +
                   " ms: closed it, still waiting for the source");
      continue;
    }
    return adopt(std::move(channel));
  }
}

} // namespace regvm
