// The release gate: which required migrations fail as things stand, the
// register responsible, the entry that fixes it, the abidiff-style exit
// bits, the candidate filter, and the suggested patch.
#include <gtest/gtest.h>

#include "generator_test_support.h"
#include "regcompat/db/compat_file.h"
#include "regcompat/generator/emitters.h"
#include "regcompat/generator/release_gate.h"
#include "regcompat/generator/unified_diff.h"

namespace regcompat::generator {
namespace {

using testing::Loaded;

const BrokenMigration *findBroken(const Loaded &l, const GateReport &report, std::string_view machine_type,
                                  std::string_view source, std::string_view dest) {
  for (const BrokenMigration &b : report.broken) {
    const auto &m = l.analysis->machine_types[b.machine_type];
    const auto &edge = m.graph.edges[b.edge];
    if (m.graph.name() == machine_type && l.set->platforms[edge.source].id == source &&
        l.set->platforms[edge.dest].id == dest)
      return &b;
  }
  return nullptr;
}

TEST(GeneratorGate, NamesEachBrokenMigrationTheRegisterAndItsFix) {
  const Loaded s = testing::loadSample();
  auto report = runGate(*s.analysis, {});
  ASSERT_TRUE(report) << report.error();
  EXPECT_EQ(report->checked, s.analysis->requiredMigrations());
  EXPECT_EQ(report->broken.size(), s.analysis->brokenWithout());
  EXPECT_EQ(report->exitBits(), kGateChange);

  const BrokenMigration *tcg = findBroken(s, *report, "virt-10.0", "10.2.2/6.12/tcg/max", "10.0.13/6.12/tcg/max");
  ASSERT_NE(tcg, nullptr);
  EXPECT_TRUE(tcg->fixable);
  ASSERT_EQ(tcg->registers.size(), 1u);
  const ResponsibleRegister &r = tcg->registers[0];
  EXPECT_EQ(r.id.index(), 0x40200000200e0298u);
  EXPECT_EQ(r.name, "BOGUS_DBGDTR_EL0");
  EXPECT_EQ(r.side, runtime::Side::SourceOnly);
  ASSERT_TRUE(r.fix);
  EXPECT_EQ(fixText(*r.fix), "x-mig-hidden-regs += 0x40200000200e0298");

  const BrokenMigration *fwd = findBroken(s, *report, "virt-10.0", "10.0.13/6.12/kvm/base", "10.0.13/7.1/kvm/base");
  ASSERT_NE(fwd, nullptr);
  ASSERT_EQ(fwd->registers.size(), 3u);
  for (const auto &reg : fwd->registers) {
    ASSERT_TRUE(reg.fix);
    EXPECT_EQ(reg.fix->kind, EntryKind::SafeMissing);
  }
  EXPECT_EQ(fwd->registers[0].name, "TCR2_EL1");
  EXPECT_EQ(fwd->registers[1].name, "PIRE0_EL1");
  EXPECT_EQ(fwd->registers[2].name, "PIR_EL1");

  const BrokenMigration *back = findBroken(s, *report, "virt-10.0", "10.0.13/7.1/kvm/base", "10.0.13/6.12/kvm/base");
  ASSERT_NE(back, nullptr);
  ASSERT_EQ(back->registers.size(), 1u);
  EXPECT_EQ(back->registers[0].name, "KVM_REG_ARM_VENDOR_HYP_BMAP_2");
  EXPECT_EQ(fixText(*back->registers[0].fix), "x-mig-hidden-regs += 0x6030000000160003");

  const std::string text = renderGateText(*s.analysis, {}, *report);
  EXPECT_NE(text.find("BROKEN virt-10.0 tcg/max: 10.2.2/6.12 -> 10.0.13/6.12 (backward;"), std::string::npos);
  EXPECT_NE(text.find("0x40200000200e0298 BOGUS_DBGDTR_EL0 (p14,3,c0,c5,0,ns): not-here, source only"),
            std::string::npos);

  // The verdict, first and in one line: the tables fix every break.
  const GateVerdict verdict = gateVerdict(*s.analysis, {}, *report);
  EXPECT_EQ(verdict.decision, ShipDecision::ShipWithTables);
  EXPECT_EQ(verdict.summary, "Ship with the generated compat tables (regcompat gen): " +
                                 std::to_string(report->broken.size()) + " of the " +
                                 std::to_string(report->checked) +
                                 " required migrations fail without compat tables, and the tables fix every one.");
  EXPECT_EQ(text.substr(0, text.find('\n')), verdict.summary);
}

TEST(GeneratorGate, UnderTheGeneratedTablesNothingIsBroken) {
  const Loaded s = testing::loadSample();
  GateOptions options;
  options.current.emplace();
  for (const db::CompatFile &file : emitCompatFiles(*s.analysis)) (*options.current)[file.machine_type] = file;
  auto report = runGate(*s.analysis, options);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->broken.empty());
  EXPECT_EQ(report->exitBits(), 0);
  EXPECT_TRUE(report->suggested.empty());
  const GateVerdict verdict = gateVerdict(*s.analysis, options, *report);
  EXPECT_EQ(verdict.decision, ShipDecision::Ship);
  EXPECT_EQ(verdict.summary, "Ship: all " + std::to_string(report->checked) +
                                 " required migrations load under the current compat files.");
}

TEST(GeneratorGate, CandidateFiltersAndUnknownCandidateFails) {
  const Loaded s = testing::loadSample();
  GateOptions options;
  options.candidate = "7.1";
  auto report = runGate(*s.analysis, options);
  ASSERT_TRUE(report);
  EXPECT_LT(report->checked, s.analysis->requiredMigrations());
  for (const BrokenMigration &b : report->broken) {
    const auto &edge = s.analysis->machine_types[b.machine_type].graph.edges[b.edge];
    EXPECT_TRUE(s.set->platforms[edge.source].kernel == "7.1" || s.set->platforms[edge.dest].kernel == "7.1");
  }
  EXPECT_NE(gateVerdict(*s.analysis, options, *report).summary.find(" required migrations involving 7.1 fail"),
            std::string::npos);
  options.candidate = "11.0";
  EXPECT_FALSE(runGate(*s.analysis, options));
}

TEST(GeneratorGate, AnUnfixableMigrationSetsTheIncompatibleBit) {
  std::string policy = testing::readFile(testing::sourceDir() / "database" / "sample-policy.yaml");
  policy = testing::replaced(policy, "  - register: TTBR0_EL1\n",
                             "  - register: TCR2_EL1\n    guest_state: true\n  - register: TTBR0_EL1\n");
  const Loaded s = testing::analyzeText(testing::loadDb(testing::sourceDir() / "database" / "sample"), policy, false);
  auto report = runGate(*s.analysis, {});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->exitBits(), kGateChange | kGateIncompatible);
  const BrokenMigration *b = findBroken(s, *report, "virt-10.0", "10.0.13/6.12/kvm/base", "10.0.13/7.1/kvm/base");
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->fixable);
  bool named = false;
  for (const auto &r : b->registers)
    named = named || (r.name == "TCR2_EL1" && !r.fix && r.blocker.find("guest state") != std::string::npos);
  EXPECT_TRUE(named);
  // Do not ship, naming the first migration no table fixes.
  const GateVerdict verdict = gateVerdict(*s.analysis, {}, *report);
  EXPECT_EQ(verdict.decision, ShipDecision::DoNotShip);
  EXPECT_EQ(verdict.summary.rfind("Do not ship: ", 0), 0u) << verdict.summary;
  EXPECT_NE(verdict.summary.find(" fail under every table the policy allows (first: virt-"), std::string::npos)
      << verdict.summary;
}

