// Destination side: faults guest RAM in ahead of the first pass's pages.
//
// The first pass writes every page the source's guest ever touched into
// RAM the destination has never touched, so each page costs the receiving
// thread a page fault (allocate and clear a page) before its copy. In a
// nested VM that fault is most of the cost: a first pass wrote 256 MiB in
// 550 ms, a second pass the same pages in 30 ms. The source announces those
// pages up front (the ram-map section); this thread populates them with
// MADV_POPULATE_WRITE (Linux 5.14) on an otherwise idle core (SCHED_IDLE)
// while the receiver copies, walking from the highest page down because the first pass arrives
// from the lowest page up: the two meet in the middle and each faults about
// half. It only allocates what the first pass would write anyway, and
// populating never changes a page's bytes (a page already written stays as
// it is), so it needs no coordination with the receiver beyond where to stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "guest_memory.h"
#include "stream_format.h"

namespace regvm {

class RamPrefaulter {
 public:
  // One madvise call populates at most this many pages: the thread checks
  // for the receiver and for stop() in between (1 MiB, a few ms when cold).
  static constexpr std::uint64_t kChunkPages = 256;

  explicit RamPrefaulter(GuestMemory &memory);
  ~RamPrefaulter() { stop(); }
  RamPrefaulter(const RamPrefaulter &) = delete;
  RamPrefaulter &operator=(const RamPrefaulter &) = delete;

  // Marks the map's pages (before start(); the caller checked its range).
  void add(const stream::RamMap &map);
  // Starts the thread if any page is marked.
  void start();
  // One past the highest page the receiver has written: the thread stops
  // once everything it has left lies below.
  void setFrontier(std::uint64_t page) { frontier_.store(page, std::memory_order_relaxed); }
  // Stops the thread (after its current chunk) and waits for it.
  void stop();
  // Waits for the thread to finish its walk.
  void wait() {
    if (thread_.joinable()) thread_.join();
  }

  struct Summary {
    std::uint64_t pages = 0;   // populated by the thread
    double ms = 0;             // the thread's run time
    std::string error;         // why it gave up early (madvise's errno text), or empty
  };
  // After stop() or wait().
  const Summary &summary() const { return summary_; }

 private:
  void run();
  GuestMemory &memory_;
  std::vector<std::uint64_t> marked_;  // one bit per page
  std::atomic<std::uint64_t> frontier_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  Summary summary_;
};

} // namespace regvm
