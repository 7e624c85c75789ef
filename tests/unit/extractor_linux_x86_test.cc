// The Linux x86 MSR-list extractor: host-condition formulas, the miniature
// trees in tests/fixtures/linux/mini-x86 (6.3+ form) and mini-x86-old (6.1
// form), and the real kernel trees in the regcompat cache when they are there
// (skipped if not; release/fetch-sources linux VERSION fetches them).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "regcompat/db/saver.h"
#include "regcompat/linux/host_condition.h"
#include "regcompat/linux/linux_sets.h"
#include "regcompat/linux/x86_msrs.h"
#include "regcompat/probe/db_store.h"
#include "real_inputs.h"

namespace {

namespace fs = std::filesystem;
using regcompat::kernel::HostCondition;
using regcompat::kernel::X86Msr;
using regcompat::kernel::X86MsrExtraction;

const fs::path kFixtures = fs::path(REGCOMPAT_SOURCE_DIR) / "tests/fixtures/linux";

X86MsrExtraction extract(const fs::path &tree_dir) {
  auto tree = regcompat::kernel::openKernelTree(tree_dir);
  EXPECT_TRUE(tree) << tree.error();
  if (!tree) return {};
  auto e = regcompat::kernel::extractX86Msrs(*tree);
  EXPECT_TRUE(e) << e.error();
  return e ? *e : X86MsrExtraction{};
}

const X86MsrExtraction &mini() {
  static const X86MsrExtraction e = extract(kFixtures / "mini-x86");
  return e;
}
const X86MsrExtraction &miniOld() {
  static const X86MsrExtraction e = extract(kFixtures / "mini-x86-old");
  return e;
}

const X86Msr *find(const std::vector<X86Msr> &list, std::uint32_t msr) {
  for (const X86Msr &m : list)
    if (m.index == msr) return &m;
  return nullptr;
}

std::string conditionOf(const std::vector<X86Msr> &list, std::uint32_t msr) {
  const X86Msr *m = find(list, msr);
  return m == nullptr ? "<not listed>" : m->condition.toString();
}

// --- HostCondition ------------------------------------------------------------
TEST(HostCondition, SimplifiesAndPrints) {
  const auto a = HostCondition::atom("A"), b = HostCondition::atom("B");
  EXPECT_EQ(HostCondition().toString(), "always");
  EXPECT_EQ(HostCondition::both(a, HostCondition::constant(true)), a);
  EXPECT_TRUE(HostCondition::both(a, HostCondition::constant(false)).isFalse());
  EXPECT_TRUE(HostCondition::either(a, HostCondition::constant(true)).isTrue());
  EXPECT_EQ(HostCondition::negate(HostCondition::negate(a)), a);
  // "hide when !A && !B" reads as "listed when A || B".
  const auto hide = HostCondition::both(HostCondition::negate(a), HostCondition::negate(b));
  EXPECT_EQ(HostCondition::negate(hide).toString(), "A || B");
  EXPECT_EQ(HostCondition::both(HostCondition::both(a, b), a).toString(), "A && B");  // flattened, deduplicated
  EXPECT_EQ(HostCondition::negate(HostCondition::comparison("n", ">=", "3")).toString(), "n < 3");
  EXPECT_EQ(HostCondition::negate(a).toString(), "!A");
  EXPECT_EQ(HostCondition::both(a, HostCondition::either(b, HostCondition::atom("C"))).toString(), "A && (B || C)");
  EXPECT_EQ(HostCondition::both(a, b).atoms(), (std::set<std::string>{"A", "B"}));
}

TEST(HostCondition, ThreeValuedEvaluation) {
  const auto f = HostCondition::both(HostCondition::atom("A"), HostCondition::either(HostCondition::atom("B"),
                                                                                      HostCondition::atom("C")));
  auto host = [](std::map<std::string, bool> m) {
    return [m](const std::string &atom) -> std::optional<bool> {
      auto it = m.find(atom);
      return it == m.end() ? std::nullopt : std::optional<bool>(it->second);
    };
  };
  EXPECT_EQ(f.evaluate(host({{"A", true}, {"B", true}})), true);     // C unknown, B decides
  EXPECT_EQ(f.evaluate(host({{"A", false}})), false);                // A decides
  EXPECT_EQ(f.evaluate(host({{"A", true}, {"B", false}})), std::nullopt);  // C decides, unknown
  EXPECT_EQ(f.evaluate(host({{"A", true}, {"B", false}, {"C", false}})), false);
}

// --- the 6.3+ form --------------------------------------------------------------
TEST(ExtractorLinuxX86, FixtureParsesCleanly) {
  const auto &e = mini();
  ASSERT_EQ(e.parses.size(), 1u);
  EXPECT_EQ(e.parses[0].errors, 0u) << (e.parses[0].first_errors.empty() ? "" : e.parses[0].first_errors[0]);
  EXPECT_EQ(e.release, "6.98.3");
  EXPECT_EQ(e.init_function, "kvm_init_msr_lists");
  EXPECT_EQ(e.filter_functions, (std::vector<std::string>{"kvm_probe_feature_msr", "kvm_probe_msr_to_save"}));
  EXPECT_TRUE(e.unknown.empty()) << e.unknown.front();
}

TEST(ExtractorLinuxX86, IndexListInKernelOrder) {
  const auto &e = mini();
  // msrs_to_save_base (12), msrs_to_save_pmu (3), then emulated_msrs_all (3).
  ASSERT_EQ(e.index_list.size(), 18u);
  EXPECT_EQ(e.index_list.front().name, "MSR_IA32_SYSENTER_CS");
  EXPECT_EQ(e.index_list.front().origin, "msrs_to_save_base");
  EXPECT_EQ(e.index_list.front().list, "msrs_to_save");
  EXPECT_EQ(e.index_list.front().where.rfind("arch/x86/kvm/x86.c:", 0), 0u) << e.index_list.front().where;
  EXPECT_EQ(e.index_list[12].name, "MSR_ARCH_PERFMON_PERFCTR0");
  EXPECT_EQ(e.index_list[13].name, "MSR_ARCH_PERFMON_PERFCTR1");  // written MSR_ARCH_PERFMON_PERFCTR0 + 1
  EXPECT_EQ(e.index_list[13].index, 0xc2u);
  EXPECT_EQ(e.index_list.back().name, "MSR_IA32_ARCH_CAPABILITIES");
  EXPECT_EQ(e.index_list.back().list, "emulated_msrs");
}

TEST(ExtractorLinuxX86, FilterSwitchBecomesHostConditions) {
  const auto &l = mini().index_list;
  EXPECT_EQ(conditionOf(l, 0x174), "host_has_msr");  // default: only the RDMSR probe
  EXPECT_EQ(conditionOf(l, 0xc0000083), "host_has_msr");  // #ifdef CONFIG_X86_64: implied by x86_64
  EXPECT_EQ(conditionOf(l, 0xc0000103), "host_has_msr && (X86_FEATURE_RDTSCP || X86_FEATURE_RDPID)");
  EXPECT_EQ(conditionOf(l, 0x122), "host_has_msr && kvm_get_arch_capabilities() & ARCH_CAP_TSX_CTRL_MSR");
  // A GNU case range, the MSR substituted into the comparison.
  EXPECT_EQ(conditionOf(l, 0x581),
            "host_has_msr && X86_FEATURE_INTEL_PT && intel_pt_validate_hw_cap(PT_CAP_num_address_ranges) * 2 > 1");
  EXPECT_EQ(conditionOf(l, 0x6a0), "host_has_msr && (X86_FEATURE_SHSTK || X86_FEATURE_IBT)");
  // INT_SSP_TAB falls through into the shadow-stack case: both tests apply.
  EXPECT_EQ(conditionOf(l, 0x6a8), "host_has_msr && X86_FEATURE_LM && X86_FEATURE_SHSTK");
  EXPECT_EQ(conditionOf(l, 0x6a7), "host_has_msr && X86_FEATURE_SHSTK");
  // The PMU loop sits under `if (enable_pmu)`.
  EXPECT_EQ(conditionOf(l, 0xc2), "enable_pmu && host_has_msr && kvm_pmu_cap.num_counters_gp > 1");
  EXPECT_EQ(conditionOf(l, 0x38f), "enable_pmu && host_has_msr");
  // Emulated MSRs: the vendor callback, and the Hyper-V ones need the option.
  EXPECT_EQ(conditionOf(l, 0x4b564d00), "has_emulated_msr");
  EXPECT_EQ(conditionOf(l, 0x40000000), "CONFIG_KVM_HYPERV && has_emulated_msr");
}

TEST(ExtractorLinuxX86, FeatureListWithVmxRange) {
  const auto &f = mini().feature_list;
  // KVM_FIRST_EMULATED_VMX_MSR..KVM_LAST_EMULATED_VMX_MSR, then the array.
  std::vector<std::uint32_t> order;
  for (const X86Msr &m : f) order.push_back(m.index);
  EXPECT_EQ(order, (std::vector<std::uint32_t>{0x480, 0x481, 0x482, 0x483, 0x8b, 0x10a}));
  EXPECT_EQ(f.front().origin, "KVM_FIRST_EMULATED_VMX_MSR..KVM_LAST_EMULATED_VMX_MSR");
  for (const X86Msr &m : f) EXPECT_EQ(m.condition.toString(), "feature_msr_readable") << m.index;
  EXPECT_EQ(find(f, 0x10a)->name, "MSR_IA32_ARCH_CAPABILITIES");
}

TEST(ExtractorLinuxX86, ProfilesAndSets) {
  const auto sets = regcompat::kernel::x86RegisterSets(mini());
  ASSERT_EQ(sets.size(), 3u);
  EXPECT_EQ(sets[0].key.toString(), "linux/6.98.3/x86_64/kvm/msrs");
  EXPECT_EQ(sets[0].registers.size(), 18u);
  EXPECT_EQ(sets[1].key.toString(), "linux/6.98.3/x86_64/kvm/msrs-nopmu");
  EXPECT_EQ(sets[1].registers.size(), 15u);  // the three PMU MSRs need enable_pmu
  EXPECT_EQ(sets[2].key.toString(), "linux/6.98.3/x86_64/kvm/features");
  EXPECT_EQ(sets[2].registers.size(), 6u);
  const auto id = *regcompat::RegisterId::encode(regcompat::X86MsrFields{0x6a8});
  const auto *ssp = sets[0].find(id);
  ASSERT_NE(ssp, nullptr);
  EXPECT_EQ(ssp->name, "MSR_IA32_INT_SSP_TAB");
  EXPECT_EQ(ssp->provenance.where.rfind("arch/x86/kvm/x86.c:", 0), 0u);
  EXPECT_NE(sets[0].description.find("X86_FEATURE_SHSTK"), std::string::npos) << sets[0].description;

  // The sets go into a database that validates, names in the catalogue.
  regcompat::db::Database database;
  database.name = "t";
  regcompat::probe::StoreRequest request;
  request.release = regcompat::db::Release{"linux", "6.98.3", std::nullopt, std::nullopt, ""};
  request.sets = sets;
  const auto report = regcompat::probe::mergeInto(database, request);
  EXPECT_TRUE(report.release_added);
  EXPECT_TRUE(report.name_conflicts.empty());
  EXPECT_EQ(report.catalogue_added, 19u);  // 18 named index-list MSRs + MSR_IA32_UCODE_REV
  const auto problems = regcompat::db::validate(database);
  EXPECT_TRUE(problems.empty()) << problems.front().toString();
  EXPECT_EQ(database.nameOf(id), std::optional<std::string>("MSR_IA32_INT_SSP_TAB"));
}

TEST(ExtractorLinuxX86, CatalogueConflictsAreReportedNotWritten) {
  regcompat::db::Database database;
  database.name = "t";
  const auto tsc_aux = *regcompat::RegisterId::encode(regcompat::X86MsrFields{0xc0000103});
  ASSERT_TRUE(database.catalogue.add({tsc_aux, "IA32_TSC_AUX", ""}));
  regcompat::probe::StoreRequest request;
  request.release = regcompat::db::Release{"linux", "6.98.3", std::nullopt, std::nullopt, ""};
  request.sets = regcompat::kernel::x86RegisterSets(mini());
  const auto report = regcompat::probe::mergeInto(database, request);
  ASSERT_EQ(report.name_conflicts.size(), 1u);  // reported once: the first set that names it
  EXPECT_NE(report.name_conflicts[0].find("MSR_TSC_AUX"), std::string::npos);
  EXPECT_EQ(database.catalogue.find(tsc_aux)->name, "IA32_TSC_AUX");
  EXPECT_TRUE(regcompat::db::validate(database).empty());
}

TEST(ExtractorLinuxX86, LiveComparisonExplainsDifferences) {
  const std::set<std::uint32_t> live = {0x174, 0xc0000081, 0xc0000083, 0x4b564d00, 0x10a, 0x1d9};
  const std::set<std::string> present = {"rdtscp"}, covered = {"rdtscp", "shstk", "ibt", "intel_pt"};
  auto host = [&](const std::string &atom) { return regcompat::kernel::hostFeatureAtom(atom, present, covered); };
  const auto c = regcompat::kernel::compareWithLive(mini(), live, {0x10a}, host);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].list, "index");
  EXPECT_EQ(c[0].common, 5u);
  ASSERT_EQ(c[0].only_live.size(), 1u);
  EXPECT_EQ(c[0].only_live[0].index, 0x1d9u);
  bool cet = false;
  for (const auto &d : c[0].only_source)
    if (d.index == 0x6a0) {
      cet = true;
      EXPECT_EQ(d.holds_on_host, std::optional<bool>(false));  // no SHSTK, no IBT on this "host"
    }
  EXPECT_TRUE(cet);
  EXPECT_EQ(regcompat::kernel::hostFeatureAtom("X86_FEATURE_RDTSCP", present, covered), true);
  EXPECT_EQ(regcompat::kernel::hostFeatureAtom("X86_FEATURE_XFD", present, covered), std::nullopt);
  EXPECT_EQ(regcompat::kernel::hostFeatureAtom("enable_pmu", present, covered), std::nullopt);
}