// Under QEMU's rules the decision follows the worst verdict: the sample's
// KVM length caps cannot be expressed, and the first one is named.
TEST(GeneratorGate, QemuRulesVerdictFollowsTheWorstMigration) {
  const Loaded s = testing::loadSample();
  GateOptions options;
  options.rules = GateRules::Qemu;
  auto report = runGate(*s.analysis, options);
  ASSERT_TRUE(report) << report.error();
  const GateVerdict verdict = gateVerdict(*s.analysis, options, *report);
  EXPECT_EQ(verdict.decision, ShipDecision::DoNotShip);
  EXPECT_EQ(verdict.summary, "Do not ship: " + std::to_string(report->qemuCount(QemuVerdictKind::Inexpressible)) +
                                 " of the " + std::to_string(report->checked) +
                                 " required migrations cannot load on real QEMU whatever tolerances it registers "
                                 "(first: virt-10.2 kvm/base: 10.2.2/6.12 -> 10.2.2/7.1, length-cap).");
  EXPECT_EQ(toString(verdict.decision), "do-not-ship");
  EXPECT_EQ(toString(ShipDecision::ShipWithTables), "ship-with-tables");
  EXPECT_EQ(toString(ShipDecision::Ship), "ship");
}

TEST(GeneratorGate, SuggestionAddsOnlyTheMissingEntries) {
  const Loaded s = testing::loadSample();
  // Ship virt-10.0 with the bogus register only: the kernel entries are missing.
  db::CompatFile shipped;
  shipped.machine_type = "virt-10.0";
  shipped.hidden.push_back({RegisterId::fromIndex(0x40200000200e0298).value(), "BOGUS_DBGDTR_EL0", "shipped"});
  GateOptions options;
  options.current.emplace();
  (*options.current)["virt-10.0"] = shipped;
  for (const db::CompatFile &file : emitCompatFiles(*s.analysis))
    if (file.machine_type != "virt-10.0") (*options.current)[file.machine_type] = file;
  auto report = runGate(*s.analysis, options);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->exitBits(), kGateChange);
  for (const BrokenMigration &b : report->broken)
    EXPECT_EQ(s.analysis->machine_types[b.machine_type].graph.name(), "virt-10.0");
  ASSERT_EQ(report->suggested.size(), 1u);
  const db::CompatFile &fixed = report->suggested[0];
  ASSERT_EQ(fixed.hidden.size(), 2u);
  EXPECT_EQ(fixed.hidden[0].reason, "shipped");  // kept as it was
  EXPECT_EQ(fixed.safe_missing.size(), 3u);
  const std::string patch = unifiedDiff(db::renderCompatFile(shipped), db::renderCompatFile(fixed),
                                        "virt-10.0.yaml", "virt-10.0.yaml");
  EXPECT_NE(patch.find("--- a/virt-10.0.yaml\n+++ b/virt-10.0.yaml\n@@ "), std::string::npos) << patch;
  EXPECT_NE(patch.find("+  - {index: 0x603000000013c103, name: TCR2_EL1"), std::string::npos) << patch;
}

TEST(GeneratorUnifiedDiff, HunksAndNewFiles) {
  EXPECT_EQ(unifiedDiff("a\nb\n", "a\nb\n", "f", "f"), "");
  EXPECT_EQ(unifiedDiff("", "x\ny\n", "", "new.yaml"), "--- /dev/null\n+++ b/new.yaml\n@@ -0,0 +1,2 @@\n+x\n+y\n");
  EXPECT_EQ(unifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", "f", "f"),
            "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
  EXPECT_EQ(unifiedDiff("a\n", "a\nb", "f", "f"),
            "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n a\n+b\n\\ No newline at end of file\n");
  // Two changes far apart: two hunks.
  std::string a, b;
  for (int i = 0; i < 30; ++i) {
    a += std::to_string(i) + "\n";
    b += (i == 2 || i == 25 ? "x" : std::to_string(i)) + "\n";
  }
  const std::string d = unifiedDiff(a, b, "f", "f");
  EXPECT_NE(d.find("@@ -1,6 +1,6 @@"), std::string::npos) << d;
  EXPECT_NE(d.find("@@ -23,7 +23,7 @@"), std::string::npos) << d;
}

} // namespace
} // namespace regcompat::generator
