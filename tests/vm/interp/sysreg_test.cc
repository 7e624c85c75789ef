// The system-register file from the release's register list: listed
// registers read and write, constants ignore writes, unlisted ones trap
// (reported once, RAZ/WI, or an error under strict_sysregs), and the list
// goes out and comes back through registerList()/loadRegisterList().
#include <gtest/gtest.h>

#include "assembler_support.h"
#include "test_sysregs.h"

namespace regvm::aarch64::testing {
namespace {

#define GUEST_OR_FAIL(g) \
  if (!(g).ok()) GTEST_FAIL() << "the test guest was not assembled: aarch64-linux-gnu-as (binutils-aarch64-linux-gnu, scripts/install-deps) is missing or failed"

std::uint64_t valueOf(const regcompat::runtime::LocalRegisterList &list, SysregEncoding enc) {
  for (const auto &r : list)
    if (r.index == sysregIndex(enc)) return r.value;
  ADD_FAILURE() << "no " << sysregName(enc) << " in the list";
  return 0;
}

TEST(Sysregs, ListedRegistersReadAndWrite) {
  Guest g(R"(
    ldr x1, =0x1122334455667788
    msr tpidr_el0, x1
    msr tpidr_el1, x1
    mrs x2, tpidr_el0
    mrs x3, midr_el1
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0x1122334455667788u);
  EXPECT_EQ(g.x(3), 0x411fd070u);
  auto list = g.cpu().registerList();
  EXPECT_EQ(valueOf(list, kTpidrEl1), 0x1122334455667788u);
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end(),
                             [](const auto &a, const auto &b) { return a.index < b.index; }));
  EXPECT_TRUE(g.trapLines().empty());
}

TEST(Sysregs, ConstantRegistersIgnoreWrites) {
  // A machine type's pinned value arrives as a constant.
  regcompat::runtime::LocalRegisterList list = {{sysregIndex(kMidrEl1), 0x410fd034, true},
                                                {sysregIndex(kTpidrEl0), 0, false}};
  Guest g(R"(
    mov x1, #0x1234
    msr midr_el1, x1
    mrs x2, midr_el1
  )", {}, list, false);
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(2), 0x410fd034u);
  EXPECT_EQ(valueOf(g.cpu().registerList(), kMidrEl1), 0x410fd034u);
}

TEST(Sysregs, UnlistedRegistersTrapOnceAndReadAsZero) {
  Guest g(R"(
    mov x1, #-1
    mov x2, #-1
    mrs x1, actlr_el1
    msr actlr_el1, x2
    mrs x2, actlr_el1
    msr contextidr_el1, x2
  )");
  GUEST_OR_FAIL(g);
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(1), 0u);
  EXPECT_EQ(g.x(2), 0u);
  ASSERT_EQ(g.trapLines().size(), 2u);
  EXPECT_EQ(g.trapLines()[0],
            "regvm: guest read system register S3_0_C1_C0_1 at PC 0x40000008: not in this "
            "CPU's register list (trapped: reads as zero, writes ignored)");
  EXPECT_NE(g.trapLines()[1].find("wrote system register S3_0_C13_C0_1 at PC 0x40000014"),
            std::string::npos);
  EXPECT_EQ(g.cpu().trappedSysregs(),
            (std::vector<SysregEncoding>{sysregEncoding(3, 0, 1, 0, 1), sysregEncoding(3, 0, 13, 0, 1)}));
}

TEST(Sysregs, StrictModeStopsOnAnUnlistedRegister) {
  InterpreterOptions strict;
  strict.strict_sysregs = true;
  Guest g("mov x1, #1\n    mrs x2, actlr_el1", strict);
  GUEST_OR_FAIL(g);
  EXPECT_EQ(g.runToEnd(),
            "MRS S3_0_C1_C0_1: system register not in this CPU's register list (strict_sysregs) at PC 0x40000004");
}

TEST(Sysregs, LoadRegisterListWritesMergedValuesButNotConstants) {
  Guest g(R"(
    mrs x1, tpidr_el0
    mrs x2, midr_el1
  )");
  GUEST_OR_FAIL(g);
  std::vector<regcompat::runtime::StreamRegister> merged = {
      {sysregIndex(kTpidrEl0), 0xabcd}, {sysregIndex(kMidrEl1), 0x1}, {0x6030000000140000ULL, 0x10002}};
  ASSERT_TRUE(g.cpu().loadRegisterList(merged).ok());
  ASSERT_EQ(g.runToEnd(), "");
  EXPECT_EQ(g.x(1), 0xabcdu);
  EXPECT_EQ(g.x(2), 0x411fd070u);
  auto list = g.cpu().registerList();
  EXPECT_EQ(list.back().index, 0x6030000000140000ULL);  // sorted; FW entry carried as a value
  EXPECT_EQ(list.back().value, 0x10002u);
}

TEST(Sysregs, LoadRegisterListRejectsUnknownRegistersAndChangesNothing) {
  Guest g("nop");
  GUEST_OR_FAIL(g);
  std::vector<regcompat::runtime::StreamRegister> merged = {{sysregIndex(kTpidrEl0), 7},
                                                            {0x6030000000139828ULL, 1}};
  auto st = g.cpu().loadRegisterList(merged);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("0x6030000000139828"), std::string::npos);
  EXPECT_EQ(valueOf(g.cpu().registerList(), kTpidrEl0), 0u);
}

TEST(Sysregs, GenericNames) {
  EXPECT_EQ(sysregName(sysregEncoding(3, 0, 13, 0, 4)), "S3_0_C13_C0_4");
  EXPECT_EQ(sysregName(sysregEncoding(2, 3, 0, 5, 0)), "S2_3_C0_C5_0");
  EXPECT_EQ(sysregIndex(sysregEncoding(2, 3, 0, 5, 0)), 0x6030000000139828ULL);
}

} // namespace
} // namespace regvm::aarch64::testing
