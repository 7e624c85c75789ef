#include "regcompat/probe/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <thread>

extern char **environ;

namespace regcompat::probe {

namespace {

// ARGV0 as execvp would find it (PATH lookup when it has no slash); empty
// when there is no such executable.
std::string findProgram(const std::string &argv0) {
  if (argv0.find('/') != std::string::npos) return argv0;
  const char *path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    const std::string candidate = dir + "/" + argv0;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

int openForWriting(const std::filesystem::path &path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

} // namespace

Result<ChildProcess> ChildProcess::start(const std::vector<std::string> &argv,
                                         const std::filesystem::path &out,
                                         const std::filesystem::path &err,
                                         const std::filesystem::path &in) {
  if (argv.empty()) return fail("empty command");
  // The program is found before the fork: between fork and exec the child of
  // a threaded process may only make async-signal-safe calls.
  const std::string program = findProgram(argv[0]);
  if (program.empty()) return fail(argv[0] + ": " + std::strerror(ENOENT));
  // Opened here rather than by the spawn's file actions, so that an output
  // that cannot be written is reported as such, and so that one file given
  // for both streams is one open file (two opens would overwrite each other).
  const int in_fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) return fail("cannot read " + in.string() + ": " + std::strerror(errno));
  const int err_fd = openForWriting(err);
  if (err_fd < 0) {
    const std::string message = "cannot write " + err.string() + ": " + std::strerror(errno);
    ::close(in_fd);
    return fail(message);
  }
  const int out_fd = out == err ? err_fd : openForWriting(out);
  if (out_fd < 0) {
    const std::string message = "cannot write " + out.string() + ": " + std::strerror(errno);
    ::close(err_fd);
    ::close(in_fd);
    return fail(message);
  }
  std::vector<char *> args;
  args.reserve(argv.size() + 1);
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  int rc = 0;
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child dies with the pipeline, however the pipeline ends (even
    // SIGKILL): a stage's VM must not go on writing into its outputs.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
    ::execve(program.c_str(), args.data(), environ);
    ::_exit(127);
  }
  if (pid < 0) rc = errno;
  if (out_fd != err_fd) ::close(out_fd);
  ::close(err_fd);
  ::close(in_fd);
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

} // namespace regcompat::probe
