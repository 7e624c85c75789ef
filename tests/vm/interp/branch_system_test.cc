// Branches, exceptions (SVC/ERET), semihosting, PSCI, PSTATE registers.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "assembler_support.h"

namespace regvm::aarch64::testing {
namespace {

#define GUEST_OR_FAIL(g) \
  if (!(g).ok()) GTEST_FAIL() << "the test guest was not assembled: aarch64-linux-gnu-as (binutils-aarch64-linux-gnu, scripts/install-deps) is missing or failed"

TEST(Branches, CompareAndTestBranchesLookAtTheRightBits) {
  Guest g(R"(
    mov x1, #0x100000000
    mov x2, #0
    cbz w1, 1f             // W view is zero: taken
    orr x2, x2, #1
1:  cbnz x1, 2f            // X view is not: taken
    orr x2, x2, #2
2:  tbz x1, #32, 3f        // bit 32 set: not taken
    orr x2, x2, #4
3:  tbnz x1, #0, 4f        // bit 0 clear: not taken
    orr x2, x2, #8
4:  bl 5f
    orr x2, x2, #16
    b 6f
5:  mov x3, x30
    ret
6:  adr x4, 7f
    blr x4
    b 8f
7:  orr x2, x2, #32
    ret
8:
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 4u | 8u | 16u | 32u);
  EXPECT_EQ(g.x(3), kRamBase + 0x2c);  // after the BL
}

TEST(Branches, ConditionCodesForEveryFlagCombination) {
  // For NZCV = 0..15 count how often EQ, HI, GE and GT hold.
  Guest g(R"(
    mov x5, #0           // nzcv nibble
1:  lsl x11, x5, #28
    msr nzcv, x11
    cinc x6, x6, eq
    cinc x7, x7, hi
    b.ge 2f
    b 3f
2:  add x8, x8, #1
3:  b.gt 4f
    b 5f
4:  add x9, x9, #1
5:  add x5, x5, #1
    cmp x5, #16
    b.ne 1b
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  // EQ: Z set in 8 of 16; HI (C && !Z): 4; GE (N == V): 8; GT (!Z && N == V): 4.
  EXPECT_EQ(g.x(6), 8u);
  EXPECT_EQ(g.x(7), 4u);
  EXPECT_EQ(g.x(8), 8u);
  EXPECT_EQ(g.x(9), 4u);
}

TEST(Exceptions, SvcGoesToVbarAndEretReturns) {
  Guest g(R"(
    adr x1, vectors
    msr vbar_el1, x1
    mov x2, #0
    svc #0x42
    mrs x3, esr_el1
    mrs x4, elr_el1
    mrs x5, spsr_el1
    mrs x6, currentel
    b done
    .balign 2048
vectors:
    .skip 0x200
    add x2, x2, #1
    mrs x7, daif
    eret
done:
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 1u);
  EXPECT_EQ(g.x(3), 0x56000042u);  // EC 0x15, IL, imm16
  EXPECT_EQ(g.x(4), kRamBase + 16);
  EXPECT_EQ(g.x(5), 0x400003c5u);  // Z from reset, DAIF masked, EL1h
  EXPECT_EQ(g.x(6), 4u);
  EXPECT_EQ(g.x(7), 0x3c0u);
}

TEST(Semihosting, WriteAndExitWithStatus) {
  Guest g(R"(
    adr x1, msg
    mov w0, #4             // SYS_WRITE0
    hlt #0xf000
    mov x9, x0
    adr x1, ch
    mov w0, #3             // SYS_WRITEC
    hlt #0xf000
    adr x1, block
    mov w0, #0x18          // SYS_EXIT
    hlt #0xf000
msg: .asciz "hello "
ch: .byte '!'
    .balign 8
block: .quad 0x20026, 42
  )");
  GUEST_OR_FAIL(g);
  RunOutcome o = g.run();
  EXPECT_EQ(o.reason, StopReason::GuestExit);
  EXPECT_EQ(o.exit_status, 42);
  EXPECT_EQ(g.console(), "hello !");
  EXPECT_EQ(g.x(9), 0xdeadbeefu);  // QEMU's "corrupted" X0
  // Exited: running again reports the same exit.
  EXPECT_EQ(g.run().exit_status, 42);
}

TEST(Semihosting, ExitWithAnotherReasonIsStatusOne) {
  Guest g(R"(
    adr x1, block
    mov w0, #0x18
    hlt #0xf000
    .balign 8
block: .quad 0x20023, 0
  )");
  GUEST_OR_FAIL(g);
  RunOutcome o = g.run();
  EXPECT_EQ(o.reason, StopReason::GuestExit);
  EXPECT_EQ(o.exit_status, 1);
}

TEST(Psci, VersionAndSystemOff) {
  Guest g(R"(
    movz x0, #0x8400, lsl #16
    hvc #0
    mov x1, x0
    movz x0, #0x8400, lsl #16
    movk x0, #8
    hvc #0
  )");
  GUEST_OR_FAIL(g);
  RunOutcome o = g.run();
  EXPECT_EQ(o.reason, StopReason::GuestExit);
  EXPECT_EQ(o.exit_status, 0);
  EXPECT_EQ(g.x(1), 0x10001u);
}

TEST(Pstate, SpselSwitchesStackPointers) {
  Guest g(R"(
    ldr x1, =0x40070000
    msr sp_el0, x1
    mov x2, sp
    msr spsel, #0
    mov x3, sp
    sub sp, sp, #16
    msr spsel, #1
    mrs x4, sp_el0
    mov x5, sp
    msr daifclr, #2
    mrs x6, daif
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(3), 0x40070000u);
  EXPECT_EQ(g.x(4), 0x40070000u - 16);
  EXPECT_EQ(g.x(5), g.x(2));
  EXPECT_EQ(g.x(6), 0x340u);
}

// The loop count comes from the test (x1), so that after a stop the test can
// shorten what is left: 400M instructions take 25 s under ASan at -O0.
constexpr const char *kCountdown = R"(
1:  subs x1, x1, #1
    b.ne 1b
  )";

TEST(Run, PendingStopReturnsAtTheFirstBlockAndRunContinues) {
  Guest g(kCountdown);
  GUEST_OR_FAIL(g);
  g.cpu().state().x[1] = 200000000;
  g.cpu().requestStop();  // pending before run(): returns before the first block
  RunOutcome o = g.run();
  EXPECT_EQ(o.reason, StopReason::StopRequested);
  EXPECT_EQ(g.x(1), 200000000u);
  g.cpu().state().x[1] = 3;  // shorten the loop, then continue to the end
  EXPECT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(1), 0u);
}

// What a migration or `stop` does: a request from another thread stops the
// running guest at a block boundary, mid-loop.
TEST(Run, StopFromAnotherThreadStopsMidLoop) {
  Guest g(kCountdown);
  GUEST_OR_FAIL(g);
  g.cpu().state().x[1] = 200000000;
  std::thread stopper([&g] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    g.cpu().requestStop();
  });
  RunOutcome o = g.run();
  stopper.join();
  EXPECT_EQ(o.reason, StopReason::StopRequested);
  const std::uint64_t left = g.x(1);
  EXPECT_GT(left, 0u);
  EXPECT_LT(left, 200000000u);
  g.cpu().state().x[1] = 3;
  EXPECT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(1), 0u);
}

} // namespace
} // namespace regvm::aarch64::testing
