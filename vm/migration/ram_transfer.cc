#include "ram_transfer.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "untouched_pages.h"

namespace regvm {

using regcompat::fail;
using regcompat::runtime::Status;

namespace {
constexpr std::size_t kEntryHeader = 9;  // u64 page number + u8 flag
// Bytes per section sent. The format allows kMaxPagesPerBatch data pages
// (4 MiB), but a batch that stays in the core's L2 cache while it is
// checksummed and copied into the socket costs one trip to memory instead of
// three. Zero pages still go kMaxPagesPerBatch to a section (9 bytes each).
constexpr std::size_t kSendBatchBytes = 512 << 10;

void putU64(std::uint8_t *p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
} // namespace

std::uint8_t *RamSender::appendEntry(std::uint64_t page, std::uint8_t flag, std::size_t data_bytes) {
  if (batch_.empty()) {
    batch_.reserve(4 + kSendBatchBytes + kEntryHeader + GuestMemory::kPageSize);
    batch_.resize(4);  // count, filled in by flush()
  }
  const std::size_t at = batch_.size();
  batch_.resize(at + kEntryHeader + data_bytes);
  putU64(&batch_[at], page);
  batch_[at + 8] = flag;
  ++batch_pages_;
  return &batch_[at + kEntryHeader];
}

Status RamSender::endEntry() {
  if (batch_pages_ == stream::kMaxPagesPerBatch || batch_.size() >= kSendBatchBytes) return flush();
  return {};
}

Status RamSender::sendPage(std::uint64_t page) {
  const std::uint8_t *src = memory_.host() + page * GuestMemory::kPageSize;
  ++counters_.pages_read;
  if (checkpoint_ && counters_.pages_read % checkpoint_every_ == 0)
    if (auto s = checkpoint_(); !s) return s;
  if (isZeroPage(src)) return sendZero(page);
  std::uint8_t *copy = appendEntry(page, stream::kPageData, GuestMemory::kPageSize);
  std::memcpy(copy, src, GuestMemory::kPageSize);
  // The copy may differ from what the zero test saw (the guest runs): the
  // copy is what travels (a zero copy hashes as a zero page), and a later
  // write marks the page dirty again.
  checksum_.setPage(page, pageHash(copy));
  ++counters_.pages_data;
  return endEntry();
}

Status RamSender::sendZero(std::uint64_t page) {
  appendEntry(page, stream::kPageZero, 0);
  checksum_.setZero(page);
  ++counters_.pages_zero;
  return endEntry();
}

Status RamSender::sendAll() {
  const UntouchedPages untouched;
  std::vector<bool> zero;
  // Without pagemap every page would be announced: then announce none,
  // rather than make the destination commit all of its RAM.
  if (untouched.query(memory_.host(), memory_.pageCount(), zero))
    if (auto s = sendMap(zero); !s) return s;
  for (std::uint64_t page = 0; page < memory_.pageCount(); ++page)
    if (auto s = zero[page] ? sendZero(page) : sendPage(page); !s) return s;
  return {};
}

Status RamSender::sendMap(const std::vector<bool> &untouched) {
  for (std::uint64_t first = 0; first < memory_.pageCount(); first += stream::kMaxPagesPerMap) {
    stream::RamMap map;
    map.first_page = first;
    map.page_count = std::min(stream::kMaxPagesPerMap, memory_.pageCount() - first);
    map.bits.assign((map.page_count + 7) / 8, 0);
    bool any = false;
    for (std::uint64_t i = 0; i < map.page_count; ++i)
      if (!untouched[first + i]) {
        map.bits[i / 8] = static_cast<std::uint8_t>(map.bits[i / 8] | 1u << (i % 8));
        any = true;
      }
    if (!any) continue;
    StateWriter w;
    stream::encodeRamMap(w, map);
    if (auto s = writer_.write(stream::SectionType::RamMap, w.bytes()); !s) return s;
  }
  return {};
}

Status RamSender::sendDirty(const std::vector<std::uint64_t> &bitmap) {
  const std::uint64_t pages = memory_.pageCount();
  for (std::size_t w = 0; w < bitmap.size(); ++w) {
    std::uint64_t bits = bitmap[w];
    while (bits != 0) {
      const std::uint64_t page = w * 64 + static_cast<unsigned>(std::countr_zero(bits));
      bits &= bits - 1;
      if (page >= pages) break;
      if (auto s = sendPage(page); !s) return s;
    }
  }
  return {};
}

Status RamSender::flush() {
  if (batch_pages_ == 0) return {};
  for (int i = 0; i < 4; ++i) batch_[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(batch_pages_ >> (8 * i));
  Status s = writer_.write(stream::SectionType::RamPages, batch_);
  batch_.clear();
  batch_pages_ = 0;
  return s;
}

Status RamLoader::apply(const stream::Section &section) {
  StateReader in = section.reader();
  const std::uint32_t count = in.u32();
  if (in.ok() && count > stream::kMaxPagesPerBatch)
    in.failAt(section.payload_offset, "ram-pages section: " + std::to_string(count) +
                                          " pages exceed the limit of " +
                                          std::to_string(stream::kMaxPagesPerBatch));
  for (std::uint32_t i = 0; i < count && in.ok(); ++i) {
    const std::uint64_t at = in.offset();
    const std::uint64_t page = in.u64();
    const std::uint8_t flag = in.u8();
    if (!in.ok()) break;
    if (page >= memory_.pageCount()) {
      in.failAt(at, "ram-pages section: page " + std::to_string(page) + " is outside guest RAM (" +
                        std::to_string(memory_.pageCount()) + " pages)");
      break;
    }
    std::uint8_t *dst = memory_.host() + page * GuestMemory::kPageSize;
    if (flag == stream::kPageZero) {
      // A fresh mapping is zero: only a page this load wrote needs clearing.
      if (written_[page]) std::memset(dst, 0, GuestMemory::kPageSize);
      checksum_.setZero(page);
      ++counters_.pages_zero;
    } else if (flag == stream::kPageData) {
      auto data = in.raw(GuestMemory::kPageSize);
      if (!in.ok()) break;
      std::memcpy(dst, data.data(), GuestMemory::kPageSize);
      checksum_.setPage(page, pageHash(dst));
      written_[page] = true;
      frontier_ = std::max(frontier_, page + 1);
      ++counters_.pages_data;
    } else {
      in.failAt(at + 8, "ram-pages section: page flag " + std::to_string(flag) + " is neither 0 (data) nor 1 (zero)");
    }
  }
  if (in.ok() && !in.atEnd())
    in.failAt(in.offset(), "ram-pages section: " + std::to_string(in.remaining()) + " bytes after the last page");
  if (!in.ok()) return fail(in.error());
  return {};
}

} // namespace regvm
