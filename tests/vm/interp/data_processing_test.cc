// Data processing: flags, shifts at their edges, division by zero, SP
// versus XZR for register 31, bitfield and logical-immediate decoding.
#include <gtest/gtest.h>

#include "assembler_support.h"

namespace regvm::aarch64::testing {
namespace {

#define GUEST_OR_FAIL(g) \
  if (!(g).ok()) GTEST_FAIL() << "the test guest was not assembled: aarch64-linux-gnu-as (binutils-aarch64-linux-gnu, scripts/install-deps) is missing or failed"

TEST(DataProcessing, AddsSetsCarryAndOverflow) {
  Guest g(R"(
    mov x1, #0x7fffffffffffffff
    adds x2, x1, #1        // signed overflow: N and V
    mrs x3, nzcv
    mov w4, #-1
    adds w5, w4, #1        // 32-bit carry out, zero result: Z and C
    mrs x6, nzcv
    subs x7, x1, x1        // equal: Z and C (no borrow)
    mrs x8, nzcv
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0x8000000000000000u);
  EXPECT_EQ(g.x(3), 0x90000000u);
  EXPECT_EQ(g.x(5), 0u);
  EXPECT_EQ(g.x(6), 0x60000000u);
  EXPECT_EQ(g.x(8), 0x60000000u);
}

TEST(DataProcessing, Register31IsSpOrZeroDependingOnTheInstruction) {
  Guest g(R"(
    mov x1, #5
    add x2, sp, #0          // SP as source
    add sp, sp, #16         // SP as destination
    mov x3, sp
    add x4, x1, xzr         // shifted-register form: 31 is XZR
    orr x5, xzr, #0xff      // logical immediate: Rn = XZR
    adds xzr, x1, #1        // flag-setting: Rd = XZR, result dropped
    mov x6, sp
    add x7, sp, x1, uxtx #2 // extended form: Rn = SP
  )");
  GUEST_OR_FAIL(g);
  std::uint64_t sp0 = g.sp();
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), sp0);
  EXPECT_EQ(g.x(3), sp0 + 16);
  EXPECT_EQ(g.x(4), 5u);
  EXPECT_EQ(g.x(5), 0xffu);
  EXPECT_EQ(g.x(6), sp0 + 16);
  EXPECT_EQ(g.x(7), sp0 + 16 + 20);
  EXPECT_EQ(g.x(kZr), 0u);
}

TEST(DataProcessing, ShiftsAtTheirEdges) {
  Guest g(R"(
    ldr x1, =0x8000000000000001
    mov x9, #0
    lsl x2, x1, x9          // by 0
    mov x9, #63
    lsl x3, x1, x9          // by 63
    mov x9, #64
    lsr x4, x1, x9          // amount mod 64 = 0
    mov x9, #65
    asr x5, x1, x9          // mod 64 = 1, arithmetic
    mov x9, #33
    lsr w6, w1, w9          // mod 32 = 1
    asr x7, x1, #63
    ror x8, x1, #63
    ror w10, w1, #0
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0x8000000000000001u);
  EXPECT_EQ(g.x(3), 0x8000000000000000u);
  EXPECT_EQ(g.x(4), 0x8000000000000001u);
  EXPECT_EQ(g.x(5), 0xc000000000000000u);
  EXPECT_EQ(g.x(6), 0u);
  EXPECT_EQ(g.x(7), ~0ull);
  EXPECT_EQ(g.x(8), 0x3u);
  EXPECT_EQ(g.x(10), 1u);
}

TEST(DataProcessing, DivisionByZeroAndOverflow) {
  Guest g(R"(
    mov x1, #100
    udiv x2, x1, xzr
    sdiv x3, x1, xzr
    mov x4, #0x8000000000000000
    mov x5, #-1
    sdiv x6, x4, x5         // INT64_MIN / -1 wraps
    mov x7, #-7
    mov x8, #2
    sdiv x9, x7, x8         // rounds towards zero
    sdiv w10, w7, w8
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0u);
  EXPECT_EQ(g.x(3), 0u);
  EXPECT_EQ(g.x(6), 0x8000000000000000u);
  EXPECT_EQ(g.x(9), static_cast<std::uint64_t>(-3));
  EXPECT_EQ(g.x(10), 0xfffffffdu);
}

