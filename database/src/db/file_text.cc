#include "regcompat/db/file_text.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace regcompat::db {
namespace {

std::string kindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string sizeText(std::uintmax_t bytes) {
  return bytes >= (std::uintmax_t{1} << 20) ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes) + " bytes";
}

}  // namespace

Result<std::string> readInputFile(const std::filesystem::path &path, std::uintmax_t max_bytes) {
  const std::string name = path.string();
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is then
  // checked on the open descriptor (no window between a check and the open).
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(name + ": cannot read: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return fail(name + ": cannot read: " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(name + ": " + kindOf(st.st_mode) + ", not a regular file");
  }
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return fail(name + ": larger than " + sizeText(max_bytes) + " (" + sizeText(static_cast<std::uintmax_t>(st.st_size)) +
                ")");
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      return fail(name + ": cannot read: " + why);
    }
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) {  // it grew while being read
      ::close(fd);
      return fail(name + ": larger than " + sizeText(max_bytes));
    }
  }
  ::close(fd);
  return text;
}

std::string withoutPath(const std::string &error, const std::filesystem::path &path) {
  const std::string prefix = path.string() + ": ";
  return error.rfind(prefix, 0) == 0 ? error.substr(prefix.size()) : error;
}

std::optional<std::string> readWholeFile(const std::filesystem::path &path) {
  auto text = readInputFile(path);
  if (!text) return std::nullopt;
  return std::move(text).value();
}

std::optional<std::string> readFileText(const std::filesystem::path &path, FileDiagnostics &out) {
  auto text = readInputFile(path);
  if (!text) {
    // The diagnostic names the file already; say only what is wrong.
    out.error(withoutPath(text.error(), path));
    return std::nullopt;
  }
  return std::move(text).value();
}

}  // namespace regcompat::db