// --- the 6.1 form --------------------------------------------------------------
TEST(ExtractorLinuxX86, OldFormInlineSwitchWithContinue) {
  const auto &e = miniOld();
  EXPECT_EQ(e.init_function, "kvm_init_msr_list");
  EXPECT_TRUE(e.filter_functions.empty());
  EXPECT_TRUE(e.unknown.empty()) << e.unknown.front();
  ASSERT_EQ(e.index_list.size(), 9u);
  EXPECT_EQ(e.index_list.front().origin, "msrs_to_save_all");
  // `rdmsr_safe(...) < 0` says what `rdmsr_safe(...)` says.
  EXPECT_EQ(conditionOf(e.index_list, 0x174), "host_has_msr");
  EXPECT_EQ(conditionOf(e.index_list, 0xc0000103), "host_has_msr && (X86_FEATURE_RDTSCP || X86_FEATURE_RDPID)");
  EXPECT_EQ(conditionOf(e.index_list, 0xc2),
            "host_has_msr && min(KVM_INTEL_PMC_MAX_GENERIC, kvm_pmu_cap.num_counters_gp) > 1");
  EXPECT_EQ(conditionOf(e.index_list, 0x40000000), "has_emulated_msr");  // no #ifdef in this form
  std::vector<std::uint32_t> features;
  for (const X86Msr &m : e.feature_list) features.push_back(m.index);
  EXPECT_EQ(features, (std::vector<std::uint32_t>{0x480, 0x481, 0x8b, 0x10a}));
  EXPECT_EQ(e.feature_list[1].name, "MSR_IA32_VMX_PINBASED_CTLS");
  EXPECT_EQ(e.feature_list[1].condition.toString(), "feature_msr_readable");
}

