// CompatTable: construction validates every entry and reports, never throws.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace regcompat::runtime {
namespace {

using namespace rt_test;  // NOLINT: test helpers

TEST(CompatTable, SortsItsListsAndAnswersLookups) {
  auto t = CompatTable::create({.machine_type = "virt-10.0",
                                .hidden = {kPirEl1, kTcr2El1},
                                .safe_missing = {kBogusDbgdtrtx, kVendorHypBmap2, kTcr2El1},
                                .value_rules = {Tolerate{kMidrEl1}, Pin{kIdAa64Dfr0El1, kOldDfr0}}});
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->machineType(), "virt-10.0");
  EXPECT_EQ(std::vector<std::uint64_t>(t->hidden().begin(), t->hidden().end()),
            (std::vector<std::uint64_t>{kTcr2El1, kPirEl1}));
  EXPECT_EQ(std::vector<std::uint64_t>(t->safeMissing().begin(), t->safeMissing().end()),
            (std::vector<std::uint64_t>{kBogusDbgdtrtx, kTcr2El1, kVendorHypBmap2}));
  ASSERT_EQ(t->valueRules().size(), 2u);
  EXPECT_EQ(ruleIndex(t->valueRules()[0]), kMidrEl1);

  EXPECT_TRUE(t->isHidden(kTcr2El1));
  EXPECT_FALSE(t->isHidden(kPire0El1));
  EXPECT_TRUE(t->isSafeMissing(kVendorHypBmap2));
  EXPECT_FALSE(t->isSafeMissing(kPirEl1));
  ASSERT_NE(t->pin(kIdAa64Dfr0El1), nullptr);
  EXPECT_EQ(t->pin(kIdAa64Dfr0El1)->value, kOldDfr0);
  EXPECT_EQ(t->pin(kMidrEl1), nullptr);
  ASSERT_NE(t->valueRule(kMidrEl1), nullptr);
  EXPECT_TRUE(std::holds_alternative<Tolerate>(*t->valueRule(kMidrEl1)));
  EXPECT_EQ(t->valueRule(kSctlrEl1), nullptr);
}

TEST(CompatTable, HiddenAndSafeMissingTogetherIsAllowed) {
  // Hidden here and ignored when it arrives: upstream's pairing for a
  // register one release lists and another does not.
  auto t = CompatTable::create({.hidden = {kTcr2El1}, .safe_missing = {kTcr2El1}});
  EXPECT_TRUE(t.ok());
}

TEST(CompatTable, APinOnAHiddenRegisterIsAnErrorNamingIt) {
  auto t = CompatTable::create({.machine_type = "virt-10.0",
                                .hidden = {kIdAa64Dfr0El1},
                                .value_rules = {Pin{kIdAa64Dfr0El1, 1}}});
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(contains(t.error(), "virt-10.0"));
  EXPECT_TRUE(contains(t.error(), "0x603000000013c028 (S3_0_C0_C5_0)"));
  EXPECT_TRUE(contains(t.error(), "hidden"));
  EXPECT_TRUE(contains(t.error(), "pin"));

  auto tolerate = CompatTable::create({.hidden = {kMidrEl1}, .value_rules = {Tolerate{kMidrEl1}}});
  ASSERT_FALSE(tolerate.ok());
  EXPECT_TRUE(contains(tolerate.error(), "tolerate"));
}

