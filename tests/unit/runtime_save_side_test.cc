// The save side: what a VMM exposes and what it puts on the stream.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace regcompat::runtime {
namespace {

using namespace rt_test;  // NOLINT: test helpers

const CompatTable &virt10_0() {
  static const CompatTable t = table({.machine_type = "virt-10.0",
                                      .hidden = {kBogusDbgdtrtx},
                                      .value_rules = {Pin{kIdAa64Dfr0El1, kOldDfr0}}});
  return t;
}

const LocalRegisterList &unsortedLocal() {
  static const LocalRegisterList l = {
      {kSctlrEl1, 0x30d00985, false},
      {kBogusDbgdtrtx, 0, true},
      {kIdAa64Dfr0El1, kNewDfr0, true},
      {kDbgdtrEl0, 0, true},
      {kMidrEl1, 0x410fd083, true},
  };
  return l;
}

TEST(Outgoing, DropsHiddenSortsByIndexAndCarriesPinnedValues) {
  auto stream = outgoing(unsortedLocal(), virt10_0());
  ASSERT_TRUE(stream.ok()) << stream.error();
  EXPECT_EQ(*stream, (StreamRegisterList{{kDbgdtrEl0, 0},
                                         {kMidrEl1, 0x410fd083},
                                         {kIdAa64Dfr0El1, kOldDfr0},
                                         {kSctlrEl1, 0x30d00985}}));
}

TEST(Outgoing, UnderAnEmptyTableIsTheWholeListSorted) {
  auto stream = outgoing(unsortedLocal(), CompatTable());
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ(stream->size(), unsortedLocal().size());
  EXPECT_TRUE(std::is_sorted(stream->begin(), stream->end(),
                             [](const StreamRegister &a, const StreamRegister &b) {
                               return a.index < b.index;
                             }));
  EXPECT_EQ(stream->front(), (StreamRegister{kBogusDbgdtrtx, 0}));
}

TEST(Outgoing, RejectsADuplicateNamingBothPositions) {
  LocalRegisterList l = unsortedLocal();
  l.push_back({kSctlrEl1, 1, false});
  auto stream = outgoing(l, virt10_0());
  ASSERT_FALSE(stream.ok());
  EXPECT_TRUE(contains(stream.error(), "0x603000000013c080 (S3_0_C1_C0_0)"));
  EXPECT_TRUE(contains(stream.error(), "positions 0 and 5"));
}

TEST(Outgoing, RejectsAnInvalidIndexNamingItsPosition) {
  LocalRegisterList l = unsortedLocal();
  l.insert(l.begin() + 2, {0x6030000000990000ULL, 0, false});
  auto stream = outgoing(l, virt10_0());
  ASSERT_FALSE(stream.ok());
  EXPECT_TRUE(contains(stream.error(), "position 2"));
  EXPECT_TRUE(contains(stream.error(), "0x6030000000990000"));
}

TEST(VisibleRegisters, KeepsLocalOrderDropsHiddenAndPresentsPinsAsConstants) {
  const LocalRegisterList v = visibleRegisters(unsortedLocal(), virt10_0());
  EXPECT_EQ(v, (LocalRegisterList{{kSctlrEl1, 0x30d00985, false},
                                  {kIdAa64Dfr0El1, kOldDfr0, true},
                                  {kDbgdtrEl0, 0, true},
                                  {kMidrEl1, 0x410fd083, true}}));
  for (const LocalRegister &r : v) EXPECT_FALSE(virt10_0().isHidden(r.index));
}

TEST(VisibleRegisters, APinnedWritableRegisterBecomesConstant) {
  const CompatTable t = table({.value_rules = {Pin{kSctlrEl1, 0xc50838}}});
  const LocalRegisterList v = visibleRegisters(LocalRegisterList{{kSctlrEl1, 0, false}}, t);
  EXPECT_EQ(v, (LocalRegisterList{{kSctlrEl1, 0xc50838, true}}));
}

} // namespace
} // namespace regcompat::runtime
