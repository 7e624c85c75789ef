// The control socket (--qmp unix:PATH): a QMP-like protocol, one JSON object
// per line, as QEMU's monitor speaks it (docs/interop/qmp-spec.rst):
//   server: {"QMP": {"version": {...}, "capabilities": []}}
//   client: {"execute": "qmp_capabilities"}        -> {"return": {}}
//   client: {"execute": "migrate", "arguments": {"uri": "unix:/tmp/m"}, "id": 1}
//   server: {"return": {}, "id": 1}
// Errors: {"error": {"class": "GenericError", "desc": "..."}}; a line that
// is not JSON gets an error naming the column, and the connection stays up.
// Commands before qmp_capabilities get CommandNotFound, as in QEMU.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "json.h"
#include "regcompat/result.h"

namespace regvm {

struct QmpResult {
  json::Value value;                   // the "return" value when error_class is empty
  std::string error_class;             // "GenericError", "CommandNotFound", ...
  std::string desc;
  std::function<void()> after_reply;   // runs once the reply is on the wire (quit)

  static QmpResult ok(json::Value v = json::Object{}) { return {std::move(v), {}, {}, {}}; }
  static QmpResult error(std::string desc, std::string cls = "GenericError") {
    return {{}, std::move(cls), std::move(desc), {}};
  }
};

// Runs on the server's thread, one command at a time.
using QmpCommandHandler = std::function<QmpResult(std::string_view command, const json::Value &arguments)>;

// Handles one client's bytes: splits lines, parses, negotiates
// capabilities, dispatches. Separate from the socket so that tests and the
// fuzzer drive it directly.
class QmpSession {
 public:
  explicit QmpSession(QmpCommandHandler handler) : handler_(std::move(handler)) {}
  static std::string greeting();
  // Feeds received bytes; returns the reply lines (each ends with '\n') and
  // collects after-reply actions into `after`.
  std::string feed(std::string_view bytes, std::vector<std::function<void()>> &after);
  // One request line (without its newline) -> one reply line.
  std::string handleLine(std::string_view line, std::vector<std::function<void()>> &after);

  static constexpr std::size_t kMaxLine = 1 << 20;

 private:
  QmpCommandHandler handler_;
  std::string pending_;
  bool negotiated_ = false;
  bool discarding_ = false;  // inside a line longer than kMaxLine
};

// Serves the control socket on its own thread. Every client is served
// without blocking on any other: replies queue per client and go out as the
// client reads them, and a client that does not read its replies (more than
// `max_pending_output` queued) is no longer read from until it does, while
// the others go on. At most `max_clients` at once; a further client gets an
// error line and is closed. When the process runs out of descriptors, a
// reserved one is given up to accept and refuse the waiting client, so
// the thread never spins on a listener it cannot serve.
class QmpServer {
 public:
  struct Limits {
    std::size_t max_clients = 16;
    std::size_t max_pending_output = std::size_t{1} << 20;
  };

  // `path`: a Unix socket path (the part after "unix:"). The socket is
  // made mode 0600 before it accepts anyone: the socket drives the guest.
  // A path where another live process listens is refused (two regvm
  // instances never share a control socket); a stale socket file left by
  // a killed process is replaced.
  static regcompat::Result<std::unique_ptr<QmpServer>> listen(const std::string &path,
                                                              QmpCommandHandler handler,
                                                              Limits limits);
  static regcompat::Result<std::unique_ptr<QmpServer>> listen(const std::string &path,
                                                              QmpCommandHandler handler) {
    return listen(path, std::move(handler), Limits{});
  }
  // Stops serving and removes the socket file (if it is still the one this
  // server bound).
  ~QmpServer();
  QmpServer(const QmpServer &) = delete;
  QmpServer &operator=(const QmpServer &) = delete;

 private:
  QmpServer(std::string path, int listen_fd, int wake_read, int wake_write, QmpCommandHandler handler,
            Limits limits);
  void loop();

  std::string path_;
  int listen_fd_;
  int wake_read_;
  int wake_write_;
  QmpCommandHandler handler_;
  Limits limits_;
  dev_t dev_ = 0;  // the socket file bound, removed only if still there
  ino_t ino_ = 0;
  std::thread thread_;
};

} // namespace regvm
