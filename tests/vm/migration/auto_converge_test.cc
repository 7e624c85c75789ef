// Auto-converge: the machine's vCPU throttle (rests between timeslices,
// never in the way of pause or quit) and the policy that raises it when
// pre-copy does not halve the dirty set.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "auto_converge.h"
#include "incoming_migration.h"
#include "outgoing_migration.h"
#include "software_dirty_log.h"
#include "test_machine.h"

namespace regvm::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::uint64_t kForever = ~std::uint64_t{0} >> 1;

bool waitFor(const std::function<bool()> &condition, std::chrono::milliseconds limit = 5000ms) {
  const auto end = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(Throttle, RestsTheVcpuBetweenTimeslicesUntilTurnedOff) {
  TestMachine t = makeMachine(8, {}, kForever);
  t.machine->start(true);
  ASSERT_TRUE(waitFor([&] { return t.vcpu->runs() == 1; }));
  t.machine->setThrottle(50);  // 10 ms runs, 10 ms rests
  EXPECT_EQ(50u, t.machine->throttle());
  ASSERT_TRUE(waitFor([&] { return t.vcpu->runs() >= 4; })) << "the throttle never stopped the vCPU";
  t.machine->setThrottle(0);
  EXPECT_EQ(0u, t.machine->throttle());
  std::this_thread::sleep_for(30ms);  // a rest under way ends
  const std::uint64_t runs = t.vcpu->runs();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(runs, t.vcpu->runs()) << "the vCPU is still stopped after the throttle was turned off";
  EXPECT_EQ(RunState::Running, t.machine->state());
}

TEST(Throttle, PauseAndQuitAreNotHeldUpByARest) {
  TestMachine t = makeMachine(8, {}, kForever);
  t.machine->start(true);
  ASSERT_TRUE(waitFor([&] { return t.vcpu->runs() == 1; }));
  t.machine->setThrottle(99);         // 10 ms runs, 990 ms rests
  std::this_thread::sleep_for(40ms);  // now in the first rest
  auto t0 = Clock::now();
  EXPECT_TRUE(t.machine->pause());
  EXPECT_LT(Clock::now() - t0, 500ms);
  EXPECT_EQ(RunState::Paused, t.machine->state());
  EXPECT_TRUE(t.machine->resume());
  t0 = Clock::now();
  t.machine->quit();
  const MachineEnd end = t.machine->waitUntilEnded();
  EXPECT_LT(Clock::now() - t0, 500ms);
  EXPECT_EQ(RunState::Shutdown, end.state);
}

TEST(AutoConverge, RaisesTheThrottleOnlyWhileSamplesDoNotHalve) {
  TestMachine t = makeMachine(8, {}, kForever);
  MigrationParameters params;  // at least 50, then at least +20, up to 99
  unsigned reported = 0;
  {
    AutoConverge converge(*t.machine, params, [&](unsigned p) { reported = p; });
    EXPECT_TRUE(converge.sample(50, 100));  // halves: nothing to do
    EXPECT_TRUE(converge.sample(0, 0));
    EXPECT_EQ(0u, converge.throttle());
    // 51 dirtied per 100 read, each time at the throttle then in force:
    //   0% -> the guest must run 100 * 100/(4*51) = 49%: 51 (above the initial 50)
    //  51% -> 49 * 100/204 = 24% running: 76 (above 51 + 20)
    //  76% -> 24 * 100/204 = 11.8% running: 89, but at least 76 + 20 = 96
    //  96% -> at least 99 (the most)
    for (unsigned expected : {51u, 76u, 96u, 99u}) {
      EXPECT_FALSE(converge.sample(51, 100));
      EXPECT_EQ(expected, converge.throttle());
      EXPECT_EQ(expected, t.machine->throttle());
      EXPECT_EQ(expected, reported);
    }
    EXPECT_FALSE(converge.canThrottleMore());
    EXPECT_FALSE(converge.sample(100, 100));
    EXPECT_EQ(99u, converge.throttle());
  }
  EXPECT_EQ(0u, t.machine->throttle()) << "the throttle outlived the migration";
}

TEST(AutoConverge, AGuestFarAheadIsThrottledInOneStep) {
  // QEMU's fixed steps (50, 70, 90, 99) would take three more samples, each
  // a pass resending nearly everything.
  TestMachine t = makeMachine(8, {}, kForever);
  MigrationParameters params;
  AutoConverge converge(*t.machine, params, {});
  EXPECT_FALSE(converge.sample(400, 100));  // 100 * 100/1600 = 6.25% running
  EXPECT_EQ(94u, converge.throttle());
  EXPECT_TRUE(converge.sample(20, 100)) << "at 94% the guest no longer outruns pre-copy";
  EXPECT_EQ(94u, converge.throttle());
}

TEST(AutoConverge, TheInitialThrottleAndTheIncrementAreFloors) {
  TestMachine t = makeMachine(8, {}, kForever);
  MigrationParameters params;
  params.throttle_initial = 80;
  params.throttle_increment = 15;
  AutoConverge converge(*t.machine, params, {});
  EXPECT_FALSE(converge.sample(51, 100));  // calls for 51%
  EXPECT_EQ(80u, converge.throttle()) << "the first throttle is at least --throttle-initial";
  EXPECT_FALSE(converge.sample(51, 100));  // 20 * 100/204 = 9.8% running: 91
  EXPECT_EQ(95u, converge.throttle()) << "a raise is at least --throttle-increment";
}

TEST(AutoConverge, OffLeavesTheGuestAlone) {
  TestMachine t = makeMachine(8, {}, kForever);
  MigrationParameters params;
  params.auto_converge = false;
  AutoConverge converge(*t.machine, params, {});
  EXPECT_FALSE(converge.canThrottleMore());
  EXPECT_FALSE(converge.sample(100, 100));
  EXPECT_EQ(0u, t.machine->throttle());
}

// A dirty log that finds the guest's 8 pages written again at every look:
// a guest that dirties faster than pre-copy resends, independent of how the
// threads happen to be scheduled.
class AlwaysDirtyLog final : public DirtyLog {
 public:
  regcompat::runtime::Status start() override { return {}; }
  regcompat::runtime::Status collect(std::vector<std::uint64_t> &bitmap) override {
    bitmap.resize(1);
    bitmap[0] |= 0xff;
    return {};
  }
  void stop() override {}
};

// Such a guest is throttled step by step, the migration still completes, and
// no throttle is left behind on the source (now in postmigrate).
TEST(AutoConverge, AGuestDirtyingFasterThanPrecopyIsThrottledAndMigrates) {
  const auto table = std::move(regcompat::runtime::CompatTable::create({.machine_type = "virt-10.0"})).value();
  TestMachine src = makeMachine(64, {}, kForever, RunState::Prelaunch, 0, std::make_unique<AlwaysDirtyLog>());
  src.machine->start(true);
  ASSERT_TRUE(waitFor([&] { return src.vcpu->counter() > 1000; }));  // the guest is writing
  MigrationParameters params;
  // A memory channel sends any set "in no time": neither negligible nor
  // acceptable, so only the throttle reaching its maximum and stalls end
  // pre-copy.
  params.negligible_downtime_ms = 0;
  params.downtime_limit_ms = 0;
  OutgoingMigration out(*src.machine, table, testHeader(), params);
  MemoryChannel channel;
  ASSERT_TRUE(out.runTo(channel, false).ok());
  const MigrationStats stats = out.query();
  EXPECT_EQ(MigrationStatus::Completed, stats.status);
  // 8 dirtied per 8 read: 75% (the guest must run a quarter of the time),
  // then 95 (proportional 94, at least +20), then 99.
  EXPECT_EQ(99u, stats.cpu_throttle_percentage);
  // 3 passes that raise the throttle (pass 1 among them, unless it read
  // every page), 3 stalled passes at 99%, then stop-and-copy.
  EXPECT_GE(stats.iterations, 3u + 3u + 1u);
  EXPECT_LE(stats.iterations, 1u + 3u + 3u + 1u);
  EXPECT_EQ(0u, src.machine->throttle());
  TestMachine dst = makeMachine(64, {}, 0, RunState::InMigrate);
  MemoryChannel in_channel(channel.data());
  IncomingMigration in(*dst.machine, table, testHeader(), true);
  auto s = in.load(in_channel);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(0, std::memcmp(dst.machine->memory().host(), src.machine->memory().host(), 64 * 4096));
}

} // namespace
} // namespace regvm::test
