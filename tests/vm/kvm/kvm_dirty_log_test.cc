// KvmDirtyLog: exactly the pages the guest wrote, then nothing; regvm's own
// writes (GuestMemory::markDirty) too; RAM split around the LAPIC page.
#include <cstring>

#include "kvm_dirty_log.h"
#include "kvm_test_support.h"

namespace regvm::kvm::test {
namespace {

std::vector<std::uint64_t> setPages(const std::vector<std::uint64_t> &bitmap) {
  std::vector<std::uint64_t> pages;
  for (std::uint64_t i = 0; i < bitmap.size() * 64; ++i)
    if ((bitmap[i / 64] >> (i % 64)) & 1u) pages.push_back(i);
  return pages;
}

// Runs the dirty_pages guest from its entry (again): regvm's writes (tables,
// parameters) are not guest writes and must not show up in KVM's log.
void runDirtyPages(TestGuest &guest, std::uint64_t base, std::uint64_t bytes, std::uint64_t stride) {
  auto st = guest.vcpu().boot(REGVM_GUEST_LOAD_ADDRESS);
  ASSERT_TRUE(st) << st.error();
  guest.setParam(REGVM_GUEST_PARAM_DIRTY_BASE, base);
  guest.setParam(REGVM_GUEST_PARAM_DIRTY_BYTES, bytes);
  guest.setParam(REGVM_GUEST_PARAM_STRIDE_PAGES, stride);
  RunOutcome out = guest.vcpu().run();
  ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
  ASSERT_EQ(out.exit_status, 0);
}

TEST(KvmDirtyLog, ReportsExactlyThePagesTheGuestWrote) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->loadImage(guestImage("dirty_pages")));
  KvmDirtyLog log(guest->vmPtr());
  auto st = log.start();
  ASSERT_TRUE(st) << st.error();
  runDirtyPages(*guest, 8 << 20, 1 << 20, 3);

  std::vector<std::uint64_t> bitmap;
  st = log.collect(bitmap);
  ASSERT_TRUE(st) << st.error();
  EXPECT_EQ(bitmap.size(), guest->memory().pageCount() / 64);
  std::vector<std::uint64_t> expected;
  for (std::uint64_t p = (8 << 20) / 4096; p < (9 << 20) / 4096; p += 3) expected.push_back(p);
  EXPECT_EQ(setPages(bitmap), expected);

  std::vector<std::uint64_t> again;
  st = log.collect(again);
  ASSERT_TRUE(st) << st.error();
  EXPECT_TRUE(setPages(again).empty()) << "collect() must clear what it returned";
}

TEST(KvmDirtyLog, IncludesRegvmsOwnWritesAndStopsCleanly) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  KvmDirtyLog log(guest->vmPtr());
  ASSERT_TRUE(log.start());
  std::memset(guest->memory().at(0x300000), 1, 10);
  guest->memory().markDirty(0x300000, 10);
  std::vector<std::uint64_t> bitmap;
  ASSERT_TRUE(log.collect(bitmap));
  EXPECT_EQ(setPages(bitmap), std::vector<std::uint64_t>{0x300});
  log.stop();
  EXPECT_FALSE(guest->vm().dirtyLogging());
  EXPECT_FALSE(log.collect(bitmap));
}

TEST(KvmDirtyLog, PagesAboveTheLapicHoleOfABigGuest) {
  REGVM_REQUIRE_KVM();
  GuestOptions options;
  options.ram_bytes = (4ull << 30) + (64ull << 20);
  auto guest = TestGuest::create(options);
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->loadImage(guestImage("dirty_pages")));
  KvmDirtyLog log(guest->vmPtr());
  ASSERT_TRUE(log.start());
  // Both sides of the LAPIC page (0xfee00000), which the guest skips.
  runDirtyPages(*guest, 0xfed00000, 0x100000, 1);
  runDirtyPages(*guest, 0xfee01000, 0x2000, 1);
  runDirtyPages(*guest, 0x100000000, 0x3000, 2);
  std::vector<std::uint64_t> bitmap;
  ASSERT_TRUE(log.collect(bitmap));
  std::vector<std::uint64_t> expected;
  for (std::uint64_t p = 0xfed00; p < 0xfee00; ++p) expected.push_back(p);
  expected.push_back(0xfee01);
  expected.push_back(0xfee02);
  expected.push_back(0x100000);
  expected.push_back(0x100002);
  EXPECT_EQ(setPages(bitmap), expected);
}

}  // namespace
}  // namespace regvm::kvm::test
