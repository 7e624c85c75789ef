#include "guest_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace regvm {

regcompat::Result<std::unique_ptr<GuestMemory>> GuestMemory::create(std::uint64_t base,
                                                                   std::uint64_t size) {
  if (size == 0 || size % kPageSize != 0 || base % kPageSize != 0)
    return regcompat::fail("guest RAM size and base must be non-zero multiples of 4 KiB");
  void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return regcompat::fail("cannot map " + std::to_string(size >> 20) +
                           " MiB of guest RAM: " + std::strerror(errno));
  return std::unique_ptr<GuestMemory>(
      new GuestMemory(base, size, static_cast<std::uint8_t *>(p)));
}

GuestMemory::GuestMemory(std::uint64_t base, std::uint64_t size, std::uint8_t *host)
    : base_(base), size_(size), host_(host),
      dirty_(new std::atomic<std::uint64_t>[(pageCount() + 63) / 64]) {
  for (std::uint64_t i = 0; i < (pageCount() + 63) / 64; ++i) dirty_[i].store(0);
}

GuestMemory::~GuestMemory() { munmap(host_, size_); }

void GuestMemory::takeDirty(std::vector<std::uint64_t> &bitmap) {
  std::uint64_t words = (pageCount() + 63) / 64;
  bitmap.resize(words, 0);
  for (std::uint64_t i = 0; i < words; ++i)
    bitmap[i] |= dirty_[i].exchange(0, std::memory_order_acquire);
}

} // namespace regvm
