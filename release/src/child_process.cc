#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

extern char **environ;

namespace regcompat::pipeline {

namespace {

int openForWriting(const std::filesystem::path &path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

} // namespace

Result<ChildProcess> ChildProcess::start(const std::vector<std::string> &argv,
                                         const std::filesystem::path &out,
                                         const std::filesystem::path &err) {
  if (argv.empty()) return fail("empty command");
  // Opened here rather than by the spawn's file actions, so that an output
  // that cannot be written is reported as such, and so that one file given
  // for both streams is one open file (two opens would overwrite each other).
  const int err_fd = openForWriting(err);
  if (err_fd < 0) return fail("cannot write " + err.string() + ": " + std::strerror(errno));
  const int out_fd = out == err ? err_fd : openForWriting(out);
  if (out_fd < 0) {
    const std::string message = "cannot write " + out.string() + ": " + std::strerror(errno);
    ::close(err_fd);
    return fail(message);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  std::vector<char *> args;
  args.reserve(argv.size() + 1);
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (out_fd != err_fd) ::close(out_fd);
  ::close(err_fd);
  if (rc != 0) return fail(argv[0] + ": " + std::strerror(rc));
  return ChildProcess(pid);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
}

void ChildProcess::record(int raw_status) {
  signal_ = WIFSIGNALED(raw_status) ? WTERMSIG(raw_status) : 0;
  status_ = signal_ ? 128 + signal_ : WEXITSTATUS(raw_status);
}

std::optional<int> ChildProcess::wait(double seconds) {
  if (status_ || pid_ <= 0) return status_;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (true) {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      record(st);
      return status_;
    }
    if (r < 0 && errno != EINTR) {
      status_ = -1;
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int ChildProcess::waitForExit() {
  if (status_ || pid_ <= 0) return status_.value_or(-1);
  int st = 0;
  pid_t r = 0;
  while ((r = ::waitpid(pid_, &st, 0)) < 0 && errno == EINTR) {
  }
  if (r == pid_) record(st);
  else status_ = -1;
  return *status_;
}

bool ChildProcess::running() { return !wait(0).has_value(); }

void ChildProcess::kill() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    wait(10);
  }
}

} // namespace regcompat::pipeline
