#include "qmp_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
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

regcompat::Result<std::unique_ptr<QmpServer>> QmpServer::listen(const std::string &path,
                                                                QmpCommandHandler handler) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return fail("control socket path '" + path + "' is empty or too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
  if (::bind(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
    const std::string e = std::strerror(errno);
    ::close(fd);
    return fail("cannot listen on control socket " + path + ": " + e);
  }
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    ::close(fd);
    return fail(std::string("pipe: ") + std::strerror(errno));
  }
  return std::unique_ptr<QmpServer>(new QmpServer(path, fd, pipefd[0], pipefd[1], std::move(handler)));
}

QmpServer::QmpServer(std::string path, int listen_fd, int wake_read, int wake_write,
                     QmpCommandHandler handler)
    : path_(std::move(path)), listen_fd_(listen_fd), wake_read_(wake_read), wake_write_(wake_write),
      handler_(std::move(handler)) {
  thread_ = std::thread([this] { loop(); });
}

QmpServer::~QmpServer() {
  const char c = 'x';
  (void)!::write(wake_write_, &c, 1);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
  ::unlink(path_.c_str());
}

namespace {
bool sendAll(int fd, const std::string &data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}
} // namespace

void QmpServer::loop() {
  std::map<int, std::unique_ptr<QmpSession>> clients;
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({wake_read_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto &[fd, session] : clients) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    if (fds[1].revents & POLLIN) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        if (sendAll(client, QmpSession::greeting()))
          clients.emplace(client, std::make_unique<QmpSession>(handler_));
        else
          ::close(client);
      }
    }
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const int fd = fds[i].fd;
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        ::close(fd);
        clients.erase(fd);
        continue;
      }
      std::vector<std::function<void()>> after;
      const std::string out = clients[fd]->feed({buf, static_cast<std::size_t>(n)}, after);
      const bool sent = sendAll(fd, out);
      for (auto &action : after) action();
      if (!sent) {
        ::close(fd);
        clients.erase(fd);
      }
    }
  }
  for (const auto &[fd, session] : clients) ::close(fd);
}

} // namespace regvm
