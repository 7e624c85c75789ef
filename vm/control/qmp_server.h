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

class QmpServer {
 public:
  // `path`: a Unix socket path (the part after "unix:").
  static regcompat::Result<std::unique_ptr<QmpServer>> listen(const std::string &path,
                                                              QmpCommandHandler handler);
  ~QmpServer();
  QmpServer(const QmpServer &) = delete;
  QmpServer &operator=(const QmpServer &) = delete;

 private:
  QmpServer(std::string path, int listen_fd, int wake_read, int wake_write, QmpCommandHandler handler);
  void loop();

  std::string path_;
  int listen_fd_;
  int wake_read_;
  int wake_write_;
  QmpCommandHandler handler_;
  std::thread thread_;
};

} // namespace regvm
