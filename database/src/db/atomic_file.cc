#include "regcompat/db/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace regcompat::db {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTemporaryMarker = ".tmp.";

std::string errnoText() { return std::strerror(errno); }

// ".NAME.tmp.PID.N": hidden (loaders skip it) and unique per process and call.
fs::path temporaryPath(const fs::path &path, unsigned attempt) {
  static std::atomic<unsigned long> counter{0};
  auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  std::string name = "." + path.filename().string() + std::string(kTemporaryMarker) +
                     std::to_string(::getpid()) + "." + std::to_string(counter++) + "." +
                     std::to_string(static_cast<unsigned long long>(ticks) + attempt);
  return path.parent_path() / name;
}

bool writeAll(int fd, std::string_view contents) {
  const char *data = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  return true;
}

} // namespace

Status writeFileAtomically(const fs::path &path, std::string_view contents) {
  if (path.filename().empty()) return fail(path.string() + ": not a file name");
  fs::path temporary;
  int fd = -1;
  for (unsigned attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temporary = temporaryPath(path, attempt);
    // 0666: the umask decides, as for any file the user creates.
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return fail(path.string() + ": cannot create a temporary file: " + errnoText());

  std::string problem;
  if (!writeAll(fd, contents)) {
    problem = "cannot write: " + errnoText();
  } else if (::fsync(fd) != 0) {
    problem = "cannot sync: " + errnoText();
  }
  if (::close(fd) != 0 && problem.empty()) problem = "cannot close: " + errnoText();
  if (problem.empty() && ::rename(temporary.c_str(), path.c_str()) != 0) {
    problem = "cannot rename into place: " + errnoText();
  }
  if (!problem.empty()) {
    ::unlink(temporary.c_str());
    return fail(path.string() + ": " + problem);
  }
  fs::path dir = path.parent_path();
  return syncDirectory(dir.empty() ? fs::path(".") : dir);
}

Status syncDirectory(const fs::path &dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(dir.string() + ": cannot open directory: " + errnoText());
  bool synced = ::fsync(fd) == 0;
  std::string problem = synced ? "" : errnoText();
  ::close(fd);
  if (!synced) return fail(dir.string() + ": cannot sync directory: " + problem);
  return success();
}

bool isAtomicWriteTemporary(const fs::path &filename) {
  std::string name = filename.filename().string();
  return !name.empty() && name.front() == '.' && name.find(kTemporaryMarker) != std::string::npos;
}

} // namespace regcompat::db