TEST(DataProcessing, WRegisterWritesClearTheUpperHalf) {
  Guest g(R"(
    mov x1, #-1
    add w2, w1, #0
    mov x3, #-1
    movk w3, #0x1234
    mov x4, #-1
    bfi w4, w1, #4, #4
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0xffffffffu);
  EXPECT_EQ(g.x(3), 0xffff1234u);
  EXPECT_EQ(g.x(4), 0xffffffffu);
}

TEST(DataProcessing, BitfieldAliases) {
  Guest g(R"(
    ldr x1, =0xf0e1d2c3b4a59687
    ubfx x2, x1, #4, #12
    sbfx x3, x1, #60, #4
    sbfiz x4, x1, #8, #8
    mov x5, #-1
    bfxil x5, x1, #56, #8
    sxtw x6, w1
    uxth w7, w1
    extr x8, x1, x1, #8
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0x968u);
  EXPECT_EQ(g.x(3), ~0ull);  // 0xf sign-extended
  EXPECT_EQ(g.x(4), 0xffffffffffff8700u);
  EXPECT_EQ(g.x(5), 0xfffffffffffffff0u);
  EXPECT_EQ(g.x(6), 0xffffffffb4a59687u);
  EXPECT_EQ(g.x(7), 0x9687u);
  EXPECT_EQ(g.x(8), 0x87f0e1d2c3b4a596u);
}

TEST(DataProcessing, LogicalImmediatesAndConditionalOps) {
  Guest g(R"(
    mov x1, #0x5555555555555555
    and x2, x1, #0xff00ff00ff00ff00
    ands w3, w1, #0x80000001
    mrs x4, nzcv
    mov x5, #5
    cmp x5, #6
    csinc x6, x5, x5, ge
    csneg x7, x5, x5, lt
    ccmp x5, #5, #0x2, lt   // lt holds: compare 5 with 5 -> Z C
    mrs x8, nzcv
    ccmp x5, #5, #0x2, gt   // gt fails: flags = 0x2 << 28
    mrs x9, nzcv
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0x5500550055005500u);
  EXPECT_EQ(g.x(3), 1u);
  EXPECT_EQ(g.x(4), 0u);
  EXPECT_EQ(g.x(6), 6u);
  EXPECT_EQ(g.x(7), 5u);
  EXPECT_EQ(g.x(8), 0x60000000u);
  EXPECT_EQ(g.x(9), 0x20000000u);
}

TEST(DataProcessing, MultiplyHighAndLong) {
  Guest g(R"(
    mov x1, #-2
    mov x2, #3
    smulh x3, x1, x2
    umulh x4, x1, x2
    smull x5, w1, w2
    umull x6, w1, w2
    msub x7, x1, x2, xzr
    clz x8, xzr
    cls x9, x1
    rbit w10, w2
    rev x11, x2
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(3), ~0ull);
  EXPECT_EQ(g.x(4), 2u);
  EXPECT_EQ(g.x(5), static_cast<std::uint64_t>(-6));
  EXPECT_EQ(g.x(6), 0x2fffffffau);
  EXPECT_EQ(g.x(7), 6u);
  EXPECT_EQ(g.x(8), 64u);
  EXPECT_EQ(g.x(9), 62u);
  EXPECT_EQ(g.x(10), 0xc0000000u);
  EXPECT_EQ(g.x(11), 0x0300000000000000u);
}

TEST(DataProcessing, UnimplementedInstructionStopsWithWordAndPc) {
  Guest g("mov x1, #1\n    fadd d0, d1, d2");
  GUEST_OR_FAIL(g);
  EXPECT_EQ(g.runToEnd(), "unimplemented instruction 0x1e622820 at PC 0x40000004");
  EXPECT_EQ(g.x(1), 1u);
  EXPECT_EQ(g.cpu().state().pc, kRamBase + 4);
}

} // namespace
} // namespace regvm::aarch64::testing
