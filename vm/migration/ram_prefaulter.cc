#include "ram_prefaulter.h"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14 (include/uapi/asm-generic/mman-common.h)
#endif

namespace regvm {

RamPrefaulter::RamPrefaulter(GuestMemory &memory)
    : memory_(memory), marked_((memory.pageCount() + 63) / 64, 0) {}

void RamPrefaulter::add(const stream::RamMap &map) {
  for (std::uint64_t i = 0; i < map.page_count; ++i)
    if (map.has(i)) {
      const std::uint64_t page = map.first_page + i;
      marked_[page / 64] |= std::uint64_t{1} << (page % 64);
    }
}

void RamPrefaulter::start() {
  if (thread_.joinable()) return;
  for (auto w : marked_)
    if (w != 0) {
      thread_ = std::thread([this] { run(); });
      return;
    }
}

void RamPrefaulter::stop() {
  stop_.store(true, std::memory_order_relaxed);
  wait();
}

void RamPrefaulter::run() {
  // Only on a core nobody else wants: the source's sender and the receiver
  // are the migration's critical path, and on two cores a prefaulter at
  // normal priority took CPU from them (1 GiB dirtying guest, cold RAM:
  // 276-823 ms at normal priority, 189-375 ms as SCHED_IDLE). A failure
  // leaves it at normal priority.
  sched_param idle{};
  (void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
  const auto t0 = std::chrono::steady_clock::now();
  auto marked = [&](std::uint64_t page) { return (marked_[page / 64] >> (page % 64) & 1) != 0; };
  std::uint64_t page = memory_.pageCount();  // one past the next page to look at
  while (page > 0 && !stop_.load(std::memory_order_relaxed)) {
    // Skip unmarked pages a word at a time (an idle guest's RAM is mostly
    // unmarked).
    if ((page & 63) == 0 && marked_[page / 64 - 1] == 0) {
      page -= 64;
      continue;
    }
    if (!marked(page - 1)) {
      --page;
      continue;
    }
    const std::uint64_t top = page;  // the run is [low, top)
    if (top <= frontier_.load(std::memory_order_relaxed)) break;  // the receiver got here first
    std::uint64_t low = top - 1;
    while (low > 0 && top - low < kChunkPages && marked(low - 1)) --low;
    if (::madvise(memory_.host() + low * GuestMemory::kPageSize, (top - low) * GuestMemory::kPageSize,
                  MADV_POPULATE_WRITE) != 0) {
      // EINVAL: a kernel before 5.14. Either way the receiver's own writes
      // fault the pages in, as without this thread.
      summary_.error = std::string("madvise(MADV_POPULATE_WRITE): ") + std::strerror(errno);
      break;
    }
    summary_.pages += top - low;
    page = low;
  }
  summary_.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace regvm
