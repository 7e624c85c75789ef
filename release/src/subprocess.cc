#include "regcompat/pipeline/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char **environ;

namespace regcompat::pipeline {

std::string CommandOutcome::describe() const {
  if (!started) return "could not start: " + error;
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(exit_code);
}

CommandOutcome runCommand(const std::vector<std::string> &argv, const std::filesystem::path &log,
                          const std::filesystem::path &stdout_to) {
  CommandOutcome outcome;
  if (argv.empty()) {
    outcome.error = "empty command";
    return outcome;
  }
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    outcome.error = "cannot write " + log.string() + ": " + std::strerror(errno);
    return outcome;
  }
  int out_fd = log_fd;
  if (!stdout_to.empty()) {
    out_fd = ::open(stdout_to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      outcome.error = "cannot write " + stdout_to.string() + ": " + std::strerror(errno);
      ::close(log_fd);
      return outcome;
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  std::vector<char *> args;
  args.reserve(argv.size() + 1);
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(log_fd);
  if (out_fd != log_fd) ::close(out_fd);
  if (rc != 0) {
    outcome.error = argv[0] + ": " + std::strerror(rc);
    return outcome;
  }
  outcome.started = true;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      outcome.error = std::string("waitpid: ") + std::strerror(errno);
      outcome.started = false;
      return outcome;
    }
  }
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  else outcome.exit_code = WEXITSTATUS(status);
  return outcome;
}

} // namespace regcompat::pipeline