TEST(CompatTable, DuplicatesAreRejected) {
  auto hidden = CompatTable::create({.hidden = {kTcr2El1, kPirEl1, kTcr2El1}});
  ASSERT_FALSE(hidden.ok());
  EXPECT_TRUE(contains(hidden.error(), "0x603000000013c103"));
  EXPECT_TRUE(contains(hidden.error(), "twice in hidden"));

  auto safe = CompatTable::create({.safe_missing = {kVendorHypBmap2, kVendorHypBmap2}});
  ASSERT_FALSE(safe.ok());
  EXPECT_TRUE(contains(safe.error(), "KVM_REG_ARM_VENDOR_HYP_BMAP_2"));
  EXPECT_TRUE(contains(safe.error(), "twice in safe-missing"));

  auto two_pins = CompatTable::create(
      {.value_rules = {Pin{kIdAa64Dfr0El1, 1}, Pin{kIdAa64Dfr0El1, 1}}});
  ASSERT_FALSE(two_pins.ok());
  EXPECT_TRUE(contains(two_pins.error(), "two value rules"));

  auto pin_and_tolerate =
      CompatTable::create({.value_rules = {Pin{kIdAa64Dfr0El1, 1}, Tolerate{kIdAa64Dfr0El1}}});
  ASSERT_FALSE(pin_and_tolerate.ok());
  EXPECT_TRUE(contains(pin_and_tolerate.error(), "pin and tolerate"));
}

TEST(CompatTable, InvalidIndexesAreRejectedNamingTheList) {
  // Architecture byte 0x70 is none of arm64, arm32, x86.
  auto t = CompatTable::create({.safe_missing = {kTcr2El1, 0x7030000000000001ULL}});
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(contains(t.error(), "safe-missing"));
  EXPECT_TRUE(contains(t.error(), "0x7030000000000001"));

  auto rule = CompatTable::create({.value_rules = {Pin{0x6030000000990000ULL, 0}}});
  ASSERT_FALSE(rule.ok());
  EXPECT_TRUE(contains(rule.error(), "pin"));
}

TEST(CompatTable, IncrementalAddsValidateAgainstWhatIsThereAndLeaveItUnchanged) {
  CompatTable t("virt-10.0");
  ASSERT_TRUE(t.addRule(Pin{kIdAa64Dfr0El1, kOldDfr0}).ok());
  ASSERT_TRUE(t.addHidden(kPirEl1).ok());
  ASSERT_TRUE(t.addHidden(kTcr2El1).ok());
  ASSERT_TRUE(t.addSafeMissing(kBogusDbgdtrtx).ok());
  const CompatTable before = t;

  Status s = t.addHidden(kIdAa64Dfr0El1);  // pinned already
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(contains(s.error(), "hidden"));
  EXPECT_FALSE(t.addRule(Tolerate{kPirEl1}).ok());            // hidden already
  EXPECT_FALSE(t.addRule(Tolerate{kIdAa64Dfr0El1}).ok());     // has a rule
  EXPECT_FALSE(t.addHidden(kTcr2El1).ok());                   // duplicate
  EXPECT_FALSE(t.addSafeMissing(kBogusDbgdtrtx).ok());        // duplicate
  EXPECT_FALSE(t.addSafeMissing(0x0ULL).ok());                // invalid
  EXPECT_EQ(t, before);

  // Insertions keep the lists sorted.
  EXPECT_EQ(t.hidden()[0], kTcr2El1);
  EXPECT_EQ(t.hidden()[1], kPirEl1);
}

TEST(CompatTable, IncrementalAndBulkConstructionAgree) {
  CompatTable incremental("virt-6.12");
  for (std::uint64_t i : {kPirEl1, kTcr2El1, kPire0El1}) ASSERT_TRUE(incremental.addSafeMissing(i).ok());
  ASSERT_TRUE(incremental.addHidden(kVendorHypBmap2).ok());
  ASSERT_TRUE(incremental.addRule(Tolerate{kMidrEl1}).ok());
  auto bulk = CompatTable::create({.machine_type = "virt-6.12",
                                   .hidden = {kVendorHypBmap2},
                                   .safe_missing = {kTcr2El1, kPire0El1, kPirEl1},
                                   .value_rules = {Tolerate{kMidrEl1}}});
  ASSERT_TRUE(bulk.ok());
  EXPECT_EQ(incremental, *bulk);
}

} // namespace
} // namespace regcompat::runtime
