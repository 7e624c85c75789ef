// What a release engineer relies on from the generator: the named breakages
// fail without compat tables and load with the generated ones (verified by
// the runtime library's own merge), the tables carry exactly the registers
// responsible, every register-level reason is named, guest state is never
// hidden, value changes are never ignored, and pools are right.
#include <gtest/gtest.h>

#include "generator_test_support.h"
#include "regcompat/generator/compat_conversion.h"
#include "regcompat/generator/emitters.h"
#include "regcompat/generator/table_solver.h"
#include "regcompat/runtime/merge.h"
#include "regcompat/runtime/save_side.h"

namespace regcompat::generator {
namespace {

using testing::Loaded;
using testing::replaced;

constexpr std::uint64_t kBogusDbgdtrtx = 0x40200000200e0298;
constexpr std::uint64_t kTcr2 = 0x603000000013c103;
constexpr std::uint64_t kPire0 = 0x603000000013c512;
constexpr std::uint64_t kPir = 0x603000000013c513;
constexpr std::uint64_t kVendorHypBmap2 = 0x6030000000160003;
constexpr std::uint64_t kIdAa64dfr0 = 0x603000000013c028;
constexpr std::uint64_t kCtrEl0 = 0x603000000013d801;
constexpr std::uint64_t kIdAfr0 = 0x40200000200f0083;

std::vector<std::uint64_t> indexes(const std::vector<TableEntry> &entries) {
  std::vector<std::uint64_t> out;
  for (const auto &e : entries) out.push_back(e.id.index());
  return out;
}

// Error findings of a merge, as indexes.
std::vector<std::uint64_t> errorIndexes(const runtime::MergeReport &report) {
  std::vector<std::uint64_t> out;
  for (const auto &f : report.findings)
    if (f.severity == runtime::Severity::Error) out.push_back(f.index);
  return out;
}

// Independently of the generator's verdicts: the runtime's own save and
// merge between two database register sets under a table.
runtime::MergeReport migrate(const Platform &source, const Platform &dest, const runtime::CompatTable &table) {
  auto stream = runtime::outgoing(toLocalRegisters(*source.set), table);
  EXPECT_TRUE(stream);
  return runtime::merge(toLocalRegisters(*dest.set), stream.value(), table);
}

class SampleAcceptance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sample_ = new Loaded(testing::loadSample()); }
  static void TearDownTestSuite() { delete sample_; }
  static Loaded *sample_;
};
Loaded *SampleAcceptance::sample_ = nullptr;

TEST_F(SampleAcceptance, TcgBackwardFromQemu10_2FailsOnTheBogusDbgdtrtxAndLoadsWithTheTable) {
  const Loaded &s = *sample_;
  for (const char *model : {"max", "cortex-a57"}) {
    const Platform &src = s.platform(std::string("10.2.2/6.12/tcg/") + model);
    const Platform &dst = s.platform(std::string("10.0.13/6.12/tcg/") + model);
    EXPECT_EQ(errorIndexes(migrate(src, dst, runtime::CompatTable("virt-10.0"))),
              std::vector<std::uint64_t>{kBogusDbgdtrtx});
    const auto &m = s.machineType("virt-10.0");
    EXPECT_TRUE(migrate(src, dst, m.runtime_table).ok);
    EXPECT_TRUE(migrate(dst, src, m.runtime_table).ok);
    const std::size_t e = s.edge("virt-10.0", src.id, dst.id);
    EXPECT_FALSE(m.verdicts[e].without_table.loads);
    EXPECT_TRUE(m.verdicts[e].with_table.loads);
  }
}

TEST_F(SampleAcceptance, KvmForwardToKernel7FailsOnTcr2PiresAndLoadsWithTheTable) {
  const Loaded &s = *sample_;
  const Platform &src = s.platform("10.0.13/6.12/kvm/base");
  const Platform &dst = s.platform("10.0.13/7.1/kvm/base");
  EXPECT_EQ(errorIndexes(migrate(src, dst, runtime::CompatTable("virt-10.0"))),
            (std::vector<std::uint64_t>{kTcr2, kPire0, kPir}));
  EXPECT_TRUE(migrate(src, dst, s.machineType("virt-10.0").runtime_table).ok);
}

