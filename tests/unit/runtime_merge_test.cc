// The load side: the merge rules one by one, as a VMM relies on them.
#include <gtest/gtest.h>

#include <numeric>

#include "runtime_test_support.h"

namespace regcompat::runtime {
namespace {

using namespace rt_test;  // NOLINT: test helpers

const LocalRegisterList &local() {
  static const LocalRegisterList l = {
      {kSctlrEl1, 0x30d00985, false},
      {kMidrEl1, 0x410fd083, true},
      {kTtbr0El1, 0, false},
      {kIdAa64Dfr0El1, kOldDfr0, true},
      {kTcrEl1, 0, false},
  };
  return l;
}

StreamRegisterList sameAsLocalButWritableValues() {
  return {{kIdAa64Dfr0El1, kOldDfr0}, {kMidrEl1, 0x410fd083}, {kSctlrEl1, 0x1},
          {kTcrEl1, 0x3}, {kTtbr0El1, 0x2}};
}

TEST(Merge, SameListsLoadWithoutFindingsInLocalOrder) {
  MergeReport r = merge(local(), sameAsLocalButWritableValues(), CompatTable());
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.merged, (StreamRegisterList{{kSctlrEl1, 0x1},
                                          {kMidrEl1, 0x410fd083},
                                          {kTtbr0El1, 0x2},
                                          {kIdAa64Dfr0El1, kOldDfr0},
                                          {kTcrEl1, 0x3}}));
}

TEST(Merge, StreamOrderDoesNotMatter) {
  StreamRegisterList stream = sameAsLocalButWritableValues();
  MergeReport sorted = merge(local(), stream, CompatTable());
  std::reverse(stream.begin(), stream.end());
  MergeReport reversed = merge(local(), stream, CompatTable());
  EXPECT_EQ(sorted.merged, reversed.merged);
  EXPECT_EQ(sorted.findings, reversed.findings);
}

TEST(Merge, ASourceRegisterSortingAfterAllOfOursIsReportedNotSilentlyDropped) {
  // QEMU's cpu_post_load() loop stops at the end of its own list and never
  // looks at such a register (docs/qemu-cpreg-migration.md).
  StreamRegisterList stream = sameAsLocalButWritableValues();
  stream.push_back({kTimerCtl, 1});  // sorts after every local index
  MergeReport r = merge(local(), stream, CompatTable());
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::NotHere);
  EXPECT_EQ(r.findings[0].index, kTimerCtl);
  EXPECT_TRUE(contains(r.findings[0].message, "KVM_REG_ARM_TIMER_CTL"));
}

TEST(Merge, HiddenLocalRegistersAreNeitherWrittenNorReportedMissing) {
  const CompatTable t = table({.hidden = {kTtbr0El1}});
  StreamRegisterList stream = sameAsLocalButWritableValues();
  std::erase_if(stream, [](const StreamRegister &s) { return s.index == kTtbr0El1; });
  MergeReport r = merge(local(), stream, t);
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_FALSE(mergedValue(r, kTtbr0El1).has_value());
  EXPECT_EQ(r.merged.size(), local().size() - 1);
}

TEST(Merge, ASafeMissingRegisterThatIsHereIsMergedNormally) {
  const CompatTable t = table({.safe_missing = {kTcrEl1}});
  MergeReport r = merge(local(), sameAsLocalButWritableValues(), t);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(mergedValue(r, kTcrEl1), 0x3u);
}

TEST(Merge, ToleratingAWritableRegisterChangesNothing) {
  const CompatTable t = table({.value_rules = {Tolerate{kSctlrEl1}}});
  MergeReport r = merge(local(), sameAsLocalButWritableValues(), t);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(mergedValue(r, kSctlrEl1), 0x1u);
}

TEST(Merge, APinnedWritableRegisterBehavesAsAConstantAtThePinnedValue) {
  const CompatTable t = table({.value_rules = {Pin{kSctlrEl1, 0x1}}});
  MergeReport ok = merge(local(), sameAsLocalButWritableValues(), t);
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(mergedValue(ok, kSctlrEl1), 0x1u);

  StreamRegisterList stream = sameAsLocalButWritableValues();
  stream[2].value = 0x2;  // SCTLR_EL1
  MergeReport bad = merge(local(), stream, t);
  ASSERT_EQ(errorsOf(bad).size(), 1u);
  EXPECT_EQ(errorsOf(bad)[0].kind, FindingKind::PinMismatch);
  EXPECT_EQ(mergedValue(bad, kSctlrEl1), 0x1u);
}

