// Replays the real migration breakages of docs/real-breakages.md with small
// lists: each fails under an empty compat table, as it failed in QEMU, and
// loads under the table regcompat would generate for it.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace regcompat::runtime {
namespace {

using namespace rt_test;  // NOLINT: test helpers

MergeOptions withQemuNames() {
  MergeOptions o;
  o.name_resolver = qemuNames();
  return o;
}

// --- DBGDTR: QEMU 10.0.0 -> 10.0.13 (forward) -------------------------------

TEST(DbgdtrForward, BogusRegisterFromOldPointReleaseFailsTheLoadByName) {
  const CompatTable none("virt-10.0");
  MergeReport r = migrate(qemu10_0_0(), none, qemu10_0_13(), none, withQemuNames());

  EXPECT_FALSE(r.ok);
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 1u) << renderReport(r);
  const Finding &e = errors[0];
  EXPECT_EQ(e.kind, FindingKind::NotHere);
  EXPECT_EQ(e.index, kBogusDbgdtrtx);
  EXPECT_EQ(e.side, Side::SourceOnly);
  EXPECT_EQ(e.incoming_value, 0u);
  EXPECT_TRUE(contains(e.message, "0x40200000200e0298"));
  EXPECT_TRUE(contains(e.message, "p14,3,c0,c5,0,ns"));
  EXPECT_TRUE(contains(e.message, "BOGUS_DBGDTR_EL0"));
  EXPECT_TRUE(contains(e.message, "in the stream but not here"));
  EXPECT_TRUE(contains(e.message, "virt-10.0"));
}

TEST(DbgdtrForward, SafeMissingOnTheDestinationLoadsAndKeepsTheFixedRegisterAtReset) {
  const CompatTable source("virt-10.0");
  const CompatTable destination =
      table({.machine_type = "virt-10.0", .safe_missing = {kBogusDbgdtrtx}});
  MergeReport r = migrate(qemu10_0_0(), source, qemu10_0_13(), destination, withQemuNames());

  EXPECT_TRUE(r.ok) << renderReport(r);
  auto ignored = findingsOf(r, FindingKind::IgnoredSafeMissing);
  ASSERT_EQ(ignored.size(), 1u);
  EXPECT_EQ(ignored[0].index, kBogusDbgdtrtx);
  EXPECT_EQ(ignored[0].severity, Severity::Note);
  // The corrected AArch32 DBGDTRTX never travelled: it keeps its reset value.
  auto missing = findingsOf(r, FindingKind::MissingFromStream);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].index, kDbgdtrtxAa32);
  EXPECT_EQ(mergedValue(r, kDbgdtrtxAa32), 0u);
  EXPECT_FALSE(mergedValue(r, kBogusDbgdtrtx).has_value());
}

// --- DBGDTR: QEMU 10.2.2 -> 10.0.13 (backward) ------------------------------

TEST(DbgdtrBackward, OneRegisterMoreIsNoLengthCapOnlyTheNamedExtraRegister) {
  const CompatTable none("virt-10.0");
  const LocalRegisterList source = qemu10_2_2();
  const LocalRegisterList destination = qemu10_0_13();
  auto stream = outgoing(source, none);
  ASSERT_TRUE(stream.ok());
  // The numbers of the real failure: "Invalid value 292 expecting positive
  // value <= 291" (docs/qemu-cpreg-migration.md).
  ASSERT_EQ(stream->size(), 292u);
  ASSERT_EQ(destination.size(), 291u);

  MergeReport r = merge(destination, *stream, none, withQemuNames());
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(findingsOf(r, FindingKind::StreamTooLong).empty());
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 1u) << renderReport(r);
  EXPECT_EQ(errors[0].kind, FindingKind::NotHere);
  EXPECT_EQ(errors[0].index, kBogusDbgdtrtx);
  EXPECT_TRUE(contains(errors[0].message, "0x40200000200e0298 (p14,3,c0,c5,0,ns, BOGUS_DBGDTR_EL0)"));
  // Everything else matched: nothing is missing, nothing differs.
  EXPECT_EQ(r.findings.size(), 1u);
}

TEST(DbgdtrBackward, SafeMissingOnTheOldDestinationLoadsTheLongerList) {
  const CompatTable source("virt-10.0");
  const CompatTable destination =
      table({.machine_type = "virt-10.0", .safe_missing = {kBogusDbgdtrtx}});
  MergeReport r = migrate(qemu10_2_2(), source, qemu10_0_13(), destination, withQemuNames());

  EXPECT_TRUE(r.ok) << renderReport(r);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::IgnoredSafeMissing);
  EXPECT_EQ(r.merged.size(), 291u);
}

