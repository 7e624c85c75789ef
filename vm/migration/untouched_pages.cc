#include "untouched_pages.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace regvm {

UntouchedPages::UntouchedPages() { fd_ = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC); }

UntouchedPages::~UntouchedPages() {
  if (fd_ >= 0) ::close(fd_);
}

bool UntouchedPages::query(const std::uint8_t *start, std::uint64_t count, std::vector<bool> &out) const {
  out.assign(count, false);
  if (fd_ < 0) return false;
  constexpr std::uint64_t kPresent = std::uint64_t{1} << 63, kSwapped = std::uint64_t{1} << 62;
  constexpr std::uint64_t kChunk = 1 << 16;
  std::vector<std::uint64_t> entries(kChunk);
  const std::uint64_t first = reinterpret_cast<std::uintptr_t>(start) / 4096;
  for (std::uint64_t done = 0; done < count;) {
    const std::uint64_t n = std::min(kChunk, count - done);
    const auto bytes = static_cast<std::size_t>(n * 8);
    const ssize_t r = ::pread(fd_, entries.data(), bytes, static_cast<off_t>((first + done) * 8));
    if (r != static_cast<ssize_t>(bytes)) {
      out.assign(count, false);
      return false;
    }
    for (std::uint64_t i = 0; i < n; ++i) out[done + i] = (entries[i] & (kPresent | kSwapped)) == 0;
    done += n;
  }
  return true;
}

} // namespace regvm
