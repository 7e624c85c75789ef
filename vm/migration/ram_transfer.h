// RAM on the migration stream: RamPages sections of up to kMaxPagesPerBatch
// entries, each a page number, a flag, and the page's 4096 bytes unless the
// page is all zero (then the flag alone: QEMU's RAM_SAVE_FLAG_ZERO idea,
// migration/ram.c).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "guest_memory.h"
#include "ram_checksum.h"
#include "regcompat/runtime/status.h"
#include "stream_format.h"

namespace regvm {

struct RamCounters {
  std::uint64_t pages_data = 0;  // sent with their bytes (QEMU: "normal")
  std::uint64_t pages_zero = 0;  // sent as a zero flag (QEMU: "duplicate")
  std::uint64_t pages_read = 0;  // pages whose bytes were read (not skipped as never touched)
};

// Source side. Copies each page before it checksums and sends it: the guest
// keeps writing during pre-copy, and the section's CRC must match the bytes
// that travel.
class RamSender {
 public:
  RamSender(const GuestMemory &memory, stream::SectionWriter &writer, RamChecksum &checksum)
      : memory_(memory), writer_(writer), checksum_(checksum) {}

  // Sends every page whose bit is set in `bitmap` (one bit per page).
  regcompat::runtime::Status sendDirty(const std::vector<std::uint64_t> &bitmap);
  // The first pass: every page; pages never touched (untouched_pages.h) go
  // as zero pages without being read. The others are announced first in
  // ram-map sections, so that the destination can fault them in ahead.
  regcompat::runtime::Status sendAll();
  regcompat::runtime::Status sendPage(std::uint64_t page);
  regcompat::runtime::Status flush();
  const RamCounters &counters() const { return counters_; }
  // Called after every `every_pages` pages read, mid-pass: where the
  // migration samples the dirty rate. An error from it ends the pass.
  void setCheckpoint(std::function<regcompat::runtime::Status()> hook, std::uint64_t every_pages) {
    checkpoint_ = std::move(hook);
    checkpoint_every_ = every_pages == 0 ? 1 : every_pages;
  }

 private:
  regcompat::runtime::Status sendZero(std::uint64_t page);
  regcompat::runtime::Status sendMap(const std::vector<bool> &untouched);
  // Appends a page entry to the batch; returns where its data bytes go.
  std::uint8_t *appendEntry(std::uint64_t page, std::uint8_t flag, std::size_t data_bytes);
  // Sends the batch once it is full.
  regcompat::runtime::Status endEntry();
  const GuestMemory &memory_;
  stream::SectionWriter &writer_;
  RamChecksum &checksum_;
  RamCounters counters_;
  std::vector<std::uint8_t> batch_;
  std::uint32_t batch_pages_ = 0;
  std::function<regcompat::runtime::Status()> checkpoint_;
  std::uint64_t checkpoint_every_ = 1;
};

// Destination side: applies RamPages sections to guest RAM, remembering which
// pages it wrote (the others are still the zero pages of a fresh mapping),
// and keeps the RAM checksum up to date page by page, as the source does, so
// that the End section's check costs nothing during the downtime.
class RamLoader {
 public:
  explicit RamLoader(GuestMemory &memory)
      : memory_(memory), written_(memory.pageCount(), false), checksum_(memory.pageCount()) {}
  regcompat::runtime::Status apply(const stream::Section &section);
  // The checksum of guest RAM as loaded (RamChecksum's definition).
  std::uint64_t checksum() const { return checksum_.value(); }
  // One past the highest page written so far (0: none): how far the first
  // pass, which goes from the lowest page up, has come.
  std::uint64_t frontier() const { return frontier_; }
  const RamCounters &counters() const { return counters_; }

 private:
  GuestMemory &memory_;
  std::vector<bool> written_;
  RamChecksum checksum_;
  RamCounters counters_;
  std::uint64_t frontier_ = 0;
};

} // namespace regvm
