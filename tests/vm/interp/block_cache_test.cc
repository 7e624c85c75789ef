// The block cache: code is decoded once and reused; a store into a page
// holding decoded code (self-modifying code) drops that page's blocks, also
// when the store comes from the block being executed.
#include <gtest/gtest.h>

#include "assembler_support.h"

namespace regvm::aarch64::testing {
namespace {

#define GUEST_OR_FAIL(g) \
  if (!(g).ok()) GTEST_FAIL() << "the test guest was not assembled: aarch64-linux-gnu-as (binutils-aarch64-linux-gnu, scripts/install-deps) is missing or failed"

TEST(BlockCache, LoopsAreDecodedOnce) {
  Guest g(R"(
    mov x1, #1000
1:  add x2, x2, #3
    subs x1, x1, #1
    b.ne 1b
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 3000u);
  // mov+loop body once (4), the loop block (3), the block after (brk).
  EXPECT_LE(g.cpu().blockCache().decodedInstructions(), 8u);
}

TEST(BlockCache, SelfModifyingCodeIsRetranslated) {
  // Patches the `movz x0` of a routine it has already run, calls it again.
  Guest g(R"(
    bl routine
    mov x5, x0
    adr x1, routine
    ldr w2, new_insn
    str w2, [x1]
    bl routine
    mov x6, x0
    b 1f
routine:
    movz x0, #0x1111
    ret
new_insn:
    movz x0, #0x2222
1:
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(5), 0x1111u);
  EXPECT_EQ(g.x(6), 0x2222u);
}

TEST(BlockCache, StoreIntoTheRunningBlockTakesEffectAtTheNextInstruction) {
  // The store patches the instruction right after it, in the same block.
  Guest g(R"(
    adr x1, target
    ldr w2, new_insn
    str w2, [x1]
target:
    movz x3, #1
    b 1f
new_insn:
    movz x3, #2
1:
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(3), 2u);
}

TEST(BlockCache, DataStoresElsewhereKeepTheBlocks) {
  Guest g(R"(
    ldr x10, =0x40080000
    mov x1, #100
1:  str x1, [x10]
    subs x1, x1, #1
    b.ne 1b
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_LE(g.cpu().blockCache().decodedInstructions(), 10u);
}

TEST(BlockCache, FetchOutsideRamStops) {
  Guest g("mov x1, #0x1000\n    br x1");
  GUEST_OR_FAIL(g);
  EXPECT_EQ(g.runToEnd(), "instruction fetch outside RAM (0x1000) at PC 0x1000");
}

} // namespace
} // namespace regvm::aarch64::testing