TEST(Merge, APinnedRegisterMissingFromTheStreamKeepsThePinnedValue) {
  const CompatTable t = table({.value_rules = {Pin{kIdAa64Dfr0El1, 0x77}}});
  StreamRegisterList stream = sameAsLocalButWritableValues();
  stream.erase(stream.begin());  // ID_AA64DFR0_EL1
  MergeReport r = merge(local(), stream, t);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(mergedValue(r, kIdAa64Dfr0El1), 0x77u);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].local_value, 0x77u);
}

TEST(Merge, EveryErrorIsReportedAtOnceErrorsFirst) {
  const CompatTable t = table({.machine_type = "virt-10.0", .hidden = {kTcr2El1}});
  LocalRegisterList here = local();
  here.push_back({kDbgdtrEl0, 0, true});  // only here: a note
  StreamRegisterList stream = sameAsLocalButWritableValues();
  stream[0].value = kNewDfr0;             // constant differs
  stream.push_back({kPirEl1, 0});         // not here
  stream.push_back({kPire0El1, 0});       // not here
  stream.push_back({kBogusDbgdtrtx, 0});  // not here
  stream.push_back({kTcr2El1, 0});        // hidden here
  MergeReport r = merge(here, stream, t, MergeOptions{.name_resolver = qemuNames()});

  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.findings.size(), 6u) << renderReport(r);
  EXPECT_EQ(r.count(Severity::Error), 5u);
  EXPECT_EQ(r.count(Severity::Note), 1u);
  EXPECT_EQ(r.findings.back().kind, FindingKind::MissingFromStream);
  std::vector<std::uint64_t> error_indexes;
  for (const Finding &f : errorsOf(r)) error_indexes.push_back(f.index);
  EXPECT_EQ(error_indexes, (std::vector<std::uint64_t>{kBogusDbgdtrtx, kIdAa64Dfr0El1, kTcr2El1,
                                                       kPire0El1, kPirEl1}));
  EXPECT_EQ(findingsOf(r, FindingKind::HiddenHere).size(), 1u);
  EXPECT_EQ(findingsOf(r, FindingKind::ConstantMismatch).size(), 1u);
  EXPECT_EQ(findingsOf(r, FindingKind::NotHere).size(), 3u);
  // A failed merge still lists every visible local register with a value.
  EXPECT_EQ(r.merged.size(), here.size());
}

TEST(Merge, ADuplicateInTheStreamIsAnErrorWithItsPositions) {
  StreamRegisterList stream = sameAsLocalButWritableValues();
  stream.push_back({kMidrEl1, 0x410fd083});  // position 5, first at 1
  MergeReport r = merge(local(), stream, CompatTable());
  EXPECT_FALSE(r.ok);
  auto dups = findingsOf(r, FindingKind::DuplicateInStream);
  ASSERT_EQ(dups.size(), 1u) << renderReport(r);
  EXPECT_EQ(dups[0].position, 5u);
  EXPECT_EQ(dups[0].side, Side::Both);
  EXPECT_TRUE(contains(dups[0].message, "0x603000000013c000 (S3_0_C0_C0_0)"));
  EXPECT_TRUE(contains(dups[0].message, "positions 1 and 5"));
  // Only the duplicate is reported: the first occurrence merged normally.
  EXPECT_EQ(r.findings.size(), 1u);
}

TEST(Merge, AnInvalidIndexInTheStreamIsAnErrorWithItsPosition) {
  StreamRegisterList stream = sameAsLocalButWritableValues();
  stream.insert(stream.begin() + 3, {0x6030000000990000ULL, 0});  // group 0x99
  stream.insert(stream.begin() + 1, {0x0ULL, 0});                 // architecture 0
  MergeReport r = merge(local(), stream, CompatTable());
  EXPECT_FALSE(r.ok);
  auto invalid = findingsOf(r, FindingKind::InvalidStreamIndex);
  ASSERT_EQ(invalid.size(), 2u) << renderReport(r);
  EXPECT_EQ(invalid[0].position, 1u);
  EXPECT_TRUE(contains(invalid[0].message, "stream position 1"));
  EXPECT_EQ(invalid[1].position, 4u);
  EXPECT_TRUE(contains(invalid[1].message, "stream position 4"));
  EXPECT_TRUE(contains(invalid[1].message, "0x6030000000990000"));
  // Not also reported as "not here".
  EXPECT_TRUE(findingsOf(r, FindingKind::NotHere).empty());
}

