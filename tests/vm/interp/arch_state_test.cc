// saveArchState/loadArchState: a round trip through a fresh CPU continues
// the guest exactly; truncated or invalid state fails with a byte offset.
#include <gtest/gtest.h>

#include "assembler_support.h"

namespace regvm::aarch64::testing {
namespace {

#define GUEST_OR_FAIL(g) \
  if (!(g).ok()) GTEST_FAIL() << "the test guest was not assembled: aarch64-linux-gnu-as (binutils-aarch64-linux-gnu, scripts/install-deps) is missing or failed"

const char *kProgram = R"(
    ldr x1, =0x0123456789abcdef
    ldr x2, =0x40070000
    msr sp_el0, x2
    mov x3, #0
    cmp x3, #1
    ldr x10, =0x40080000
    ldxr x4, [x10]
    brk #1                  // checkpoint
    stxr w5, x1, [x10]      // the exclusive monitor survived the handoff
    mrs x6, nzcv
    mrs x7, sp_el0
    add x8, x1, x3
  )";

TEST(ArchState, RoundTripContinuesTheGuest) {
  Guest g(kProgram);
  GUEST_OR_FAIL(g);
  RunOutcome o = g.run();
  ASSERT_EQ(o.reason, StopReason::Error);  // BRK #1: the checkpoint
  g.cpu().state().pc += 4;                 // step over it
  StateWriter w;
  g.cpu().saveArchState(w);
  EXPECT_EQ(w.bytes().size(), 4u + 31 * 8 + 3 * 8 + 4 * 4 + 2 * 8 + 1 + 8);

  Guest fresh(kProgram);
  StateReader r(w.bytes(), 100, "cpu");
  ASSERT_TRUE(fresh.cpu().loadArchState(r).ok());
  EXPECT_TRUE(r.atEnd());
  ASSERT_EQ(fresh.runToEnd(), "");
  EXPECT_EQ(fresh.x(5), 0u);
  EXPECT_EQ(fresh.x(6), 0x80000000u);  // N from cmp 0, 1
  EXPECT_EQ(fresh.x(7), 0x40070000u);
  EXPECT_EQ(fresh.x(8), 0x0123456789abcdefu);
  EXPECT_EQ(fresh.sp(), g.sp());
}

TEST(ArchState, TruncatedStateFailsWithTheOffset) {
  Guest g("nop");
  GUEST_OR_FAIL(g);
  StateWriter w;
  g.cpu().saveArchState(w);
  std::vector<std::uint8_t> bytes = w.bytes();
  bytes.resize(4 + 31 * 8 + 3);  // inside SP_EL0
  StateReader r(bytes, 1000, "cpu");
  auto st = g.cpu().loadArchState(r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error(), "cpu: u64 expected, 3 bytes left (at byte offset 1252)");
}

TEST(ArchState, UnknownVersionAndBadFieldsAreRejected) {
  Guest g("nop");
  GUEST_OR_FAIL(g);
  StateWriter w;
  g.cpu().saveArchState(w);
  std::vector<std::uint8_t> bytes = w.bytes();
  bytes[0] = 9;
  StateReader r(bytes, 0, "cpu");
  auto st = g.cpu().loadArchState(r);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("cpu version 9 is not supported"), std::string::npos);

  bytes = w.bytes();
  std::size_t el_offset = 4 + 31 * 8 + 3 * 8 + 4 + 4;
  bytes[el_offset] = 2;  // EL2
  StateReader r2(bytes, 0, "cpu");
  st = g.cpu().loadArchState(r2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("EL2 with SPSel 1 is not a mode this CPU runs in"), std::string::npos);
  EXPECT_NE(st.error().find("at byte offset " + std::to_string(el_offset)), std::string::npos);
}

} // namespace
} // namespace regvm::aarch64::testing