TEST(DbgdtrBackward, HidingTheBogusRegisterOnTheNewSourceLoadsWithoutFindings) {
  const CompatTable source = table({.machine_type = "virt-10.0", .hidden = {kBogusDbgdtrtx}});
  const CompatTable destination("virt-10.0");
  auto stream = outgoing(qemu10_2_2(), source);
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->size(), 291u);
  EXPECT_TRUE(std::none_of(stream->begin(), stream->end(),
                           [](const StreamRegister &s) { return s.index == kBogusDbgdtrtx; }));

  MergeReport r = merge(qemu10_0_13(), *stream, destination, withQemuNames());
  EXPECT_TRUE(r.ok) << renderReport(r);
  EXPECT_TRUE(r.findings.empty()) << renderReport(r);
}

// --- Kernel: 6.12 -> 7.x (forward): TCR2_EL1, PIRE0_EL1, PIR_EL1 -------------

TEST(KernelForward, RegistersHiddenByTheNewKernelFailAllAtOnce) {
  const CompatTable none("virt-6.12");
  MergeReport r = migrate(kvm6_12(), none, kvm7(), none, withQemuNames());

  EXPECT_FALSE(r.ok);
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 3u) << renderReport(r);
  EXPECT_EQ(errors[0].index, kTcr2El1);
  EXPECT_EQ(errors[1].index, kPire0El1);
  EXPECT_EQ(errors[2].index, kPirEl1);
  for (const Finding &e : errors) EXPECT_EQ(e.kind, FindingKind::NotHere);
  EXPECT_TRUE(contains(errors[0].message, "0x603000000013c103 (S3_0_C2_C0_3, TCR2_EL1)"));
  EXPECT_TRUE(contains(errors[1].message, "0x603000000013c512 (S3_0_C10_C2_2, PIRE0_EL1)"));
  EXPECT_TRUE(contains(errors[2].message, "0x603000000013c513 (S3_0_C10_C2_3, PIR_EL1)"));
  // The 7.x destination's VENDOR_HYP_BMAP_2 did not travel: a note, not an error.
  ASSERT_EQ(findingsOf(r, FindingKind::MissingFromStream).size(), 1u);
  EXPECT_EQ(mergedValue(r, kVendorHypBmap2), 0x1u);
  EXPECT_EQ(renderSummary(r), "load would fail: 3 error(s), 1 note(s)");
}

TEST(KernelForward, SafeMissingOnTheNewDestinationLoads) {
  const CompatTable source("virt-6.12");
  const CompatTable destination = table(
      {.machine_type = "virt-6.12", .safe_missing = {kPirEl1, kTcr2El1, kPire0El1}});
  MergeReport r = migrate(kvm6_12(), source, kvm7(), destination, withQemuNames());

  EXPECT_TRUE(r.ok) << renderReport(r);
  EXPECT_EQ(findingsOf(r, FindingKind::IgnoredSafeMissing).size(), 3u);
  EXPECT_FALSE(mergedValue(r, kTcr2El1).has_value());
  EXPECT_EQ(mergedValue(r, kSctlrEl1), 0x30d00985u);
}

TEST(KernelForward, HiddenOnTheOldSourceLoads) {
  const CompatTable source =
      table({.machine_type = "virt-6.12", .hidden = {kTcr2El1, kPire0El1, kPirEl1}});
  const CompatTable destination("virt-6.12");
  MergeReport r = migrate(kvm6_12(), source, kvm7(), destination, withQemuNames());

  EXPECT_TRUE(r.ok) << renderReport(r);
  EXPECT_TRUE(findingsOf(r, FindingKind::NotHere).empty());
}

TEST(KernelForward, HiddenOnTheDestinationToleratesArrivalOnlyWhenAlsoSafeMissing) {
  // A 7.x destination that lists the registers but hides them for this
  // machine type: arriving is "hidden here", an error unless safe-missing.
  LocalRegisterList destination = kvm7();
  destination.push_back({kTcr2El1, 0, false});
  const CompatTable hidden_only =
      table({.machine_type = "virt-6.12", .hidden = {kTcr2El1, kPire0El1, kPirEl1}});
  MergeReport r = migrate(kvm6_12(), CompatTable("virt-6.12"), destination, hidden_only);
  ASSERT_EQ(errorsOf(r).size(), 3u) << renderReport(r);
  EXPECT_EQ(errorsOf(r)[0].kind, FindingKind::HiddenHere);
  EXPECT_TRUE(contains(errorsOf(r)[0].message, "hidden here"));

  const CompatTable hidden_and_safe = table({.machine_type = "virt-6.12",
                                              .hidden = {kTcr2El1, kPire0El1, kPirEl1},
                                              .safe_missing = {kTcr2El1, kPire0El1, kPirEl1}});
  r = migrate(kvm6_12(), CompatTable("virt-6.12"), destination, hidden_and_safe);
  EXPECT_TRUE(r.ok) << renderReport(r);
  EXPECT_EQ(findingsOf(r, FindingKind::IgnoredSafeMissing).size(), 3u);
  // Hidden here: never written, so not in the merged list either.
  EXPECT_FALSE(mergedValue(r, kTcr2El1).has_value());
}

