#include "qmp_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <vector>

namespace regvm {

using regcompat::fail;

std::string QmpSession::greeting() {
  json::Value version = json::Object{
      {"qemu", json::Object{{"micro", 0}, {"minor", 1}, {"major", 0}}},
      {"package", "regvm"},
  };
  return json::write(json::Object{
             {"QMP", json::Object{{"version", version}, {"capabilities", json::Array{}}}}}) +
         "\n";
}

std::string QmpSession::feed(std::string_view bytes, std::vector<std::function<void()>> &after) {
  std::string out;
  for (char c : bytes) {
    if (c == '\n') {
      if (discarding_) {
        out += json::write(json::Object{{"error", json::Object{{"class", "GenericError"},
                                                               {"desc", "request longer than " +
                                                                            std::to_string(kMaxLine) +
                                                                            " bytes"}}}}) +
               "\n";
        discarding_ = false;
      } else {
        out += handleLine(pending_, after);
      }
      pending_.clear();
      continue;
    }
    if (discarding_) continue;
    if (pending_.size() >= kMaxLine) {
      discarding_ = true;
      pending_.clear();
      continue;
    }
    pending_ += c;
  }
  return out;
}

std::string QmpSession::handleLine(std::string_view line, std::vector<std::function<void()>> &after) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return {};
  auto reply = [](const json::Value *id, json::Object body) {
    if (id) body.emplace_back("id", *id);
    return json::write(std::move(body)) + "\n";
  };
  auto error = [&](const json::Value *id, const std::string &cls, const std::string &desc) {
    return reply(id, json::Object{{"error", json::Object{{"class", cls}, {"desc", desc}}}});
  };
  auto parsed = json::parse(line);
  if (!parsed) return error(nullptr, "GenericError", "JSON parse error: " + parsed.error());
  const json::Value &request = *parsed;
  if (!request.isObject()) return error(nullptr, "GenericError", "QMP input must be a JSON object");
  const json::Value *id = request.find("id");
  const json::Value *execute = request.find("execute");
  if (!execute || !execute->isString())
    return error(id, "GenericError", "QMP input lacks member 'execute' (a string)");
  const json::Value *arguments = request.find("arguments");
  static const json::Value kNoArguments = json::Object{};
  if (arguments && !arguments->isObject())
    return error(id, "GenericError", "QMP input member 'arguments' must be an object");
  const std::string &command = execute->asString();
  if (command == "qmp_capabilities") {
    if (negotiated_)
      return error(id, "CommandNotFound", "Capabilities negotiation is already complete, command ignored");
    negotiated_ = true;
    return reply(id, json::Object{{"return", json::Object{}}});
  }
  if (!negotiated_)
    return error(id, "CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'");
  QmpResult result = handler_(command, arguments ? *arguments : kNoArguments);
  if (result.after_reply) after.push_back(std::move(result.after_reply));
  if (!result.error_class.empty()) return error(id, result.error_class, result.desc);
  return reply(id, json::Object{{"return", std::move(result.value)}});
}

namespace {

std::string errnoText() { return std::strerror(errno); }

// Is a process listening on the Unix socket at `addr`?
bool someoneListens(const sockaddr_un &addr) {
  const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return false;
  const bool live = ::connect(probe, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0;
  ::close(probe);
  return live;
}

std::string errorLine(const std::string &desc) {
  return json::write(json::Object{{"error", json::Object{{"class", "GenericError"}, {"desc", desc}}}}) + "\n";
}

} // namespace

regcompat::Result<std::unique_ptr<QmpServer>> QmpServer::listen(const std::string &path,
                                                                QmpCommandHandler handler, Limits limits) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return fail("control socket path '" + path + "' is empty or too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return fail("control socket path " + path + " exists and is not a socket");
    if (someoneListens(addr))
      return fail("control socket " + path + " is in use by another process (another regvm?)");
    ::unlink(path.c_str());  // left behind by a process that was killed
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail("socket: " + errnoText());
  // Bound, made 0600, and only then listening: nobody connects in between
  // (connect() to a socket that does not listen yet is refused).
  if (::bind(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0) {
    const std::string e = errnoText();
    ::close(fd);
    return fail("cannot listen on control socket " + path + ": " + e);
  }
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0 ||
      ::listen(fd, static_cast<int>(limits.max_clients)) != 0) {
    const std::string e = errnoText();
    ::close(fd);
    ::unlink(path.c_str());
    return fail("cannot listen on control socket " + path + ": " + e);
  }
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    ::close(fd);
    ::unlink(path.c_str());
    return fail("pipe: " + errnoText());
  }
  auto server = std::unique_ptr<QmpServer>(
      new QmpServer(path, fd, pipefd[0], pipefd[1], std::move(handler), limits));
  server->dev_ = st.st_dev;
  server->ino_ = st.st_ino;
  return server;
}