TEST_F(SampleAcceptance, KvmBackwardToKernel6_12FailsOnVendorHypBmap2AndLoadsWithTheTable) {
  const Loaded &s = *sample_;
  const Platform &src = s.platform("10.2.2/7.1/kvm/base");
  const Platform &dst = s.platform("10.2.2/6.12/kvm/base");
  EXPECT_EQ(errorIndexes(migrate(src, dst, runtime::CompatTable("virt-10.2"))),
            std::vector<std::uint64_t>{kVendorHypBmap2});
  EXPECT_TRUE(migrate(src, dst, s.machineType("virt-10.2").runtime_table).ok);
}

TEST_F(SampleAcceptance, EveryRequiredMigrationLoadsWithItsTable) {
  const Loaded &s = *sample_;
  EXPECT_GT(s.analysis->brokenWithout(), 0u);
  EXPECT_EQ(s.analysis->brokenWith(), 0u);
  for (const auto &m : s.analysis->machine_types) {
    EXPECT_TRUE(m.table.blockers.empty()) << m.graph.name();
    for (const auto &edge : m.graph.edges)
      EXPECT_TRUE(migrate(s.set->platforms[edge.source], s.set->platforms[edge.dest], m.runtime_table).ok)
          << m.graph.name() << " " << s.set->platforms[edge.source].id << " -> " << s.set->platforms[edge.dest].id;
  }
}

