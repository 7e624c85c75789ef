// Set algebra and diffs: the register-list changes that broke real migrations
// come out of the sample exactly, with nothing else mixed in.
#include <gtest/gtest.h>

#include "db_test_support.h"
#include "regcompat/db/database_diff.h"
#include "regcompat/db/loader.h"

namespace regcompat::db {
namespace {

const Database &sample() {
  static const Database db = loadDatabase(testing::sampleDir()).value();
  return db;
}

std::vector<std::uint64_t> indexes(const std::vector<RegisterEntry> &entries) {
  std::vector<std::uint64_t> result;
  for (const RegisterEntry &entry : entries) result.push_back(entry.id.index());
  return result;
}

std::vector<std::string> keys(const std::vector<SetKey> &sets) {
  std::vector<std::string> result;
  for (const SetKey &key : sets) result.push_back(key.toString());
  return result;
}

RegisterEntry entry(std::uint64_t index, std::string name = "", std::vector<std::string> flags = {},
                    std::optional<std::uint64_t> value = std::nullopt) {
  return RegisterEntry{RegisterId::fromIndex(index).value(), std::move(name), std::move(flags),
                       value, {Provenance::Kind::Source, "a.c:1"}};
}

RegisterSet setOf(std::vector<RegisterEntry> entries) {
  RegisterSet set;
  for (RegisterEntry &e : entries) EXPECT_TRUE(set.insert(std::move(e)));
  return set;
}

constexpr std::uint64_t kDbgdtr = 0x6030000000139820, kDbgdtrtx = 0x6030000000139828,
                        kDbgdtrtx32 = 0x40200000200e0280, kBogus = 0x40200000200e0298,
                        kTcr2 = 0x603000000013c103, kPire0 = 0x603000000013c512,
                        kPir = 0x603000000013c513, kVendorHypBmap2 = 0x6030000000160003,
                        kCtr = 0x603000000013d801, kDfr0 = 0x603000000013c028;

TEST(DbSetAlgebra, DifferenceAndIntersectionGoByIndex) {
  RegisterSet a = setOf({entry(kDbgdtr), entry(kDbgdtrtx, "DBGDTRTX_EL0"), entry(kBogus)});
  RegisterSet b = setOf({entry(kDbgdtrtx, "OTHER_NAME", {"const"}), entry(kTcr2)});
  EXPECT_EQ(indexes(difference(a, b)), (std::vector<std::uint64_t>{kBogus, kDbgdtr}));
  EXPECT_EQ(indexes(difference(b, a)), (std::vector<std::uint64_t>{kTcr2}));
  std::vector<RegisterEntry> both = intersection(a, b);
  ASSERT_EQ(indexes(both), (std::vector<std::uint64_t>{kDbgdtrtx}));
  EXPECT_EQ(both[0].name, "DBGDTRTX_EL0") << "intersection keeps the entries of its first set";
  EXPECT_TRUE(difference(a, a).empty());
}

TEST(DbSetAlgebra, WorksOnSetsBuiltOutOfOrder) {
  RegisterSet a;
  a.registers = {entry(kTcr2), entry(kDbgdtr)};  // not sorted
  RegisterSet b;
  b.registers = {entry(kDbgdtr)};
  EXPECT_EQ(indexes(difference(a, b)), (std::vector<std::uint64_t>{kTcr2}));
}

TEST(DbSetAlgebra, DiffSaysWhichFieldsChanged) {
  RegisterSet from = setOf({entry(kDbgdtr, "DBGDTR_EL0", {"const"}, 0), entry(kTcr2, "TCR2_EL1"),
                            entry(kPir, "", {}, 1), entry(kCtr, "CTR_EL0", {"const"}, 5)});
  RegisterSet to = setOf({entry(kDbgdtr, "DBGDTR_EL0", {"alias", "const"}, 0),
                          entry(kPir, "PIR_EL1", {}, 1), entry(kCtr, "CTR", {"const"}),
                          entry(kBogus)});
  to.registers[0].provenance.where = "moved.c:2";
  SetDiff d = diff(from, to);
  EXPECT_EQ(indexes(d.added), (std::vector<std::uint64_t>{kBogus}));
  EXPECT_EQ(indexes(d.removed), (std::vector<std::uint64_t>{kTcr2}));
  ASSERT_EQ(d.changed.size(), 2u);
  EXPECT_EQ(d.changed[0].before.id.index(), kDbgdtr);
  EXPECT_EQ(d.changed[0].changedFields(), (std::vector<std::string_view>{"flags"}));
  EXPECT_EQ(d.changed[1].before.id.index(), kCtr);
  EXPECT_EQ(d.changed[1].changedFields(), (std::vector<std::string_view>{"name", "value"}));
  EXPECT_EQ(d.changed[1].after.value, std::nullopt);
  EXPECT_TRUE(diff(from, from).empty());
}

TEST(DbDiff, QemuDbgdtrStoryFrom10013To1022) {
  Result<ReleaseDiff> forward =
      diffReleases(sample(), {"qemu", "10.0.13"}, {"qemu", "10.2.2"});
  ASSERT_TRUE(forward.ok()) << forward.error();
  EXPECT_TRUE(forward->only_in_from.empty());
  EXPECT_TRUE(forward->only_in_to.empty());
  ASSERT_EQ(forward->matched.size(), 2u);
  for (const MatchedSets &match : forward->matched) {
    SCOPED_TRACE(match.from.toString());
    EXPECT_EQ(match.from.profile, match.to.profile);
    EXPECT_EQ(indexes(match.diff.added), (std::vector<std::uint64_t>{kBogus}));
    EXPECT_EQ(match.diff.added[0].name, "BOGUS_DBGDTR_EL0");
    EXPECT_TRUE(match.diff.removed.empty());
    EXPECT_TRUE(match.diff.changed.empty());
  }
  Result<ReleaseDiff> backward =
      diffReleases(sample(), {"qemu", "10.2.2"}, {"qemu", "10.0.13"});
  ASSERT_TRUE(backward.ok());
  for (const MatchedSets &match : backward->matched) {
    EXPECT_EQ(indexes(match.diff.removed), (std::vector<std::uint64_t>{kBogus}));
    EXPECT_TRUE(match.diff.added.empty());
  }
}

TEST(DbDiff, QemuFrom72To10013GainsDbgdtrAndMaxChangesConstants) {
  Result<ReleaseDiff> d = diffReleases(sample(), {"qemu", "7.2"}, {"qemu", "10.0.13"});
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->matched.size(), 2u);
  const MatchedSets &a57 = d->matched[0];
  const MatchedSets &max = d->matched[1];
  ASSERT_EQ(a57.from.profile, "cortex-a57");
  ASSERT_EQ(max.from.profile, "max");
  for (const MatchedSets *match : {&a57, &max}) {
    EXPECT_EQ(indexes(match->diff.added),
              (std::vector<std::uint64_t>{kDbgdtrtx32, kDbgdtr, kDbgdtrtx}));
    EXPECT_TRUE(match->diff.removed.empty());
  }
  EXPECT_TRUE(a57.diff.changed.empty());
  ASSERT_EQ(max.diff.changed.size(), 2u);
  EXPECT_EQ(max.diff.changed[0].before.id.index(), kDfr0);
  EXPECT_EQ(max.diff.changed[0].before.value, std::optional<std::uint64_t>(0x10305609));
  EXPECT_EQ(max.diff.changed[0].after.value, std::optional<std::uint64_t>(0x100000001030560a));
  EXPECT_EQ(max.diff.changed[1].before.id.index(), kCtr);
  for (const RegisterChange &change : max.diff.changed) {
    EXPECT_EQ(change.changedFields(), (std::vector<std::string_view>{"value"}));
  }
}

TEST(DbDiff, LinuxFrom612To71) {
  Result<ReleaseDiff> d = diffReleases(sample(), {"linux", "6.12"}, {"linux", "7.1"});
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_TRUE(d->only_in_from.empty());
  EXPECT_EQ(keys(d->only_in_to), (std::vector<std::string>{"linux/7.1/arm64/kvm/tcrx+s1pie"}));
  ASSERT_EQ(d->matched.size(), 2u);
  const MatchedSets &arm64 = d->matched[0];
  ASSERT_EQ(arm64.from.toString(), "linux/6.12/arm64/kvm/base");
  ASSERT_EQ(arm64.to.toString(), "linux/7.1/arm64/kvm/base");
  EXPECT_EQ(indexes(arm64.diff.removed), (std::vector<std::uint64_t>{kTcr2, kPire0, kPir}));
  EXPECT_EQ(indexes(arm64.diff.added), (std::vector<std::uint64_t>{kVendorHypBmap2}));
  EXPECT_TRUE(arm64.diff.changed.empty()) << "provenance moves are not changes";
  const MatchedSets &x86 = d->matched[1];
  ASSERT_EQ(x86.from.arch, "x86_64");
  std::vector<std::uint64_t> cet;
  for (std::uint32_t msr : {0x6a0u, 0x6a2u, 0x6a4u, 0x6a5u, 0x6a6u, 0x6a7u, 0x6a8u}) {
    cet.push_back(RegisterId::encode(X86MsrFields{msr}).value().index());
  }
  EXPECT_EQ(indexes(x86.diff.added), cet);
  EXPECT_TRUE(x86.diff.removed.empty());
}

TEST(DbDiff, FeatureProfileOf71StillHasTheRegisters612Listed) {
  const RegisterSet *old_base = sample().findSet(SetKey::parse("linux/6.12/arm64/kvm/base").value());
  const RegisterSet *feature = sample().findSet(SetKey::parse("linux/7.1/arm64/kvm/tcrx+s1pie").value());
  ASSERT_TRUE(old_base && feature);
  EXPECT_TRUE(difference(*old_base, *feature).empty());
  EXPECT_EQ(indexes(difference(*feature, *old_base)), (std::vector<std::uint64_t>{kVendorHypBmap2}));
}

TEST(DbDiff, UnknownReleaseIsAnError) {
  Result<ReleaseDiff> d = diffReleases(sample(), {"qemu", "9.9"}, {"qemu", "10.0.13"});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error(), "release qemu/9.9 is not in the database");
}