TEST(Merge, ABrokenLocalListIsReportedNotTrusted) {
  LocalRegisterList here = local();
  here.push_back({kSctlrEl1, 0x5, false});  // duplicate at 5
  here.push_back({0x1ULL, 0x6, false});     // invalid at 6
  MergeReport r = merge(here, sameAsLocalButWritableValues(), CompatTable());
  EXPECT_FALSE(r.ok);
  auto dup = findingsOf(r, FindingKind::DuplicateLocal);
  ASSERT_EQ(dup.size(), 1u);
  EXPECT_EQ(dup[0].position, 5u);
  auto invalid = findingsOf(r, FindingKind::InvalidLocalIndex);
  ASSERT_EQ(invalid.size(), 1u);
  EXPECT_EQ(invalid[0].position, 6u);
  EXPECT_TRUE(contains(invalid[0].message, "local register list position 6"));
  // Neither the later duplicate nor the invalid entry is in the merged list.
  EXPECT_EQ(r.merged.size(), local().size());
  EXPECT_EQ(std::count_if(r.merged.begin(), r.merged.end(),
                          [](const StreamRegister &s) { return s.index == kSctlrEl1; }),
            1);
  EXPECT_FALSE(mergedValue(r, 0x1ULL).has_value());
}

TEST(Merge, OverTheSanityBoundIsAnErrorNamingTheCountAndNothingIsMerged) {
  MergeOptions bounded;
  bounded.max_registers = 4;
  MergeReport r = merge(local(), sameAsLocalButWritableValues(), CompatTable(), bounded);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::StreamTooLong);
  EXPECT_EQ(r.findings[0].side, Side::NotApplicable);
  EXPECT_TRUE(contains(r.findings[0].message, "5 registers"));
  EXPECT_TRUE(contains(r.findings[0].message, "bound of 4"));
  // Every local register keeps its reset value.
  ASSERT_EQ(r.merged.size(), local().size());
  for (std::size_t i = 0; i < local().size(); ++i) EXPECT_EQ(r.merged[i].value, local()[i].value);
}

TEST(Merge, NoCapAtTheLocalLengthOnlyTheSanityBound) {
  // 1000 more registers than this side has, all safe to miss: loads.
  const LocalRegisterList big = fillerRegisters(1200);
  const LocalRegisterList here(big.begin(), big.begin() + 200);
  CompatTable t("virt-10.0");
  for (std::size_t i = 200; i < big.size(); ++i) ASSERT_TRUE(t.addSafeMissing(big[i].index).ok());
  auto stream = outgoing(big, CompatTable());
  ASSERT_TRUE(stream.ok());
  MergeReport r = merge(here, *stream, t);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.count(Severity::Note), 1000u);
  EXPECT_EQ(r.merged.size(), 200u);
  // The default bound is far above real lists.
  EXPECT_GE(MergeOptions().max_registers, 65536u);
}

TEST(Merge, MessagesUseTheResolverThenWellKnownNames) {
  std::vector<std::uint64_t> asked;
  MergeOptions o;
  o.name_resolver = [&](std::uint64_t index) -> std::optional<std::string> {
    asked.push_back(index);
    if (index == kPirEl1) return "PIR_EL1";
    return std::nullopt;
  };
  StreamRegisterList stream = sameAsLocalButWritableValues();
  stream.push_back({kPirEl1, 0});
  stream.push_back({kPsciVersion, 0});
  stream.push_back({kPire0El1, 0});
  MergeReport r = merge(local(), stream, CompatTable(), o);
  ASSERT_EQ(r.findings.size(), 3u);
  // By index: sysreg group 0x13 sorts before firmware group 0x14.
  EXPECT_TRUE(contains(r.findings[0].message, "0x603000000013c512 (S3_0_C10_C2_2):"));
  EXPECT_TRUE(contains(r.findings[1].message, "0x603000000013c513 (S3_0_C10_C2_3, PIR_EL1)"));
  EXPECT_EQ(r.findings[2].index, kPsciVersion);
  EXPECT_TRUE(contains(r.findings[2].message,
                       "0x6030000000140000 (fw:0, KVM_REG_ARM_PSCI_VERSION)"));
  EXPECT_FALSE(asked.empty());
}

TEST(DescribeRegister, NamesDecodedFormAndName) {
  EXPECT_EQ(describeRegister(kBogusDbgdtrtx), "0x40200000200e0298 (p14,3,c0,c5,0,ns)");
  EXPECT_EQ(describeRegister(kBogusDbgdtrtx, qemuNames()),
            "0x40200000200e0298 (p14,3,c0,c5,0,ns, BOGUS_DBGDTR_EL0)");
  EXPECT_EQ(describeRegister(kVendorHypBmap2),
            "0x6030000000160003 (fw-bmap:3, KVM_REG_ARM_VENDOR_HYP_BMAP_2)");
  EXPECT_EQ(describeRegister(0x0ULL), "0x0000000000000000 (invalid index)");
  EXPECT_EQ(formatValue(0), "0x0");
  EXPECT_EQ(formatValue(0x110305408ULL), "0x110305408");
}

} // namespace
} // namespace regcompat::runtime
