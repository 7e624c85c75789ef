#include "qmp_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace regcompat::pipeline {

QmpClient::~QmpClient() {
  if (fd_ >= 0) ::close(fd_);
}

Result<QmpClient> QmpClient::connect(const std::filesystem::path &socket_path, double wait_seconds) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.string().size() >= sizeof addr.sun_path)
    return fail("control socket path too long: " + socket_path.string());
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  while (true) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0) {
      QmpClient client(fd);
      auto greeting = client.readObject(wait_seconds);
      if (!greeting) return fail("control socket " + socket_path.string() + ": " + greeting.error());
      if (!greeting->find("QMP")) return fail("control socket " + socket_path.string() + ": no QMP greeting");
      auto caps = client.execute("qmp_capabilities");
      if (!caps) return fail("control socket " + socket_path.string() + ": " + caps.error());
      return client;
    }
    const int err = errno;
    ::close(fd);
    if (std::chrono::steady_clock::now() >= deadline)
      return fail("cannot connect to " + socket_path.string() + ": " + std::strerror(err));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<json::Value> QmpClient::readObject(double timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  while (true) {
    const auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      const std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto value = json::parse(line);
      if (!value) return fail("bad JSON from the VM: " + value.error());
      return value;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail("no reply within " + std::to_string(timeout_seconds) + " s");
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n == 0) return fail("the VM closed the control connection");
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(std::string("read: ") + std::strerror(errno));
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    if (buffer_.size() > (1u << 20)) return fail("reply line longer than 1 MiB");
  }
}

Result<json::Value> QmpClient::execute(const std::string &command, const std::string &arguments_json,
                                       double timeout_seconds) {
  std::string request = "{\"execute\": \"" + command + "\"";
  if (!arguments_json.empty()) request += ", \"arguments\": " + arguments_json;
  request += "}\n";
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(command + ": " + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  while (true) {
    auto reply = readObject(timeout_seconds);
    if (!reply) return fail(command + ": " + reply.error());
    if (reply->find("event")) continue;
    if (const json::Value *err = reply->find("error")) {
      const json::Value *desc = err->find("desc");
      return fail(command + ": " + (desc && desc->isString() ? desc->asString() : "error reply"));
    }
    if (const json::Value *ret = reply->find("return")) return *ret;
    return fail(command + ": reply has neither 'return' nor 'error'");
  }
}

} // namespace regcompat::pipeline
