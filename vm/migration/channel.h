// A migration byte stream and its transports:
//   unix:PATH            a Unix stream socket (the destination listens)
//   tcp:HOST:PORT        a TCP connection (127.0.0.1 in the tests)
//   file:PATH            a file (no return path: the destination loads it later)
// Sockets carry a return path: after loading, the destination answers OK or
// ERROR with its message, so the source knows whether the destination
// really took over before it gives up the guest.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "regcompat/result.h"
#include "regcompat/runtime/status.h"

namespace regvm {

class SpliceWriter;

struct MigrationUri {
  enum class Kind : std::uint8_t { Unix, Tcp, File };
  Kind kind = Kind::Unix;
  std::string path;  // Unix, File
  std::string host;  // Tcp
  std::uint16_t port = 0;
  std::string text;  // as given

  bool hasReturnPath() const { return kind != Kind::File; }
};

// Errors name the accepted forms.
regcompat::Result<MigrationUri> parseMigrationUri(std::string_view text);

// One direction or both of a byte stream. Counts bytes so that errors can
// name the offset where they happened.
class Channel {
 public:
  virtual ~Channel() = default;
  // Writes everything or fails ("connection lost after N bytes: ...").
  virtual regcompat::runtime::Status writeAll(std::span<const std::uint8_t> data) = 0;
  // Gathers several buffers into one write.
  virtual regcompat::runtime::Status writeAll(std::span<const std::span<const std::uint8_t>> parts);
  // Reads up to `n` bytes, fewer only at the end of the stream; an error is a
  // read error (not EOF).
  virtual regcompat::Result<std::size_t> readFull(std::uint8_t *out, std::size_t n) = 0;
  // Waits up to `timeout_ms` for data to read; false on timeout.
  virtual bool waitReadable(int timeout_ms) = 0;
  // Makes every blocked or later read/write fail (from any thread).
  virtual void abort() = 0;
  // Reads and discards until the peer closes or `timeout_ms` passed: a
  // destination that failed keeps reading for a while, so that the source's
  // writes complete and it reads the error on the return path instead of a
  // reset connection.
  virtual void drain(int timeout_ms) { (void)timeout_ms; }
  // The end of the outgoing data: a file is flushed to disk and renamed into
  // place; a socket stays open for the reply.
  virtual regcompat::runtime::Status finishWriting() { return {}; }
  // Waits until the peer has taken every byte written (a socket's unread
  // queue is empty) or has answered. Fails when the queue does not shrink
  // for the stall timeout: a peer that accepted the connection and never
  // reads cannot hold the source.
  virtual regcompat::runtime::Status waitUntilDelivered() { return {}; }

  std::uint64_t bytesWritten() const { return written_.load(std::memory_order_relaxed); }
  std::uint64_t bytesRead() const { return read_; }

 protected:
  std::atomic<std::uint64_t> written_{0};
  std::uint64_t read_ = 0;
};

// A connected socket or an open file.
class FdChannel : public Channel {
 public:
  // `is_socket`: send() with MSG_NOSIGNAL (a dead peer is an error, not a
  // SIGPIPE). `final_path`: for file: outgoing, `fd` writes `temp_path` (a
  // unique 0600 file beside it), renamed on finishWriting() so that a failed
  // migration leaves no half-written file.
  FdChannel(int fd, bool is_socket, std::string final_path = {}, std::string temp_path = {});
  // Sockets: a write that the peer takes nothing of, or a read that gets
  // nothing, for `ms` fails ("stalled"), instead of blocking forever
  // (SO_SNDTIMEO / SO_RCVTIMEO; the splice path and waitUntilDelivered()
  // apply the same bound). 0: no bound.
  void setStallTimeout(int ms);
  // Unix sockets: large writes by reference from a reused ring
  // (splice_writer.h); falls back to copying when the kernel refuses.
  void enableSplice();
  bool splicing() const { return splice_ != nullptr; }
  ~FdChannel() override;
  FdChannel(const FdChannel &) = delete;
  FdChannel &operator=(const FdChannel &) = delete;

