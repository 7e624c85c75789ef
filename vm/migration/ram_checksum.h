// A checksum of the whole guest RAM that both sides can keep up to date page
// by page, so that the End section can carry it without a stop-time pass over
// gigabytes of RAM (which would add to the downtime): the sum over pages of
// mix(page number, hash of the page's bytes). The source updates it with
// every page it sends (the copy it sent); the destination recomputes it from
// its own RAM after the load, hashing the pages it wrote and counting the
// others as zero pages (they were never touched).
#pragma once

#include <cstdint>
#include <vector>

#include "guest_memory.h"

namespace regvm {

// Hash of one 4 KiB page: its CRC-32C, which x86_64 computes in hardware at
// several times the speed of any multiply-based hash (the migration hashes
// every page it sends or loads, so this is on the critical path). 32 bits
// per page are enough for a transfer check: mix() spreads them over 64 bits,
// and every section carries its own CRC as well.
std::uint64_t pageHash(const std::uint8_t *page);
// True when all 4096 bytes are zero.
bool isZeroPage(const std::uint8_t *page);

class RamChecksum {
 public:
  // Every page starts as a zero page.
  explicit RamChecksum(std::uint64_t page_count);
  void setPage(std::uint64_t page, std::uint64_t page_hash);
  void setZero(std::uint64_t page) { setPage(page, zeroHash()); }
  std::uint64_t value() const { return sum_; }
  static std::uint64_t zeroHash();

  // From scratch over guest RAM (tests, query-ram-checksum): reads every page.
  static std::uint64_t compute(const GuestMemory &memory);

 private:
  static std::uint64_t mix(std::uint64_t page, std::uint64_t page_hash);
  std::vector<std::uint64_t> hashes_;
  std::uint64_t sum_ = 0;
};

} // namespace regvm
