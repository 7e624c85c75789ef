// Running guests on the x86 KVM back end: console output, exit status,
// stop/continue, and the errors a broken guest gets.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "kvm_test_support.h"

namespace regvm::kvm::test {
namespace {

TEST(KvmRun, GuestPrintsStoresAndExitsWithItsStatus) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->boot(guestImage("exit_value")));
  RunOutcome out = guest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
  EXPECT_EQ(out.exit_status, 42);
  EXPECT_EQ(guest->console().text(), "hello from the guest\n");
  std::uint64_t stored = 0;
  std::memcpy(&stored, guest->memory().at(0x200000), sizeof stored);
  EXPECT_EQ(stored, 0x1122334455667788u);
}

TEST(KvmRun, WorksWithoutTheInKernelLapic) {
  REGVM_REQUIRE_KVM();
  GuestOptions options;
  options.vm.in_kernel_lapic = false;
  auto guest = TestGuest::create(options);
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->boot(guestImage("exit_value")));
  RunOutcome out = guest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
  EXPECT_EQ(out.exit_status, 42);
}

TEST(KvmRun, LongComputeIsDeterministicAndChecksItsMsrs) {
  REGVM_REQUIRE_KVM();
  std::string first;
  for (int round = 0; round < 2; ++round) {
    auto guest = TestGuest::create();
    ASSERT_TRUE(guest);
    ASSERT_TRUE(guest->boot(guestImage("long_compute")));
    guest->setParam(REGVM_GUEST_PARAM_ITERATIONS, 3000);
    guest->setParam(REGVM_GUEST_PARAM_DIRTY_BYTES, 16 * 4096);
    guest->setParam(REGVM_GUEST_PARAM_PROGRESS_EVERY, 1000);
    RunOutcome out = guest->vcpu().run();
    ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
    EXPECT_EQ(out.exit_status, 0) << guest->console().text();
    const std::string text = guest->console().text();
    EXPECT_NE(text.find("progress 3000 0x"), std::string::npos) << text;
    EXPECT_NE(text.find("\nchecksum 0x"), std::string::npos) << text;
    EXPECT_NE(text.find("long_compute: ok\n"), std::string::npos) << text;
    if (round == 0) first = text;
    else EXPECT_EQ(text, first);
  }
}

TEST(KvmRun, RequestStopStopsASpinningGuestAndRunContinuesIt) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->boot(guestImage("spin")));
  guest->setParam(REGVM_GUEST_PARAM_ITERATIONS, 0);  // forever

  std::uint64_t last = 0;
  for (int round = 0; round < 3; ++round) {
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      guest->vcpu().requestStop();
    });
    RunOutcome out = guest->vcpu().run();
    stopper.join();
    ASSERT_EQ(out.reason, StopReason::StopRequested) << out.error;
    const std::uint64_t counter = guest->param(REGVM_GUEST_PARAM_COUNTER);
    EXPECT_GT(counter, last) << "the guest did not run in round " << round;
    last = counter;
  }
  // Let it finish a known number of rounds later: it continues exactly.
  guest->setParam(REGVM_GUEST_PARAM_ITERATIONS, last + 1000);
  RunOutcome out = guest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
  EXPECT_EQ(out.exit_status, 0);
  EXPECT_EQ(guest->param(REGVM_GUEST_PARAM_COUNTER), last + 1000);
}

TEST(KvmRun, StopRequestedFromTheVcpuThreadItself) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->boot(guestImage("long_compute")));
  guest->setParam(REGVM_GUEST_PARAM_ITERATIONS, 3000);
  guest->setParam(REGVM_GUEST_PARAM_DIRTY_BYTES, 16 * 4096);
  guest->setParam(REGVM_GUEST_PARAM_PROGRESS_EVERY, 1000);
  int lines = 0;
  guest->console().on_line = [&](const std::string &line) {
    if (line.rfind("progress", 0) == 0) {
      ++lines;
      guest->vcpu().requestStop();
    }
  };
  RunOutcome out = guest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::StopRequested) << out.error;
  EXPECT_EQ(lines, 1);
  // The port write that printed the newline is complete: the guest goes on
  // with the next line, it does not print the newline twice.
  EXPECT_EQ(guest->console().text().find("\n\n"), std::string::npos);
  guest->console().on_line = nullptr;
  out = guest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
  EXPECT_EQ(out.exit_status, 0) << guest->console().text();
}

