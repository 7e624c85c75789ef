// Full vCPU state through save -> a fresh VM -> load: the guest continues
// and ends exactly as an unmigrated run (same console output, checksum, MSRs,
// XMM7), as the migration end-to-end test needs.
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "kvm_test_support.h"
#include "msr_list.h"

namespace regvm::kvm::test {
namespace {

constexpr std::uint64_t kIterations = 3000;

void configureLongCompute(TestGuest &guest) {
  ASSERT_TRUE(guest.boot(guestImage("long_compute")));
  guest.setParam(REGVM_GUEST_PARAM_ITERATIONS, kIterations);
  guest.setParam(REGVM_GUEST_PARAM_DIRTY_BYTES, 16 * 4096);
  guest.setParam(REGVM_GUEST_PARAM_PROGRESS_EVERY, 1000);
}

// The reference run; `took`: how long it ran, to aim stops into the middle
// of a run on hosts of any speed.
std::string unmigratedOutput(std::chrono::microseconds *took = nullptr) {
  auto guest = TestGuest::create();
  if (!guest) return {};
  configureLongCompute(*guest);
  const auto start = std::chrono::steady_clock::now();
  RunOutcome out = guest->vcpu().run();
  if (took)
    *took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_EQ(out.reason, StopReason::GuestExit) << out.error;
  EXPECT_EQ(out.exit_status, 0);
  return guest->console().text();
}

// What a migration carries: RAM, the arch state, the register list
// (filtered by `keep`), into a new VM with a new vCPU.
std::unique_ptr<TestGuest> migrate(TestGuest &source, const std::function<bool(std::uint64_t)> &keep = {}) {
  StateWriter arch;
  source.vcpu().saveArchState(arch);
  EXPECT_EQ(source.vcpu().lastStateError(), "");
  const auto registers = source.vcpu().registerList();
  EXPECT_EQ(source.vcpu().lastStateError(), "");

  auto dest = TestGuest::create();
  if (!dest) return nullptr;
  std::memcpy(dest->memory().host(), source.memory().host(), source.memory().size());
  StateReader in(arch.bytes(), 0, "x86 vCPU state");
  auto st = dest->vcpu().loadArchState(in);
  EXPECT_TRUE(st) << st.error();
  std::vector<regcompat::runtime::StreamRegister> merged;
  for (const auto &r : registers)
    if (!keep || keep(r.index)) merged.push_back({r.index, r.value});
  st = dest->vcpu().loadRegisterList(merged);
  EXPECT_TRUE(st) << st.error();
  return dest;
}

TEST(KvmMigrate, StoppedAtAProgressLineTheGuestFinishesAsIfNeverMoved) {
  REGVM_REQUIRE_KVM();
  const std::string reference = unmigratedOutput();
  ASSERT_NE(reference.find("long_compute: ok"), std::string::npos) << reference;

  auto source = TestGuest::create();
  ASSERT_TRUE(source);
  configureLongCompute(*source);
  source->console().on_line = [&](const std::string &line) {
    if (line.rfind("progress 2000 ", 0) == 0) source->vcpu().requestStop();
  };
  RunOutcome out = source->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::StopRequested) << out.error;

  const std::string printed = source->console().text();
  const std::size_t stop_line = reference.find("progress 2000 ");
  ASSERT_NE(stop_line, std::string::npos);
  EXPECT_EQ(printed, reference.substr(0, reference.find('\n', stop_line) + 1));

  auto dest = migrate(*source);
  ASSERT_TRUE(dest);
  source.reset();  // the source process is gone
  out = dest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
  EXPECT_EQ(out.exit_status, 0) << dest->console().text();
  EXPECT_EQ(printed + dest->console().text(), reference);
}

TEST(KvmMigrate, StoppedAtAnyMomentFromAnotherThreadTwice) {
  REGVM_REQUIRE_KVM();
  std::chrono::microseconds took{};
  const std::string reference = unmigratedOutput(&took);
  auto guest = TestGuest::create();
  ASSERT_TRUE(guest);
  configureLongCompute(*guest);
  std::string printed;
  for (int hop = 0; hop < 2; ++hop) {
    std::thread stopper([&] {
      std::this_thread::sleep_for(took / 4);
      guest->vcpu().requestStop();
    });
    RunOutcome out = guest->vcpu().run();
    stopper.join();
    printed += guest->console().text();
    if (out.reason == StopReason::GuestExit) GTEST_SKIP() << "the guest finished before the stop arrived";
    ASSERT_EQ(out.reason, StopReason::StopRequested) << out.error;
    guest = migrate(*guest);
    ASSERT_TRUE(guest);
  }
  RunOutcome out = guest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
  EXPECT_EQ(out.exit_status, 0);
  EXPECT_EQ(printed + guest->console().text(), reference);
}

TEST(KvmMigrate, AnMsrLeftOutOfTheRegisterListIsNoticedByTheGuest) {
  REGVM_REQUIRE_KVM();
  auto source = TestGuest::create();
  ASSERT_TRUE(source);
  configureLongCompute(*source);
  source->console().on_line = [&](const std::string &line) {
    if (line.rfind("progress 1000 ", 0) == 0) source->vcpu().requestStop();
  };
  ASSERT_EQ(source->vcpu().run().reason, StopReason::StopRequested);
  const std::uint64_t lstar = msrRegisterIndex(0xc0000082);
  auto dest = migrate(*source, [&](std::uint64_t index) { return index != lstar; });
  ASSERT_TRUE(dest);
  RunOutcome out = dest->vcpu().run();
  ASSERT_EQ(out.reason, StopReason::GuestExit) << out.error;
  EXPECT_EQ(out.exit_status, 1);
  EXPECT_NE(dest->console().text().find("msr 0x00000000c0000082 is 0x0000000000000000"), std::string::npos)
      << dest->console().text();
}

}  // namespace
}  // namespace regvm::kvm::test
