// The client side of regvm's QMP-like control socket (vm/control/): one JSON
// object per line, a greeting first, then command / reply pairs.
#pragma once

#include <filesystem>
#include <string>

#include "regcompat/json.h"
#include "regcompat/result.h"

namespace regcompat::pipeline {

class QmpClient {
 public:
  // Connects (retrying while the socket does not exist yet, up to
  // `wait_seconds`), reads the greeting and negotiates capabilities.
  static Result<QmpClient> connect(const std::filesystem::path &socket, double wait_seconds);
  QmpClient(QmpClient &&other) noexcept : fd_(other.fd_), buffer_(std::move(other.buffer_)) { other.fd_ = -1; }
  QmpClient &operator=(QmpClient &&) = delete;
  ~QmpClient();

  // Sends {"execute": command, "arguments": arguments_json} and returns the
  // reply's "return" value; an {"error": ...} reply is an error. Events
  // (objects with "event") are skipped.
  Result<json::Value> execute(const std::string &command, const std::string &arguments_json = "",
                              double timeout_seconds = 10);

 private:
  explicit QmpClient(int fd) : fd_(fd) {}
  Result<json::Value> readObject(double timeout_seconds);
  int fd_ = -1;
  std::string buffer_;
};

} // namespace regcompat::pipeline
