// Which guest pages were never touched, from /proc/self/pagemap: a page of a
// private anonymous mapping that is neither present nor swapped out reads as
// zero (Linux Documentation/admin-guide/mm/pagemap.rst: bit 63 present,
// bit 62 swapped). The first pre-copy pass sends those as zero pages without
// reading them: reading an untouched page costs a page fault (the kernel
// maps its zero page), which made the first pass over an idle 1 GiB guest
// cost ~200 ms. The dirty log is already on, so a page the guest touches
// after the look is sent again.
#pragma once

#include <cstdint>
#include <vector>

namespace regvm {

class UntouchedPages {
 public:
  UntouchedPages();
  ~UntouchedPages();
  UntouchedPages(const UntouchedPages &) = delete;
  UntouchedPages &operator=(const UntouchedPages &) = delete;

  bool available() const { return fd_ >= 0; }
  // For `count` pages from host address `start` (page aligned): out[i] is
  // true when page i is known to read as zero. False (and `out` all false)
  // when pagemap cannot be read.
  bool query(const std::uint8_t *start, std::uint64_t count, std::vector<bool> &out) const;

 private:
  int fd_ = -1;
};

} // namespace regvm