TEST(ExtractorLinuxX86, TreeWithoutX86KvmFails) {
  auto tree = regcompat::kernel::openKernelTree(kFixtures / "mini-arm64");
  ASSERT_TRUE(tree) << tree.error();
  auto e = regcompat::kernel::extractX86Msrs(*tree);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("arch/x86/kvm/x86.c"), std::string::npos) << e.error();
}

// --- real kernel trees -------------------------------------------------------------
fs::path cachedTree(const std::string &release) {
  const fs::path tree = regcompat::testing::cachedSource("linux", release);
  return fs::exists(tree / "arch/x86/kvm/x86.c") ? tree : fs::path();
}

struct RealCase {
  const char *release;
  const char *init;
  std::size_t index, features;
};

class ExtractorLinuxX86Real : public ::testing::TestWithParam<RealCase> {};

TEST_P(ExtractorLinuxX86Real, ListsOfTheRelease) {
  const RealCase &c = GetParam();
  const fs::path tree = cachedTree(c.release);
  if (tree.empty())
    REGCOMPAT_REAL_INPUT_MISSING("linux-" << c.release);
  const X86MsrExtraction e = extract(tree);
  EXPECT_EQ(e.init_function, c.init);
  EXPECT_TRUE(e.unknown.empty()) << e.unknown.front();
  std::set<std::uint32_t> index, features;
  for (const auto &m : e.index_list) index.insert(m.index);
  for (const auto &m : e.feature_list) features.insert(m.index);
  EXPECT_EQ(index.size(), c.index);
  EXPECT_EQ(features.size(), c.features);
  // Every entry named (the VMX range aside) and located in x86.c.
  for (const auto &m : e.index_list) {
    EXPECT_FALSE(m.name.empty()) << std::hex << m.index;
    EXPECT_EQ(m.where.rfind("arch/x86/kvm/x86.c:", 0), 0u) << m.where;
  }
  // What every release filters the same way.
  EXPECT_EQ(conditionOf(e.index_list, 0xc0000103), "host_has_msr && (X86_FEATURE_RDTSCP || X86_FEATURE_RDPID)");
  EXPECT_EQ(conditionOf(e.index_list, 0x570), "host_has_msr && X86_FEATURE_INTEL_PT");
  const bool v7 = std::string(c.release).rfind("7.", 0) == 0;
  const bool v61 = std::string(c.release).rfind("6.1.", 0) == 0;
  // Hyper-V emulation became optional (CONFIG_KVM_HYPERV) in 6.8.
  EXPECT_EQ(conditionOf(e.index_list, 0x40000000), v61 ? "has_emulated_msr" : "CONFIG_KVM_HYPERV && has_emulated_msr");
  // CET and LBR MSRs arrive in 7.x (docs/real-breakages.md).
  EXPECT_EQ(conditionOf(e.index_list, 0x6a8), v7 ? "host_has_msr && X86_FEATURE_LM && X86_FEATURE_SHSTK"
                                                 : "<not listed>");
  EXPECT_EQ(conditionOf(e.index_list, 0x6a0), v7 ? "host_has_msr && (X86_FEATURE_SHSTK || X86_FEATURE_IBT)"
                                                 : "<not listed>");
  EXPECT_EQ(conditionOf(e.index_list, 0x1db), v7 ? "host_has_msr" : "<not listed>");
  EXPECT_EQ(index.count(0x390), v61 ? 1u : 0u)
      << "MSR_CORE_PERF_GLOBAL_OVF_CTRL left the list after 6.1";
}

INSTANTIATE_TEST_SUITE_P(Releases, ExtractorLinuxX86Real,
                         ::testing::Values(RealCase{"6.1.176", "kvm_init_msr_list", 143, 22},
                                           RealCase{"6.12.107", "kvm_init_msr_lists", 148, 22},
                                           RealCase{"7.2.8", "kvm_init_msr_lists", 161, 23}),
                         [](const auto &param_info) {
                           std::string n = param_info.param.release;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return "linux_" + n;
                         });

}  // namespace