TEST(DbDiff, WholeDatabases) {
  Database changed = sample();
  EXPECT_TRUE(diff(sample(), changed).empty());
  // Drop linux 6.12, change a value in one set, add a set to qemu 7.2.
  std::erase_if(changed.releases, [](const Release &r) { return r.version == "6.12"; });
  std::erase_if(changed.sets, [](const RegisterSet &s) { return s.key.release == "6.12"; });
  for (RegisterSet &set : changed.sets) {
    if (set.key.toString() == "qemu/10.0.13/arm64/tcg/max") {
      for (RegisterEntry &e : set.registers) {
        if (e.id.index() == kCtr) e.value = 0x8444c004;
      }
    }
  }
  RegisterSet added = *sample().findSet(SetKey::parse("qemu/7.2/arm64/tcg/max").value());
  added.key.profile = "cortex-a72";
  changed.sets.push_back(added);

  DatabaseDiff d = diff(sample(), changed);
  ASSERT_EQ(d.releases_removed.size(), 1u);
  EXPECT_EQ(d.releases_removed[0].version, "6.12");
  EXPECT_TRUE(d.releases_added.empty());
  EXPECT_EQ(keys(d.sets_removed),
            (std::vector<std::string>{"linux/6.12/arm64/kvm/base", "linux/6.12/x86_64/kvm/base"}));
  EXPECT_EQ(keys(d.sets_added), (std::vector<std::string>{"qemu/7.2/arm64/tcg/cortex-a72"}));
  ASSERT_EQ(d.sets_changed.size(), 1u);
  EXPECT_EQ(d.sets_changed[0].key.toString(), "qemu/10.0.13/arm64/tcg/max");
  ASSERT_EQ(d.sets_changed[0].diff.changed.size(), 1u);
  EXPECT_EQ(d.sets_changed[0].diff.changed[0].after.value, std::optional<std::uint64_t>(0x8444c004));
}

} // namespace
} // namespace regcompat::db