TEST_F(SampleAcceptance, Virt10_0CarriesExactlyTheResponsibleIndexes) {
  const auto &table = sample_->machineType("virt-10.0").table;
  // Added by a newer release or kernel: hidden; dropped: safe to miss.
  EXPECT_EQ(indexes(table.hidden), (std::vector<std::uint64_t>{kBogusDbgdtrtx, kVendorHypBmap2}));
  EXPECT_EQ(indexes(table.safe_missing), (std::vector<std::uint64_t>{kTcr2, kPire0, kPir}));
  EXPECT_TRUE(table.values.empty());
  const std::string qemu = emitQemuCompat(*sample_->analysis);
  const auto block = qemu.substr(qemu.find("static GlobalProperty arm_virt_10_0_mig_regs_compat[]"));
  const auto end = block.find("};");
  const std::string body = block.substr(0, end);
  EXPECT_NE(body.find("{ TYPE_ARM_CPU, \"x-mig-hidden-regs\",\n      \"0x40200000200e0298,0x6030000000160003\" }"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("{ TYPE_ARM_CPU, \"x-mig-safe-missing-regs\",\n      "
                      "\"0x603000000013c103,0x603000000013c512,0x603000000013c513\" }"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("BOGUS_DBGDTR_EL0 (p14,3,c0,c5,0,ns): qemu 10.2.2 added it (qemu 10.0.13 lacks it)"),
            std::string::npos);
  EXPECT_NE(body.find("TCR2_EL1 (S3_0_C2_C0_3): linux 7.1 dropped it (linux 6.12 has it)"), std::string::npos);
}

TEST_F(SampleAcceptance, Virt7_2NamesEveryReasonBetween7_2And10_0_13) {
  const Loaded &s = *sample_;
  const auto &m = s.machineType("virt-7.2");
  // Registers gained by 10.0.13: hidden (7.2 never had them).
  for (std::uint64_t gained : std::initializer_list<std::uint64_t>{0x40200000200e0280, 0x6030000000139820, 0x6030000000139828}) {
    const TableEntry *e = m.table.hiddenEntry(RegisterId::fromIndex(gained).value());
    ASSERT_NE(e, nullptr) << std::hex << gained;
    EXPECT_NE(e->reason.find("qemu 10.0.13 added it (qemu 7.2 lacks it)"), std::string::npos) << e->reason;
  }
  // Constant values changed (max): a pin to 7.2's value where every CPU
  // model agrees, a tolerate (named, with both values) where they do not.
  const TableEntry *ctr = m.table.valueEntry(RegisterId::fromIndex(kCtrEl0).value());
  ASSERT_NE(ctr, nullptr);
  EXPECT_EQ(ctr->kind, EntryKind::Pin);
  EXPECT_EQ(ctr->value, 0x8444c004u);
  EXPECT_NE(ctr->reason.find("qemu 7.2 0x8444c004, qemu 10.0.13 0xb444c004 [tcg/max]"), std::string::npos);
  const TableEntry *dfr0 = m.table.valueEntry(RegisterId::fromIndex(kIdAa64dfr0).value());
  ASSERT_NE(dfr0, nullptr);
  EXPECT_EQ(dfr0->kind, EntryKind::Tolerate);
  EXPECT_NE(dfr0->reason.find("qemu 7.2 0x10305609, qemu 10.0.13 0x100000001030560a"), std::string::npos);
  EXPECT_NE(dfr0->reason.find("tcg/cortex-a57 0x10305106, tcg/max 0x10305609"), std::string::npos);
  // And the TCG migrations between 7.2 and 10.0.13 fail without, load with.
  for (const char *model : {"max", "cortex-a57"}) {
    for (auto [a, b] : {std::pair{"7.2/6.12/tcg/", "10.0.13/6.12/tcg/"}, std::pair{"10.0.13/6.12/tcg/", "7.2/6.12/tcg/"}}) {
      const std::size_t e = s.edge("virt-7.2", std::string(a) + model, std::string(b) + model);
      EXPECT_TRUE(m.verdicts[e].with_table.loads) << a << model;
    }
  }
  const std::size_t back = s.edge("virt-7.2", "10.0.13/6.12/tcg/max", "7.2/6.12/tcg/max");
  const auto errors = errorIndexes(m.verdicts[back].without_table.report);
  for (std::uint64_t expected : std::initializer_list<std::uint64_t>{0x40200000200e0280, 0x6030000000139820,
                                                                      0x6030000000139828, kIdAa64dfr0, kCtrEl0})
    EXPECT_NE(std::find(errors.begin(), errors.end(), expected), errors.end()) << std::hex << expected;
}

TEST_F(SampleAcceptance, OlderMachineTypesAggregateTheirChain) {
  const auto &v72 = sample_->machineType("virt-7.2").table;
  const auto &v100 = sample_->machineType("virt-10.0").table;
  const auto &v102 = sample_->machineType("virt-10.2").table;
  for (const auto *newer : {&v100, &v102}) {
    for (const auto &e : newer->hidden) EXPECT_NE(v72.hiddenEntry(e.id), nullptr);
    for (const auto &e : newer->safe_missing) EXPECT_NE(v72.safeMissingEntry(e.id), nullptr);
  }
  for (const auto &e : v102.hidden) EXPECT_NE(v100.hiddenEntry(e.id), nullptr);
  // The bogus register is virt-10.0's own entry; virt-10.2 does not need it.
  EXPECT_EQ(v102.hiddenEntry(RegisterId::fromIndex(kBogusDbgdtrtx).value()), nullptr);
  EXPECT_EQ(v100.hiddenEntry(RegisterId::fromIndex(kBogusDbgdtrtx).value())->origin, "virt-10.0");
}

TEST_F(SampleAcceptance, PoolsAreTheHostsThatMigrateBothWays) {
  const Loaded &s = *sample_;
  for (const auto &m : s.analysis->machine_types) {
    // Every group is one pool under the tables (every pair loads both ways).
    EXPECT_EQ(m.pools.size(), m.graph.groups(*s.set).size()) << m.graph.name();
  }
  // Without tables, the pools split: 10.2.2 cannot load into 10.0.13.
  const auto &m = s.machineType("virt-10.0");
  const auto pools = findPools(*s.set, m.graph, runtime::CompatTable("virt-10.0"));
  std::size_t tcg_max = 0;
  for (const auto &p : pools) tcg_max += p.group == "tcg/max" ? 1u : 0u;
  EXPECT_EQ(tcg_max, 2u);
}

// --- semantics on the generator's own fixture ---------------------------------

TEST(GeneratorTables, ARegisterThatBecameAnAliasIsSafeToMiss) {
  const Loaded f = testing::loadFixture();
  const auto &m = f.machineType("virt-7.2");
  const TableEntry *e = m.table.safeMissingEntry(RegisterId::fromIndex(kIdAfr0).value());
  ASSERT_NE(e, nullptr);
  EXPECT_NE(e->reason.find("qemu 10.0.13 dropped it (qemu 7.2 has it)"), std::string::npos) << e->reason;
  EXPECT_EQ(f.analysis->brokenWith(), 0u);
}

TEST(GeneratorTables, GuestStateIsNeverHiddenAndBlocksTheMigration) {
  std::string policy = testing::readFile(testing::fixtureDir() / "policy.yaml");
  policy = replaced(policy, "  - register: TTBR0_EL1\n",
                    "  - register: KVM_REG_ARM_VENDOR_HYP_BMAP_2\n    guest_state: true\n  - register: TTBR0_EL1\n");
  const Loaded f = testing::analyzeText(testing::loadDb(testing::fixtureDir() / "db"), policy);
  const auto &m = f.machineType("virt-10.2");
  EXPECT_EQ(m.table.hiddenEntry(RegisterId::fromIndex(kVendorHypBmap2).value()), nullptr);
  ASSERT_EQ(m.table.blockers.size(), 1u);
  const Blocker &b = m.table.blockers[0];
  EXPECT_EQ(b.id.index(), kVendorHypBmap2);
  EXPECT_NE(b.reason.find("guest state"), std::string::npos);
  EXPECT_NE(b.reason.find("linux 7.1 added it"), std::string::npos);
  const std::size_t e = f.edge("virt-10.2", "10.2.2/7.1/kvm/base", "10.2.2/6.12/kvm/base");
  EXPECT_EQ(b.edge, e);
  EXPECT_FALSE(m.verdicts[e].with_table.loads);
  EXPECT_GT(f.analysis->brokenWith(), 0u);
}

TEST(GeneratorTables, ValueRulesFollowThePolicy) {
  const std::string base = testing::readFile(testing::fixtureDir() / "policy.yaml");
  auto dfr0 = RegisterId::fromIndex(kIdAa64dfr0).value();
  auto ctr = RegisterId::fromIndex(kCtrEl0).value();
  {  // tolerate everything
    const Loaded f = testing::analyzeText(testing::loadDb(testing::fixtureDir() / "db"),
                                          replaced(base, "default: pin", "default: tolerate"));
    EXPECT_EQ(f.machineType("virt-7.2").table.valueEntry(ctr)->kind, EntryKind::Tolerate);
    EXPECT_EQ(f.analysis->brokenWith(), 0u);
  }
  {  // pin, but a conflict between CPU models is refused: a blocker
    const Loaded f = testing::analyzeText(testing::loadDb(testing::fixtureDir() / "db"),
                                          replaced(base, "on_conflict: tolerate", "on_conflict: refuse"));
    const auto &m = f.machineType("virt-7.2");
    EXPECT_EQ(m.table.valueEntry(dfr0), nullptr);
    EXPECT_EQ(m.table.valueEntry(ctr)->kind, EntryKind::Pin);
    bool blocked = false;
    for (const Blocker &b : m.table.blockers) blocked = blocked || (b.id == dfr0 && b.side == runtime::Side::Both);
    EXPECT_TRUE(blocked);
    EXPECT_GT(m.brokenWith(), 0u);
  }
  {  // one register refused by annotation
    const Loaded f = testing::analyzeText(
        testing::loadDb(testing::fixtureDir() / "db"),
        replaced(base, "  - register: TTBR0_EL1\n", "  - register: CTR_EL0\n    value: refuse\n  - register: TTBR0_EL1\n"));
    const auto &m = f.machineType("virt-7.2");
    EXPECT_EQ(m.table.valueEntry(ctr), nullptr);
    bool named = false;
    for (const Blocker &b : m.table.blockers)
      named = named || (b.id == ctr && b.reason.find("qemu 7.2 0x8444c004, qemu 10.0.13 0xb444c004") != std::string::npos);
    EXPECT_TRUE(named);
  }
}

TEST(GeneratorTables, FixPreferenceOverridesTheBaselineRule) {
  std::string policy = testing::readFile(testing::fixtureDir() / "policy.yaml");
  policy = replaced(policy, "  - register: TTBR0_EL1\n",
                    "  - register: TCR2_EL1\n    fix: hide\n"
                    "  - register: KVM_REG_ARM_VENDOR_HYP_BMAP_2\n    fix: safe-missing\n  - register: TTBR0_EL1\n");
  const Loaded f = testing::analyzeText(testing::loadDb(testing::fixtureDir() / "db"), policy);
  const auto &t = f.machineType("virt-10.2").table;
  EXPECT_NE(t.hiddenEntry(RegisterId::fromIndex(kTcr2).value()), nullptr);
  EXPECT_NE(t.safeMissingEntry(RegisterId::fromIndex(kVendorHypBmap2).value()), nullptr);
  EXPECT_EQ(t.hiddenEntry(RegisterId::fromIndex(kVendorHypBmap2).value()), nullptr);
  EXPECT_EQ(f.analysis->brokenWith(), 0u);
}

TEST(GeneratorTables, RulesSelectTheRequiredMigrations) {
  const std::string base = testing::readFile(testing::fixtureDir() / "policy.yaml");
  // Forward only, within a stream: 7.2 (stream 7) never migrates to 10.x.
  const Loaded f = testing::analyzeText(
      testing::loadDb(testing::fixtureDir() / "db"),
      replaced(replaced(base, "    direction: forward\n", "    direction: forward\n    within: stream\n"),
               "  - name: backward-1\n    direction: backward\n    releases: 1\n", ""),
      false);
  for (const auto &m : f.analysis->machine_types) {
    for (const auto &edge : m.graph.edges) {
      const Platform &s = f.set->platforms[edge.source];
      const Platform &d = f.set->platforms[edge.dest];
      EXPECT_EQ(edge.direction, Direction::Forward);
      EXPECT_EQ(f.set->products[s.product]->stream, f.set->products[d.product]->stream);
      EXPECT_EQ(s.group(), d.group());
    }
  }
  // No QEMU release migrates backward, so no TCG register is hidden; a
  // forward migration to a newer release on an older kernel still needs
  // the kernel's newer register hidden.
  std::vector<std::uint64_t> hidden;
  for (const auto &e : f.machineType("virt-10.0").table.hidden) hidden.push_back(e.id.index());
  EXPECT_EQ(hidden, std::vector<std::uint64_t>{kVendorHypBmap2});
  // Kernel upgrades only, under one release.
  const Loaded k = testing::analyzeText(
      testing::loadDb(testing::fixtureDir() / "db"),
      replaced(replaced(base, "    direction: forward\n",
                        "    direction: forward\n    releases: 0\n    kernels: {change: upgrade}\n    accelerators: [kvm]\n"),
               "  - name: backward-1\n    direction: backward\n    releases: 1\n", ""),
      false);
  std::size_t edges = 0;
  for (const auto &m : k.analysis->machine_types) {
    for (const auto &edge : m.graph.edges) {
      ++edges;
      EXPECT_EQ(k.set->platforms[edge.source].product, k.set->platforms[edge.dest].product);
      EXPECT_EQ(k.set->platforms[edge.source].kernel, "6.12");
      EXPECT_EQ(k.set->platforms[edge.dest].kernel, "7.1");
    }
  }
  // 6.12 -> 7.1 of 10.0.13 (virt-7.2, virt-10.0) and of 10.2.2 (all three).
  EXPECT_EQ(edges, 5u);
}

TEST(GeneratorTables, ResultsAreDeterministic) {
  const Loaded a = testing::loadFixture();
  const Loaded b = testing::loadFixture();
  EXPECT_EQ(emitJsonReport(*a.analysis), emitJsonReport(*b.analysis));
  EXPECT_EQ(emitCppHeader(*a.analysis), emitCppHeader(*b.analysis));
}

} // namespace
} // namespace regcompat::generator