  using Channel::writeAll;
  regcompat::runtime::Status writeAll(std::span<const std::uint8_t> data) override;
  regcompat::runtime::Status writeAll(std::span<const std::span<const std::uint8_t>> parts) override;
  regcompat::Result<std::size_t> readFull(std::uint8_t *out, std::size_t n) override;
  bool waitReadable(int timeout_ms) override;
  void abort() override;
  void drain(int timeout_ms) override;
  regcompat::runtime::Status finishWriting() override;
  regcompat::runtime::Status waitUntilDelivered() override;

 private:
  std::string stalled(const std::string &what) const;

  int fd_;
  bool is_socket_;
  int stall_timeout_ms_ = 0;
  std::string final_path_;
  std::string temp_path_;
  bool finished_ = false;
  std::atomic<bool> aborted_{false};
  std::unique_ptr<SpliceWriter> splice_;
};

// In memory, for tests: reads what was written.
class MemoryChannel : public Channel {
 public:
  MemoryChannel() = default;
  explicit MemoryChannel(std::vector<std::uint8_t> input) : data_(std::move(input)) {}
  using Channel::writeAll;
  regcompat::runtime::Status writeAll(std::span<const std::uint8_t> data) override;
  regcompat::Result<std::size_t> readFull(std::uint8_t *out, std::size_t n) override;
  bool waitReadable(int) override { return pos_ < data_.size(); }
  void abort() override {}
  const std::vector<std::uint8_t> &data() const { return data_; }
  // Fail writes after `n` bytes (a cut connection).
  void failWritesAfter(std::uint64_t n) { write_limit_ = n; }

 private:
  std::vector<std::uint8_t> data_;
  std::size_t pos_ = 0;
  std::uint64_t write_limit_ = UINT64_MAX;
};

// Source side: connect (unix, tcp) or create the file. `stall_timeout_ms`
// bounds the connect and every later write and read (FdChannel).
regcompat::Result<std::unique_ptr<Channel>> openOutgoing(const MigrationUri &uri, int stall_timeout_ms = 0);

// Destination side: listen on a socket, or open the file to read.
class IncomingListener {
 public:
  static regcompat::Result<std::unique_ptr<IncomingListener>> open(const MigrationUri &uri);
  ~IncomingListener();
  IncomingListener(const IncomingListener &) = delete;
  IncomingListener &operator=(const IncomingListener &) = delete;
  // Waits for the source (socket) or returns the file. A connection that
  // sends nothing within `stall_timeout_ms` is closed and the wait goes on
  // (the real source may still come; QEMU's incoming would wait on it
  // forever); every later read of the accepted channel has the same bound.
  // `on_dropped` hears of each such connection.
  regcompat::Result<std::unique_ptr<Channel>> accept(int stall_timeout_ms = 0,
                                                     const std::function<void(const std::string &)> &on_dropped = {});
  // Makes a blocked or later accept() fail, and aborts the channel it
  // returned (QMP quit, SIGTERM), from any thread.
  void abort();
  // The channel accept() returned is about to go: abort() no longer
  // reaches it.
  void detach();
  bool hasReturnPath() const { return uri_.hasReturnPath(); }
  // tcp:HOST:0 listens on a free port: the one chosen.
  std::uint16_t port() const { return port_; }

 private:
  IncomingListener(MigrationUri uri, int fd, std::uint16_t port)
      : uri_(std::move(uri)), fd_(fd), port_(port) {}
  MigrationUri uri_;
  int fd_;
  std::uint16_t port_;
  dev_t dev_ = 0;  // the unix socket file bound, removed only if still there
  ino_t ino_ = 0;
  std::mutex mutex_;
  bool aborted_ = false;
  Channel *current_ = nullptr;
};

} // namespace regvm