// The time from requestStop() to run() returning, for a guest spinning
// without exits: printed, not asserted (no timing assertions in tests).
TEST(KvmRun, StopLatencyIsReported) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->boot(guestImage("spin")));
  guest->setParam(REGVM_GUEST_PARAM_ITERATIONS, 0);  // forever
  using Clock = std::chrono::steady_clock;
  double worst_us = 0, total_us = 0;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    Clock::time_point asked;
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      asked = Clock::now();
      guest->vcpu().requestStop();
    });
    RunOutcome out = guest->vcpu().run();
    const auto stopped = Clock::now();
    stopper.join();
    ASSERT_EQ(out.reason, StopReason::StopRequested);
    const double us = std::chrono::duration<double, std::micro>(stopped - asked).count();
    worst_us = std::max(worst_us, us);
    total_us += us;
  }
  std::printf("requestStop -> run() returned: mean %.1f us, worst %.1f us over %d rounds\n", total_us / kRounds,
              worst_us, kRounds);
}

TEST(KvmRun, AccessOutsideRamStopsWithTheAddressAndRip) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->boot(guestImage("dirty_pages")));
  // 64 MiB of RAM, but the identity map covers the whole first GiB.
  guest->setParam(REGVM_GUEST_PARAM_DIRTY_BASE, 0x8000000);
  guest->setParam(REGVM_GUEST_PARAM_DIRTY_BYTES, 4096);
  RunOutcome out = guest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::Error);
  EXPECT_NE(out.error.find("wrote 1 bytes at 0x8000000, outside guest RAM"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("at RIP 0x10"), std::string::npos) << out.error;
}

TEST(KvmRun, TripleFaultStopsWithAnError) {
  REGVM_REQUIRE_KVM();
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->boot(guestImage("dirty_pages")));
  // Not identity-mapped: a page fault with no IDT is a triple fault.
  guest->setParam(REGVM_GUEST_PARAM_DIRTY_BASE, 1ull << 40);
  guest->setParam(REGVM_GUEST_PARAM_DIRTY_BYTES, 4096);
  RunOutcome out = guest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::Error);
  EXPECT_NE(out.error.find("KVM_EXIT_SHUTDOWN"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("RIP 0x"), std::string::npos) << out.error;
}

TEST(KvmRun, GuestRamAboveFourGiB) {
  REGVM_REQUIRE_KVM();
  GuestOptions options;
  options.ram_bytes = (4ull << 30) + (512ull << 20);  // touched pages only
  auto guest = TestGuest::create(options);
  ASSERT_TRUE(guest);
  ASSERT_TRUE(guest->vm().lapicHole().has_value());
  ASSERT_TRUE(guest->boot(guestImage("dirty_pages")));
  guest->setParam(REGVM_GUEST_PARAM_DIRTY_BASE, 0x110000000);  // 4.25 GiB
  guest->setParam(REGVM_GUEST_PARAM_DIRTY_BYTES, 16 * 4096);
  guest->setParam(REGVM_GUEST_PARAM_STRIDE_PAGES, 4);
  RunOutcome out = guest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
  for (std::uint64_t p = 0; p < 16; ++p)
    EXPECT_EQ(*guest->memory().at(0x110000000 + p * 4096), p % 4 == 0 ? 0x5a : 0) << "page " << p;
}

}  // namespace
}  // namespace regvm::kvm::test
