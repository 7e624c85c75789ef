// Loads and stores: sizes and sign extension, addressing modes with
// writeback, register offsets, literals, pairs, exclusives, MMIO and
// out-of-RAM accesses, dirty tracking.
#include <gtest/gtest.h>

#include "assembler_support.h"

namespace regvm::aarch64::testing {
namespace {

#define GUEST_OR_FAIL(g) \
  if (!(g).ok()) GTEST_FAIL() << "the test guest was not assembled: aarch64-linux-gnu-as (binutils-aarch64-linux-gnu, scripts/install-deps) is missing or failed"

TEST(LoadStore, SizesAndSignExtension) {
  Guest g(R"(
    ldr x10, =0x40080000
    ldr x1, =0x8192a3b4c5d6e7f8
    str x1, [x10]
    ldrb w2, [x10, #7]
    ldrsb x3, [x10, #7]
    ldrsb w4, [x10, #7]
    ldrsh x5, [x10, #6]
    ldrsw x6, [x10, #4]
    ldur w7, [x10, #1]
    strh w1, [x10, #16]
    ldr x8, [x10, #16]
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0x81u);
  EXPECT_EQ(g.x(3), 0xffffffffffffff81u);
  EXPECT_EQ(g.x(4), 0xffffff81u);
  EXPECT_EQ(g.x(5), 0xffffffffffff8192u);
  EXPECT_EQ(g.x(6), 0xffffffff8192a3b4u);
  EXPECT_EQ(g.x(7), 0xb4c5d6e7u);
  EXPECT_EQ(g.x(8), 0xe7f8u);
}

TEST(LoadStore, WritebackAndRegisterOffsets) {
  Guest g(R"(
    ldr x10, =0x40080000
    mov x11, x10
    mov x1, #7
    str x1, [x11, #16]!
    ldr x2, [x11], #-8
    mov x3, #2
    ldr x4, [x10, x3, lsl #3]
    mov w5, #-16
    add x12, x10, #32
    ldr x6, [x12, w5, sxtw]
    stp x1, x3, [sp, #-16]!
    ldp x7, x8, [sp], #16
    mov x9, sp
  )");
  GUEST_OR_FAIL(g);
  std::uint64_t sp0 = g.sp();
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(11), kDataBase + 8);
  EXPECT_EQ(g.x(2), 7u);
  EXPECT_EQ(g.x(4), 7u);
  EXPECT_EQ(g.x(6), 7u);
  EXPECT_EQ(g.x(7), 7u);
  EXPECT_EQ(g.x(8), 2u);
  EXPECT_EQ(g.x(9), sp0);
  EXPECT_EQ(g.read64(sp0 - 16), 7u);
}

TEST(LoadStore, LiteralAndLdpsw) {
  Guest g(R"(
    ldr x1, lit
    ldrsw x2, lit + 4
    adr x3, lit
    ldpsw x4, x5, [x3]
    b 1f
    .balign 8
lit: .quad 0x80000000fffffffe
1:
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(1), 0x80000000fffffffeu);
  EXPECT_EQ(g.x(2), 0xffffffff80000000u);
  EXPECT_EQ(g.x(4), static_cast<std::uint64_t>(-2));
  EXPECT_EQ(g.x(5), 0xffffffff80000000u);
}

TEST(LoadStore, ExclusivePairSucceedsOnceAndFailsAfterClrex) {
  Guest g(R"(
    ldr x10, =0x40080000
    ldxr x1, [x10]
    add x1, x1, #5
    stxr w2, x1, [x10]
    stxr w3, x1, [x10]     // monitor already cleared
    ldaxr x4, [x10]
    clrex
    stlxr w5, x4, [x10]
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0u);
  EXPECT_EQ(g.x(3), 1u);
  EXPECT_EQ(g.x(5), 1u);
  EXPECT_EQ(g.read64(kDataBase), 5u);
}

TEST(LoadStore, UartStoreReachesTheConsole) {
  Guest g(R"(
    mov x10, #0x09000000
    mov w1, #'h'
    strb w1, [x10]
    mov w1, #'i'
    str w1, [x10]
    ldr w2, [x10, #0x18]   // UARTFR
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.console(), "hi");
  EXPECT_EQ(g.x(2), 0x90u);
}

TEST(LoadStore, AccessOutsideRamAndDevicesStopsTheVm) {
  Guest g(R"(
    mov x1, #0x1000
    ldr x2, [x1]
  )");
  GUEST_OR_FAIL(g);
  EXPECT_EQ(g.runToEnd(),
            "data abort: 8-byte load from 0x1000, which is neither RAM nor a device at PC 0x40000004");
  Guest s("mov x1, #0x50000000\n    str x1, [x1, #8]");
  GUEST_OR_FAIL(s);
  EXPECT_EQ(s.runToEnd(),
            "data abort: 8-byte store to 0x50000008, which is neither RAM nor a device at PC 0x40000004");
  // Straddling the end of RAM is outside RAM too.
  Guest t("ldr x1, =0x400ffffc\n    ldr x2, [x1]");
  GUEST_OR_FAIL(t);
  EXPECT_NE(t.runToEnd().find("8-byte load from 0x400ffffc"), std::string::npos);
}

TEST(LoadStore, StoresMarkTheirPagesDirty) {
  Guest g(R"(
    ldr x10, =0x40080ffc
    str x10, [x10]          // straddles two pages
    ldr x11, =0x40090000
    stp x10, x10, [x11]
  )");
  GUEST_OR_FAIL(g);
  g.memory().setTracking(true);
  ASSERT_EQ(g.runToEnd(), "");
  std::vector<std::uint64_t> bitmap;
  g.memory().takeDirty(bitmap);
  std::vector<std::uint64_t> pages;
  for (std::uint64_t p = 0; p < g.memory().pageCount(); ++p)
    if (bitmap[p / 64] >> (p % 64) & 1) pages.push_back(p);
  EXPECT_EQ(pages, (std::vector<std::uint64_t>{0x80, 0x81, 0x90}));
}

} // namespace
} // namespace regvm::aarch64::testing
