// The machine types generated at build time from database/real.
#include <gtest/gtest.h>

#include <algorithm>

#include "machine_type_registry.h"
#include "regcompat/runtime/merge.h"
#include "regcompat/runtime/save_side.h"

namespace regvm {
namespace {

const std::uint64_t kBogusDbgdtrtx = 0x40200000200e0298ULL;

TEST(MachineTypes, ListsTheGeneratedMachineTypes) {
  const auto &r = MachineTypeRegistry::builtin();
  EXPECT_EQ((std::vector<std::string>{"virt-10.2", "virt-10.0", "virt-7.2"}), r.machineTypes("aarch64"));
  EXPECT_EQ((std::vector<std::string>{"pc-10.2"}), r.machineTypes("x86_64"));
}

TEST(MachineTypes, Virt10_0HidesTheBogusDbgdtrtx) {
  auto table = MachineTypeRegistry::builtin().compatTable("aarch64", "virt-10.0");
  ASSERT_TRUE(table.ok()) << table.error();
  EXPECT_TRUE(table->isHidden(kBogusDbgdtrtx));
  EXPECT_EQ("virt-10.0", table->machineType());
}

TEST(MachineTypes, NoCompatTableIsEmptyButChecksTheName) {
  const auto &r = MachineTypeRegistry::builtin();
  auto empty = r.emptyTable("aarch64", "virt-10.0");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->hidden().empty());
  EXPECT_FALSE(r.emptyTable("aarch64", "virt-9.9").ok());
}

TEST(MachineTypes, UnknownMachineTypeListsTheValidOnes) {
  auto table = MachineTypeRegistry::builtin().compatTable("aarch64", "virt-9.9");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ("unknown machine type 'virt-9.9' for aarch64; valid: virt-10.2, virt-10.0, virt-7.2",
            table.error());
}

TEST(MachineTypes, PlatformFromReleaseKernelAccelCpu) {
  auto p = MachineTypeRegistry::builtin().platform("aarch64", {"10.2.2", "6.12.107", "tcg", "max"});
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ("10.2.2/6.12.107/tcg/max", p->id);
  EXPECT_TRUE(std::any_of(p->registers.begin(), p->registers.end(),
                          [](const auto &reg) { return reg.index == kBogusDbgdtrtx; }));
  auto old = MachineTypeRegistry::builtin().platform("aarch64", {"10.0.13", "6.12.107", "tcg", "max"});
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(std::any_of(old->registers.begin(), old->registers.end(),
                           [](const auto &reg) { return reg.index == kBogusDbgdtrtx; }));
}

TEST(MachineTypes, BadPlatformListsTheValidChoices) {
  const auto &r = MachineTypeRegistry::builtin();
  auto bad = r.platform("aarch64", {"10.2.2", "6.12.107", "tcg", "cortex-z9"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string::npos, bad.error().find("valid --cpu: a64fx, cortex-a53, cortex-a57, cortex-a72, max, neoverse-n1"))
      << bad.error();
  auto release = r.platform("aarch64", {"9.9", "", "", ""});
  ASSERT_FALSE(release.ok());
  EXPECT_NE(std::string::npos, release.error().find("valid --release: 10.0.13, 10.2.2, 7.2")) << release.error();
  auto ambiguous = r.platform("aarch64", {"10.2.2", "", "tcg", "max"});
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(std::string::npos, ambiguous.error().find("--kernel is required")) << ambiguous.error();
}

TEST(MachineTypes, X86OnlyChoiceNeedsNoFlags) {
  auto p = MachineTypeRegistry::builtin().platform("x86_64", {"", "7.1.8", "", ""});
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ("10.2.2/7.1.8/kvm/msrs", p->id);
  auto table = MachineTypeRegistry::builtin().compatTable("x86_64", "pc-10.2");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(13u, table->hidden().size());
}

// The scenario on the register lists alone: 10.2.2 -> 10.0.13 under
// virt-10.0 fails without the table, naming the bogus register, and loads
// with it; both directions load with it.
TEST(MachineTypes, Virt10_0TableMakesTheMigrationLoadBothWays) {
  const auto &r = MachineTypeRegistry::builtin();
  auto p1022 = r.platform("aarch64", {"10.2.2", "6.12.107", "tcg", "max"});
  auto p10013 = r.platform("aarch64", {"10.0.13", "6.12.107", "tcg", "max"});
  ASSERT_TRUE(p1022.ok() && p10013.ok());
  auto table = r.compatTable("aarch64", "virt-10.0");
  auto none = r.emptyTable("aarch64", "virt-10.0");
  ASSERT_TRUE(table.ok() && none.ok());
  auto run = [](const Platform &from, const Platform &to, const regcompat::runtime::CompatTable &t) {
    auto out = regcompat::runtime::outgoing(regcompat::runtime::visibleRegisters(from.registers, t), t);
    EXPECT_TRUE(out.ok());
    return regcompat::runtime::merge(regcompat::runtime::visibleRegisters(to.registers, t), *out, t);
  };
  auto bad = run(*p1022, *p10013, *none);
  EXPECT_FALSE(bad.ok);
  EXPECT_TRUE(std::any_of(bad.findings.begin(), bad.findings.end(), [](const auto &f) {
    return f.index == kBogusDbgdtrtx && f.severity == regcompat::runtime::Severity::Error;
  }));
  EXPECT_TRUE(run(*p1022, *p10013, *table).ok);
  EXPECT_TRUE(run(*p10013, *p1022, *table).ok);
}

} // namespace
} // namespace regvm
