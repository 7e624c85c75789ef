// Guest RAM: one contiguous anonymous mapping at a guest-physical base, and
// the software write tracking that back ends without hardware dirty logging
// (the interpreter CPU) use for pre-copy migration.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "regcompat/result.h"

namespace regvm {

class GuestMemory {
 public:
  static constexpr std::uint64_t kPageSize = 4096;
  static constexpr unsigned kPageShift = 12;

  // mmap()s `size` bytes (a multiple of kPageSize) at guest-physical `base`.
  // MAP_NORESERVE: a 4 GiB guest costs only the pages it touches.
  static regcompat::Result<std::unique_ptr<GuestMemory>> create(std::uint64_t base,
                                                                std::uint64_t size);
  ~GuestMemory();
  GuestMemory(const GuestMemory &) = delete;
  GuestMemory &operator=(const GuestMemory &) = delete;

  std::uint64_t base() const { return base_; }
  std::uint64_t size() const { return size_; }
  std::uint64_t pageCount() const { return size_ >> kPageShift; }
  std::uint8_t *host() const { return host_; }

  bool contains(std::uint64_t gpa, std::uint64_t len) const {
    return gpa >= base_ && len <= size_ && gpa - base_ <= size_ - len;
  }
  // No bounds check: callers check contains() first.
  std::uint8_t *at(std::uint64_t gpa) const { return host_ + (gpa - base_); }

  // Software dirty tracking, one bit per page. Call markDirty() AFTER the
  // store: the migration thread takes the bit and then copies the page, so a
  // store that lands after the copy sets the bit again and the page is resent.
  void setTracking(bool on) { tracking_.store(on, std::memory_order_release); }
  bool tracking() const { return tracking_.load(std::memory_order_relaxed); }
  void markDirty(std::uint64_t gpa, std::uint64_t len) {
    if (!tracking_.load(std::memory_order_relaxed) || len == 0) return;
    std::uint64_t first = (gpa - base_) >> kPageShift;
    std::uint64_t last = (gpa - base_ + len - 1) >> kPageShift;
    for (std::uint64_t p = first; p <= last; ++p)
      dirty_[p / 64].fetch_or(std::uint64_t{1} << (p % 64), std::memory_order_release);
  }
  // ORs the tracked bits into `bitmap` (resized to pageCount() bits) and
  // clears them.
  void takeDirty(std::vector<std::uint64_t> &bitmap);

 private:
  GuestMemory(std::uint64_t base, std::uint64_t size, std::uint8_t *host);

  std::uint64_t base_;
  std::uint64_t size_;
  std::uint8_t *host_;
  std::atomic<bool> tracking_{false};
  std::unique_ptr<std::atomic<std::uint64_t>[]> dirty_;
};

} // namespace regvm