// --- Kernel: 7.x -> 6.12 (backward): VENDOR_HYP_BMAP_2 -----------------------

TEST(KernelBackward, NewFirmwareBitmapFailsNamedByItsKernelName) {
  const CompatTable none("virt-6.12");
  // No resolver: the firmware register's name comes from regcompat itself.
  MergeReport r = migrate(kvm7(), none, kvm6_12(), none);

  EXPECT_FALSE(r.ok);
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 1u) << renderReport(r);
  EXPECT_EQ(errors[0].index, kVendorHypBmap2);
  EXPECT_TRUE(contains(errors[0].message, "0x6030000000160003 (fw-bmap:3, KVM_REG_ARM_VENDOR_HYP_BMAP_2)"));
}

TEST(KernelBackward, HiddenOnTheNewSourceLoads) {
  const CompatTable source = table({.machine_type = "virt-6.12", .hidden = {kVendorHypBmap2}});
  MergeReport r = migrate(kvm7(), source, kvm6_12(), CompatTable("virt-6.12"));
  EXPECT_TRUE(r.ok) << renderReport(r);
  EXPECT_TRUE(findingsOf(r, FindingKind::NotHere).empty());
}

TEST(KernelBackward, SafeMissingOnTheOldDestinationLoads) {
  const CompatTable destination =
      table({.machine_type = "virt-6.12", .safe_missing = {kVendorHypBmap2}});
  MergeReport r = migrate(kvm7(), CompatTable("virt-6.12"), kvm6_12(), destination);
  EXPECT_TRUE(r.ok) << renderReport(r);
}

// --- A constant ID register whose value changed between releases ------------

LocalRegisterList withDfr0(std::uint64_t value) {
  LocalRegisterList l = fillerRegisters(8);
  l.push_back({kMidrEl1, 0x410fd083, true});
  l.push_back({kIdAa64Dfr0El1, value, true});
  return l;
}

TEST(ChangedIdRegister, FailsNamingTheRegisterAndBothValues) {
  const CompatTable none("virt-10.0");
  for (auto [from, to] : {std::pair{kNewDfr0, kOldDfr0}, std::pair{kOldDfr0, kNewDfr0}}) {
    MergeReport r = migrate(withDfr0(from), none, withDfr0(to), none, withQemuNames());
    EXPECT_FALSE(r.ok);
    auto errors = errorsOf(r);
    ASSERT_EQ(errors.size(), 1u) << renderReport(r);
    EXPECT_EQ(errors[0].kind, FindingKind::ConstantMismatch);
    EXPECT_EQ(errors[0].side, Side::Both);
    EXPECT_EQ(errors[0].local_value, to);
    EXPECT_EQ(errors[0].incoming_value, from);
    EXPECT_TRUE(contains(errors[0].message, "0x603000000013c028 (S3_0_C0_C5_0, ID_AA64DFR0_EL1)"));
    EXPECT_TRUE(contains(errors[0].message, formatValue(from)));
    EXPECT_TRUE(contains(errors[0].message, formatValue(to)));
  }
}

TEST(ChangedIdRegister, PinOnBothSidesLoadsBothWaysAtThePinnedValue) {
  // virt-10.0 freezes the register at the value the 10.0 release had.
  const CompatTable virt10_0 =
      table({.machine_type = "virt-10.0", .value_rules = {Pin{kIdAa64Dfr0El1, kOldDfr0}}});

  // The new release presents the pinned value to the guest and on the stream.
  const LocalRegisterList shown = visibleRegisters(withDfr0(kNewDfr0), virt10_0);
  EXPECT_EQ(shown.back(), (LocalRegister{kIdAa64Dfr0El1, kOldDfr0, true}));

  MergeReport backward = migrate(withDfr0(kNewDfr0), virt10_0, withDfr0(kOldDfr0), virt10_0);
  EXPECT_TRUE(backward.ok) << renderReport(backward);
  EXPECT_TRUE(backward.findings.empty());
  EXPECT_EQ(mergedValue(backward, kIdAa64Dfr0El1), kOldDfr0);

  // Forward from an old source that knows nothing of pins: its natural value
  // is the pinned one, and the new destination keeps presenting it.
  MergeReport forward =
      migrate(withDfr0(kOldDfr0), CompatTable("virt-10.0"), withDfr0(kNewDfr0), virt10_0);
  EXPECT_TRUE(forward.ok) << renderReport(forward);
  EXPECT_EQ(mergedValue(forward, kIdAa64Dfr0El1), kOldDfr0);
}

