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

// PATH is a FIFO, a device or a socket: write into it as `cat > PATH` would,
// never replace it by a regular file.
Status writeThrough(const fs::path &path, std::string_view contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(path.string() + ": cannot open: " + errnoText());
  std::string problem;
  if (!writeAll(fd, contents)) problem = "cannot write: " + errnoText();
  if (::close(fd) != 0 && problem.empty()) problem = "cannot close: " + errnoText();
  if (!problem.empty()) return fail(path.string() + ": " + problem);
  return success();
}

} // namespace

namespace {

// One file on its way: where it goes, and how.
struct Pending {
  fs::path path;       // the link's target when the given path is a link
  fs::path temporary;  // empty: written into (a FIFO, a device)
};

// Resolves links, refuses directories, and for a regular (or new) file
// writes and syncs the temporary next to it, keeping an existing file's mode.
Result<Pending> prepare(const fs::path &given, std::string_view contents) {
  if (given.filename().empty()) return fail(given.string() + ": not a file name");
  Pending p{given, {}};
  // A symbolic link stays a link: its target is what gets replaced.
  std::error_code ec;
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(p.path, ec)); ++hops) {
    const fs::path target = fs::read_symlink(p.path, ec);
    if (ec) return fail(given.string() + ": cannot read the link: " + ec.message());
    p.path = target.is_absolute() ? target : p.path.parent_path() / target;
  }
  struct stat st {};
  const bool exists = ::stat(p.path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return fail(given.string() + ": is a directory");
  if (exists && !S_ISREG(st.st_mode)) return p;  // written into at commit
  int fd = -1;
  for (unsigned attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    p.temporary = temporaryPath(p.path, attempt);
    // 0666: the umask decides, as for any file the user creates.
    fd = ::open(p.temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return fail(p.path.string() + ": cannot create a temporary file: " + errnoText());
  std::string problem;
  // Replacing a file keeps its permissions.
  if (exists && ::fchmod(fd, st.st_mode & 07777) != 0) {
    problem = "cannot keep the file's mode: " + errnoText();
  } else if (!writeAll(fd, contents)) {
    problem = "cannot write: " + errnoText();
  } else if (::fsync(fd) != 0) {
    problem = "cannot sync: " + errnoText();
  }
  if (::close(fd) != 0 && problem.empty()) problem = "cannot close: " + errnoText();
  if (!problem.empty()) {
    ::unlink(p.temporary.c_str());
    return fail(p.path.string() + ": " + problem);
  }
  return p;
}

Status commit(const Pending &p, std::string_view contents) {
  if (p.temporary.empty()) return writeThrough(p.path, contents);
  if (::rename(p.temporary.c_str(), p.path.c_str()) != 0) {
    const std::string why = errnoText();
    ::unlink(p.temporary.c_str());
    return fail(p.path.string() + ": cannot rename into place: " + why);
  }
  fs::path dir = p.path.parent_path();
  return syncDirectory(dir.empty() ? fs::path(".") : dir);
}

}  // namespace

Status writeFileAtomically(const fs::path &given, std::string_view contents) {
  auto pending = prepare(given, contents);
  if (!pending) return fail(pending.error());
  return commit(pending.value(), contents);
}

Status writeFilesAtomically(const std::vector<FileToWrite> &files) {
  std::vector<Pending> pending;
  for (const FileToWrite &f : files) {
    auto p = prepare(f.path, f.contents);
    if (!p) {
      for (const Pending &done : pending)
        if (!done.temporary.empty()) ::unlink(done.temporary.c_str());
      return fail(p.error());
    }
    pending.push_back(std::move(p).value());
  }
  // Regular files first (renames), then what is written into.
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (pending[i].temporary.empty() != (pass == 1)) continue;
      if (Status s = commit(pending[i], files[i].contents); !s) {
        for (std::size_t j = i + 1; j < files.size(); ++j)
          if (!pending[j].temporary.empty()) ::unlink(pending[j].temporary.c_str());
        return s;
      }
    }
  return success();
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
