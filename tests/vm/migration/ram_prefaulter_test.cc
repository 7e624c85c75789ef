// RamPrefaulter: faults in exactly the announced pages, never changes a
// page's bytes, and leaves alone what the receiver has already passed.
#include <gtest/gtest.h>

#include <cstring>

#include "guest_memory.h"
#include "ram_prefaulter.h"
#include "untouched_pages.h"

namespace regvm::test {
namespace {

constexpr std::uint64_t kPages = 1024;

std::unique_ptr<GuestMemory> freshMemory() {
  return std::move(GuestMemory::create(0x40000000, kPages * GuestMemory::kPageSize)).value();
}

stream::RamMap mapOf(std::uint64_t first, std::uint64_t count, std::initializer_list<std::uint64_t> pages) {
  stream::RamMap map{first, count, std::vector<std::uint8_t>((count + 7) / 8, 0)};
  for (auto page : pages) map.bits[(page - first) / 8] |= static_cast<std::uint8_t>(1u << ((page - first) % 8));
  return map;
}

// The pages of `memory` that are backed (present), per pagemap.
std::vector<bool> present(const GuestMemory &memory) {
  UntouchedPages pagemap;
  std::vector<bool> untouched;
  EXPECT_TRUE(pagemap.query(memory.host(), memory.pageCount(), untouched)) << "no /proc/self/pagemap";
  for (auto &&bit : untouched) bit = !bit;
  return untouched;
}

TEST(RamPrefaulter, FaultsInExactlyTheAnnouncedPages) {
  auto memory = freshMemory();
  RamPrefaulter prefaulter(*memory);
  // Two maps, as a source with more RAM than one section holds sends them;
  // runs longer than a chunk, single pages, the first and the last page.
  std::initializer_list<std::uint64_t> low = {0, 3, 64, 65, 66, 127};
  prefaulter.add(mapOf(0, 512, low));
  std::vector<std::uint64_t> high = {1023};
  for (std::uint64_t p = 600; p < 600 + 3 * RamPrefaulter::kChunkPages / 2; ++p) high.push_back(p);
  stream::RamMap second{512, 512, std::vector<std::uint8_t>(64, 0)};
  for (auto p : high) second.bits[(p - 512) / 8] |= static_cast<std::uint8_t>(1u << ((p - 512) % 8));
  prefaulter.add(second);
  prefaulter.start();
  prefaulter.wait();  // the thread ends at page 0
  const auto backed = present(*memory);
  std::vector<bool> expected(kPages, false);
  for (auto p : low) expected[p] = true;
  for (auto p : high) expected[p] = true;
  if (!prefaulter.summary().error.empty()) GTEST_SKIP() << "this kernel cannot populate: " << prefaulter.summary().error;
  for (std::uint64_t p = 0; p < kPages; ++p) EXPECT_EQ(expected[p], backed[p]) << "page " << p;
  EXPECT_EQ(low.size() + high.size(), prefaulter.summary().pages);
}

TEST(RamPrefaulter, NeverChangesAPageTheReceiverWrote) {
  auto memory = freshMemory();
  std::uint8_t *page7 = memory->host() + 7 * GuestMemory::kPageSize;
  std::memset(page7, 0xa5, GuestMemory::kPageSize);
  RamPrefaulter prefaulter(*memory);
  prefaulter.add(mapOf(0, 16, {6, 7, 8}));
  prefaulter.start();
  prefaulter.wait();
  for (std::size_t i = 0; i < GuestMemory::kPageSize; ++i) ASSERT_EQ(0xa5, page7[i]) << "byte " << i;
  const std::uint8_t *page8 = memory->host() + 8 * GuestMemory::kPageSize;
  for (std::size_t i = 0; i < GuestMemory::kPageSize; ++i) ASSERT_EQ(0, page8[i]) << "byte " << i;
}

TEST(RamPrefaulter, StopsWhereTheReceiverAlreadyIs) {
  auto memory = freshMemory();
  RamPrefaulter prefaulter(*memory);
  prefaulter.add(mapOf(0, kPages, {10, 500, 900}));
  prefaulter.setFrontier(501);  // the receiver wrote up to page 500
  prefaulter.start();
  prefaulter.wait();
  const auto backed = present(*memory);
  if (!prefaulter.summary().error.empty()) GTEST_SKIP() << prefaulter.summary().error;
  EXPECT_TRUE(backed[900]);
  EXPECT_FALSE(backed[10]) << "faulted in a page below the receiver";
  EXPECT_FALSE(backed[500]) << "the receiver's own page is its business";
  EXPECT_EQ(1u, prefaulter.summary().pages);
}

TEST(RamPrefaulter, StopEndsTheWalkEarly) {
  auto memory = freshMemory();
  RamPrefaulter prefaulter(*memory);
  stream::RamMap all{0, kPages, std::vector<std::uint8_t>(kPages / 8, 0xff)};
  prefaulter.add(all);
  prefaulter.stop();  // before it started: nothing happens, ever
  prefaulter.start();
  prefaulter.wait();
  EXPECT_EQ(0u, prefaulter.summary().pages);
}

TEST(RamPrefaulter, AnEmptyMapStartsNoThread) {
  auto memory = freshMemory();
  RamPrefaulter prefaulter(*memory);
  prefaulter.add(mapOf(0, kPages, {}));
  prefaulter.start();
  prefaulter.wait();
  EXPECT_EQ(0u, prefaulter.summary().pages);
  for (bool b : present(*memory)) ASSERT_FALSE(b);
}

} // namespace
} // namespace regvm::test
