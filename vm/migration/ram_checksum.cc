#include "ram_checksum.h"

#include <cstring>

#include "crc32c.h"

namespace regvm {

namespace {
constexpr std::uint64_t kPrime = 0x9E3779B97F4A7C15ull;

std::uint64_t splitmix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}
} // namespace

std::uint64_t pageHash(const std::uint8_t *page) {
  return crc32c(0, std::span<const std::uint8_t>(page, GuestMemory::kPageSize));
}

bool isZeroPage(const std::uint8_t *page) {
  for (std::size_t i = 0; i < GuestMemory::kPageSize; i += 64) {
    std::uint64_t acc = 0;
    for (std::size_t k = 0; k < 64; k += 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, page + i + k, 8);
      acc |= w;
    }
    if (acc != 0) return false;
  }
  return true;
}

std::uint64_t RamChecksum::zeroHash() {
  static const std::uint64_t hash = [] {
    static const std::uint8_t zero[GuestMemory::kPageSize] = {};
    return pageHash(zero);
  }();
  return hash;
}

std::uint64_t RamChecksum::mix(std::uint64_t page, std::uint64_t page_hash) {
  return splitmix(page_hash ^ (page * kPrime));
}

RamChecksum::RamChecksum(std::uint64_t page_count) : hashes_(page_count, zeroHash()) {
  for (std::uint64_t p = 0; p < page_count; ++p) sum_ += mix(p, zeroHash());
}

void RamChecksum::setPage(std::uint64_t page, std::uint64_t page_hash) {
  sum_ -= mix(page, hashes_[page]);
  hashes_[page] = page_hash;
  sum_ += mix(page, page_hash);
}

std::uint64_t RamChecksum::compute(const GuestMemory &memory) {
  std::uint64_t sum = 0;
  for (std::uint64_t p = 0; p < memory.pageCount(); ++p) {
    const std::uint8_t *page = memory.host() + p * GuestMemory::kPageSize;
    sum += mix(p, isZeroPage(page) ? zeroHash() : pageHash(page));
  }
  return sum;
}

} // namespace regvm