TEST(ChangedIdRegister, PinRejectsAnyOtherIncomingValue) {
  const CompatTable pinned =
      table({.machine_type = "virt-10.0", .value_rules = {Pin{kIdAa64Dfr0El1, kOldDfr0}}});
  // A new source without the table sends its own value.
  MergeReport r = migrate(withDfr0(kNewDfr0), CompatTable("virt-10.0"), withDfr0(kNewDfr0), pinned,
                          withQemuNames());
  EXPECT_FALSE(r.ok);
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 1u) << renderReport(r);
  EXPECT_EQ(errors[0].kind, FindingKind::PinMismatch);
  EXPECT_EQ(errors[0].local_value, kOldDfr0);
  EXPECT_EQ(errors[0].incoming_value, kNewDfr0);
  EXPECT_TRUE(contains(errors[0].message, "pinned to 0x10305106"));
  EXPECT_TRUE(contains(errors[0].message, "0x110305408"));
  EXPECT_EQ(mergedValue(r, kIdAa64Dfr0El1), kOldDfr0);
}

TEST(ChangedIdRegister, TolerateLoadsWithAWarningAndKeepsTheLocalValue) {
  const CompatTable tolerant =
      table({.machine_type = "virt-10.0", .value_rules = {Tolerate{kIdAa64Dfr0El1}}});
  MergeReport r = migrate(withDfr0(kNewDfr0), CompatTable("virt-10.0"), withDfr0(kOldDfr0),
                          tolerant, withQemuNames());
  EXPECT_TRUE(r.ok) << renderReport(r);
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding &w = r.findings[0];
  EXPECT_EQ(w.severity, Severity::Warning);
  EXPECT_EQ(w.kind, FindingKind::ToleratedMismatch);
  EXPECT_EQ(w.local_value, kOldDfr0);
  EXPECT_EQ(w.incoming_value, kNewDfr0);
  EXPECT_TRUE(contains(w.message, "ID_AA64DFR0_EL1"));
  EXPECT_TRUE(contains(w.message, "0x10305106"));
  EXPECT_TRUE(contains(w.message, "0x110305408"));
  EXPECT_EQ(mergedValue(r, kIdAa64Dfr0El1), kOldDfr0);
  EXPECT_EQ(renderSummary(r), "load would succeed: 0 error(s), 1 warning(s)");
}

// --- Registers only the destination has --------------------------------------

TEST(DestinationOnly, KeepsItsResetValueExplicitlyNotWhateverTheSlotHeld) {
  // QEMU 10.x leaves such a slot uninitialized (docs/qemu-cpreg-migration.md).
  // Here the merged list carries the reset value for every such register, in
  // the local order, so the VMM writes a defined value.
  LocalRegisterList destination = qemu10_0_13();
  destination.insert(destination.begin() + 5, {kTcr2El1, 0xdead0000beefULL, false});
  destination.push_back({kPirEl1, 0x44, true});
  MergeReport r = migrate(qemu10_0_13(), CompatTable("virt-10.0"), destination,
                          CompatTable("virt-10.0"));

  EXPECT_TRUE(r.ok) << renderReport(r);
  ASSERT_EQ(r.merged.size(), destination.size());
  for (std::size_t i = 0; i < destination.size(); ++i) EXPECT_EQ(r.merged[i].index, destination[i].index);
  EXPECT_EQ(r.merged[5].value, 0xdead0000beefULL);
  EXPECT_EQ(r.merged.back().value, 0x44u);
  auto notes = findingsOf(r, FindingKind::MissingFromStream);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].severity, Severity::Note);
  EXPECT_EQ(notes[0].side, Side::DestinationOnly);
  EXPECT_EQ(notes[0].local_value, 0xdead0000beefULL);
  EXPECT_TRUE(contains(notes[0].message, "keeps its reset value 0xdead0000beef"));
}

TEST(DestinationOnly, StrictModeMakesItAnError) {
  LocalRegisterList destination = qemu10_0_13();
  destination.push_back({kTcr2El1, 0x5, false});
  MergeOptions strict;
  strict.strict = true;
  MergeReport r = migrate(qemu10_0_13(), CompatTable("virt-10.0"), destination,
                          CompatTable("virt-10.0"), strict);
  EXPECT_FALSE(r.ok);
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].kind, FindingKind::MissingFromStream);
  EXPECT_EQ(errors[0].index, kTcr2El1);
  EXPECT_TRUE(contains(errors[0].message, "strict"));
}

} // namespace
} // namespace regcompat::runtime