QmpServer::QmpServer(std::string path, int listen_fd, int wake_read, int wake_write,
                     QmpCommandHandler handler, Limits limits)
    : path_(std::move(path)), listen_fd_(listen_fd), wake_read_(wake_read), wake_write_(wake_write),
      handler_(std::move(handler)), limits_(limits) {
  thread_ = std::thread([this] { loop(); });
}

QmpServer::~QmpServer() {
  const char c = 'x';
  (void)!::write(wake_write_, &c, 1);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
  struct stat st{};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
}

namespace {

struct Client {
  int fd;
  QmpSession session;
  std::string out;  // replies not yet taken by the client
};

// Sends what the socket takes now. False: the client is gone.
bool flush(Client &client) {
  while (!client.out.empty()) {
    const ssize_t n = ::send(client.fd, client.out.data(), client.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;
    client.out.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

} // namespace

void QmpServer::loop() {
  std::map<int, std::unique_ptr<Client>> clients;
  // Held in reserve for running out of descriptors (see the class comment).
  int reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  using Clock = std::chrono::steady_clock;
  Clock::time_point listener_paused_until{};
  auto drop = [&](int fd) {
    ::close(fd);
    clients.erase(fd);
  };
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({wake_read_, POLLIN, 0});
    const bool listening = Clock::now() >= listener_paused_until;
    fds.push_back({listening ? listen_fd_ : -1, POLLIN, 0});
    for (const auto &[fd, client] : clients) {
      short events = 0;
      if (client->out.size() < limits_.max_pending_output) events |= POLLIN;
      if (!client->out.empty()) events |= POLLOUT;
      fds.push_back({fd, events, 0});
    }
    if (::poll(fds.data(), fds.size(), listening ? -1 : 100) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    if (fds[1].revents & POLLIN) {
      int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (client < 0 && (errno == EMFILE || errno == ENFILE)) {
        // Out of descriptors: free the reserve to take the waiting client
        // off the queue and refuse it; pause listening if even that fails.
        if (reserve >= 0) ::close(reserve);
        client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (client >= 0) {
          const std::string line = errorLine("regvm has no file descriptor left for another control client");
          (void)!::send(client, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
          ::close(client);
          client = -1;
        } else {
          listener_paused_until = Clock::now() + std::chrono::milliseconds(100);
        }
        reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      }
      if (client >= 0 && clients.size() >= limits_.max_clients) {
        const std::string line = errorLine("too many control clients (at most " +
                                           std::to_string(limits_.max_clients) + " at once)");
        (void)!::send(client, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(client);
      } else if (client >= 0) {
        auto entry = std::make_unique<Client>(Client{client, QmpSession(handler_), QmpSession::greeting()});
        Client &c = *entry;
        clients.emplace(client, std::move(entry));
        if (!flush(c)) drop(client);
      }
    }
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const int fd = fds[i].fd;
      auto it = clients.find(fd);
      if (it == clients.end()) continue;
      Client &c = *it->second;
      if ((fds[i].revents & POLLOUT) && !flush(c)) {
        drop(fd);
        continue;
      }
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (!(fds[i].events & POLLIN)) {
        // Not reading from it (replies pending); a hang-up still ends it.
        if (fds[i].revents & (POLLHUP | POLLERR)) drop(fd);
        continue;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n <= 0) {
        drop(fd);
        continue;
      }
      std::vector<std::function<void()>> after;
      c.out += c.session.feed({buf, static_cast<std::size_t>(n)}, after);
      const bool alive = flush(c);
      // After the reply was offered: `quit` acts even when the client does
      // not read it.
      for (auto &action : after) action();
      if (!alive) drop(fd);
    }
  }
  for (const auto &[fd, client] : clients) ::close(fd);
  if (reserve >= 0) ::close(reserve);
}

} // namespace regvm
