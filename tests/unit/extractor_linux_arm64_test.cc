// The Linux arm64 extractor: on the miniature tree in
// tests/fixtures/linux/mini-arm64 (every rule in isolation), and on real
// kernel trees in the regcompat cache when they are there (skipped if not;
// release/fetch-sources linux VERSION fetches them).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "regcompat/db/vocabulary.h"
#include "regcompat/linux/arm64_regs.h"
#include "regcompat/linux/linux_sets.h"
#include "real_inputs.h"

namespace {

namespace fs = std::filesystem;
using regcompat::kernel::Arm64Extraction;
using regcompat::kernel::Predicate;

const fs::path kMini = fs::path(REGCOMPAT_SOURCE_DIR) / "tests/fixtures/linux/mini-arm64";

constexpr std::uint64_t kTcr2 = 0x603000000013c103, kPire0 = 0x603000000013c512, kPir = 0x603000000013c513;
constexpr std::uint64_t kVendorHypBmap2 = 0x6030000000160003;

const Arm64Extraction &mini() {
  static const auto result = [] {
    auto tree = regcompat::kernel::openKernelTree(kMini);
    EXPECT_TRUE(tree) << tree.error();
    auto e = regcompat::kernel::extractArm64(*tree);
    EXPECT_TRUE(e) << e.error();
    return e ? *e : Arm64Extraction{};
  }();
  return result;
}

const regcompat::kernel::Arm64Register *find(const Arm64Extraction &e, std::uint64_t index) {
  for (const auto &r : e.registers)
    if (r.index == index) return &r;
  return nullptr;
}

std::set<std::uint64_t> indexes(const std::vector<const regcompat::kernel::Arm64Register *> &list) {
  std::set<std::uint64_t> out;
  for (const auto *r : list) out.insert(r->index);
  return out;
}

TEST(ExtractorLinuxArm64, OpenKernelTree) {
  auto t = regcompat::kernel::openKernelTree(kMini);
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->release, "6.99.0");  // from the fixture's Makefile
  EXPECT_EQ(t->minor, 99);
  auto given = regcompat::kernel::openKernelTree(kMini, "6.12.48");
  ASSERT_TRUE(given);
  EXPECT_EQ(given->release, "6.12.48");
  auto missing = regcompat::kernel::openKernelTree(kMini / "nonexistent");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("not a directory"), std::string::npos);
  auto not_kernel = regcompat::kernel::openKernelTree(kMini / "arch");
  ASSERT_FALSE(not_kernel);
  EXPECT_NE(not_kernel.error().find("not a Linux source tree"), std::string::npos);
}

TEST(ExtractorLinuxArm64, FixtureParsesCleanly) {
  const auto &e = mini();
  ASSERT_EQ(e.parses.size(), 3u);
  for (const auto &p : e.parses) EXPECT_EQ(p.errors, 0u) << p.file << ": " << (p.first_errors.empty() ? "" : p.first_errors[0]);
  EXPECT_EQ(e.sys_reg_descs, 11u);
  EXPECT_EQ(e.demux_candidates, 14u);
}

TEST(ExtractorLinuxArm64, KernelOrderAndParts) {
  const auto &e = mini();
  std::vector<std::string> parts;
  for (const auto &r : e.registers)
    if (parts.empty() || parts.back() != r.part) parts.push_back(r.part);
  EXPECT_EQ(parts, (std::vector<std::string>{"core", "sve", "firmware", "timer", "invariant", "sysreg"}));
  // Core: 64-bit words at even offsets of 0..3, 128-bit at 4 and 8, 32-bit 12.
  EXPECT_NE(find(e, 0x6030000000100000), nullptr);
  EXPECT_NE(find(e, 0x6030000000100002), nullptr);
  EXPECT_EQ(find(e, 0x6030000000100001), nullptr);  // misaligned
  EXPECT_NE(find(e, 0x602000000010000c), nullptr);
  const auto *v0 = find(e, 0x6040000000100004);
  ASSERT_NE(v0, nullptr);
  EXPECT_EQ(v0->predicate.toString(), "!sve");
  // SVE: VLS + Z0-31 + P0-15 + FFR, only with SVE.
  EXPECT_EQ(std::count_if(e.registers.begin(), e.registers.end(), [](const auto &r) { return r.part == "sve"; }), 50);
  // Firmware ids in kvm_arm_fw_reg_ids[] order.
  std::vector<std::uint64_t> fw;
  for (const auto &r : e.registers)
    if (r.part == "firmware") fw.push_back(r.index);
  EXPECT_EQ(fw, (std::vector<std::uint64_t>{0x6030000000140000, 0x6030000000160000, kVendorHypBmap2}));
}

TEST(ExtractorLinuxArm64, SysRegDescriptors) {
  const auto &e = mini();
  // DC ISW has neither .reg nor .get_user: not listed.
  EXPECT_EQ(find(e, 0x60300000001343b2), nullptr);
  for (const auto &r : e.registers) EXPECT_NE(r.name, "DC_ISW");
  // Positional get_user through a macro taking n.
  const auto *bvr1 = find(e, 0x603000000013800c);
  ASSERT_NE(bvr1, nullptr);
  EXPECT_EQ(bvr1->name, "DBGBVR1_EL1");
  EXPECT_EQ(bvr1->predicate.kind, Predicate::Kind::Always);
  EXPECT_EQ(bvr1->where.rfind("arch/arm64/kvm/sys_regs.c:", 0), 0u) << bvr1->where;
  // raz_visibility never hides.
  EXPECT_EQ(find(e, 0x603000000013c000)->predicate.kind, Predicate::Kind::Always);
  // copy_reg_to_user() remaps CNTV_CVAL_EL0 to the swapped ABI id.
  const auto *cval = find(e, 0x603000000013df02);
  ASSERT_NE(cval, nullptr);
  EXPECT_EQ(cval->name, "CNTV_CVAL_EL0");
  // (0x...df1a, its own encoding, is the timer CNT id: only listed as a timer.)
  for (const auto &r : e.registers)
    if (r.index == 0x603000000013df1a) {
      EXPECT_EQ(r.part, "timer");
    }
  // hidden_visibility: never listed.
  EXPECT_EQ(find(e, 0x603000000013c780), nullptr);
  EXPECT_EQ(find(e, 0x603000000013dce0)->predicate.toString(), "pmu");
  EXPECT_EQ(find(e, kTcr2)->predicate.toString(), "tcrx");
  EXPECT_EQ(find(e, 0x603000000013e090)->predicate.toString(), "el2+sve");
  const auto *odd = find(e, 0x603000000013c781);
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(odd->predicate.kind, Predicate::Kind::Unknown);
  EXPECT_EQ(e.unknown_predicates, std::vector<std::string>{"odd_visibility"});
}

TEST(ExtractorLinuxArm64, VisibilityFunctions) {
  std::map<std::string, std::string> got;
  for (const auto &v : mini().visibility) got[v.name] = v.predicate.toString();
  EXPECT_EQ(got, (std::map<std::string, std::string>{
                     {"hidden_visibility", "never"},
                     {"odd_visibility", "unknown:odd_visibility"},
                     {"pmu_visibility", "pmu"},
                     {"raz_visibility", "always"},
                     {"sve_el2_visibility", "el2+sve"},
                     {"tcr2_visibility", "tcrx"},
                 }));
}

TEST(ExtractorLinuxArm64, Profiles) {
  const auto &e = mini();
  const auto base = indexes(e.listFor({}));
  const std::set<std::uint64_t> expected_base = {
      0x6030000000100000, 0x6030000000100002, 0x602000000010000c, 0x6040000000100004, 0x6040000000100008,
      0x6030000000140000, 0x6030000000160000, kVendorHypBmap2,    0x603000000013df19, 0x603000000013df1a,
      0x603000000013d801, 0x6030000000138004, 0x603000000013800c, 0x603000000013c000, 0x603000000013c080,
      0x603000000013df02};
  EXPECT_EQ(base, expected_base);
  const auto pmu = indexes(e.listFor({"pmu"}));
  EXPECT_EQ(pmu.size(), base.size() + 1);
  EXPECT_EQ(pmu.count(0x603000000013dce0), 1u);
  // SVE drops the V registers and adds the 50 SVE ids.
  EXPECT_EQ(indexes(e.listFor({"sve"})).size(), base.size() - 2 + 50);
  EXPECT_EQ(indexes(e.listFor({"el2", "sve"})).count(0x603000000013e090), 1u);
  EXPECT_EQ(indexes(e.listFor({"el2"})).count(0x603000000013e090), 0u);
  EXPECT_EQ(indexes(e.listFor({"tcrx", "s1pie"})).count(kTcr2), 1u);
}

TEST(ExtractorLinuxArm64, SelftestListsAndComparison) {
  auto tree = regcompat::kernel::openKernelTree(kMini);
  ASSERT_TRUE(tree);
  auto s = regcompat::kernel::parseGetRegList(*tree);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->file, "tools/testing/selftests/kvm/arm64/get-reg-list.c");
  EXPECT_EQ(s->arrays.at("base_regs").size(), 15u);
  EXPECT_EQ(s->arrays.at("pmu_regs"), std::vector<std::uint64_t>{0x603000000013dce0});
  EXPECT_EQ(s->feature_conditional, std::set<std::uint64_t>{kTcr2});
  EXPECT_GT(s->parse.errors, 0u);  // main() uses an undeclared name: tolerated
  const auto c = regcompat::kernel::compareWithBase(mini(), *s);
  EXPECT_TRUE(c.only_extracted.empty());
  EXPECT_TRUE(c.only_selftest.empty());
  EXPECT_EQ(c.selftest_conditional, std::vector<std::uint64_t>{kTcr2});
  EXPECT_TRUE(c.equal());
  EXPECT_EQ(c.extracted_always, 14u);  // base minus the two !sve V registers
}

TEST(ExtractorLinuxArm64, RegisterSets) {
  const auto sets = regcompat::kernel::arm64RegisterSets(mini());
  ASSERT_EQ(sets.size(), regcompat::kernel::arm64Profiles().size());
  EXPECT_EQ(sets[0].key.toString(), "linux/6.99.0/arm64/kvm/base");
  EXPECT_EQ(sets[0].registers.size(), 16u);
  for (const auto &set : sets) {
    EXPECT_EQ(regcompat::db::checkProfile(set.key.profile), std::nullopt);
    for (const auto &r : set.registers) {
      EXPECT_EQ(regcompat::db::checkProvenance(r.provenance), std::nullopt) << r.provenance.where;
      if (!r.name.empty()) {
        EXPECT_EQ(regcompat::db::checkRegisterName(r.name), std::nullopt);
      }
    }
  }
}

// --- real kernel trees ------------------------------------------------------

fs::path cacheSources() { return regcompat::testing::regcompatCache() / "src"; }

// Cached trees "linux-X.Y.Z" that hold the arm64 KVM sources.
std::vector<fs::path> cachedKernels() {
  std::vector<fs::path> out;
  std::error_code ec;
  const fs::path src = cacheSources();
  if (src.empty() || !fs::is_directory(src, ec)) return out;
  for (const auto &entry : fs::directory_iterator(src, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("linux-", 0) == 0 && fs::exists(entry.path() / "arch/arm64/kvm/sys_regs.c")) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ExtractorLinuxArm64Real, BaseListEqualsSelftestAndReleaseDeltas) {
  const auto kernels = cachedKernels();
  if (kernels.empty())
    REGCOMPAT_REAL_INPUT_MISSING("a Linux source tree");
  for (const fs::path &dir : kernels) {
    SCOPED_TRACE(dir.string());
    auto tree = regcompat::kernel::openKernelTree(dir);
    ASSERT_TRUE(tree) << tree.error();
    auto e = regcompat::kernel::extractArm64(*tree);
    ASSERT_TRUE(e) << e.error();
    auto s = regcompat::kernel::parseGetRegList(*tree);
    ASSERT_TRUE(s) << s.error();
    const auto c = regcompat::kernel::compareWithBase(*e, *s);
    std::printf("linux %s: %u sys_reg_descs, %zu ids (all parts); listed always %zu, selftest base_regs %zu "
                "(%zu of them feature-conditional in the selftest), only-extracted %zu, only-selftest %zu; "
                "profiles:",
                tree->release.c_str(), e->sys_reg_descs, e->registers.size(), c.extracted_always, c.selftest_base,
                c.selftest_conditional.size(), c.only_extracted.size(), c.only_selftest.size());
    for (const auto &p : regcompat::kernel::arm64Profiles()) std::printf(" %s=%zu", p.name.c_str(), e->listFor(p.features).size());
    std::printf("; unknown predicates %zu\n", e->unknown_predicates.size());
    EXPECT_TRUE(c.equal());
    EXPECT_TRUE(e->unknown_predicates.empty());

    const auto always = [&](std::uint64_t id) {
      const auto *r = find(*e, id);
      return r != nullptr && r->predicate.kind == Predicate::Kind::Always;
    };
    const bool after_6_12 = tree->major > 6 || (tree->major == 6 && tree->minor > 12);
    for (std::uint64_t id : {kTcr2, kPire0, kPir}) {
      const auto *r = find(*e, id);
      if (tree->major == 6 && tree->minor <= 1) continue;  // not yet in 6.1's table
      ASSERT_NE(r, nullptr) << std::hex << id;
      if (after_6_12) {
        EXPECT_EQ(r->predicate.kind, Predicate::Kind::Features) << std::hex << id;
        EXPECT_EQ(indexes(e->listFor({"tcrx", "s1pie"})).count(id), 1u);
        EXPECT_EQ(indexes(e->listFor({})).count(id), 0u);
      } else {
        EXPECT_TRUE(always(id)) << std::hex << id << " should be listed unconditionally up to 6.12";
      }
    }
    const bool has_bmap2 = find(*e, kVendorHypBmap2) != nullptr;
    EXPECT_EQ(has_bmap2, tree->major > 6 || (tree->major == 6 && tree->minor >= 16)) << tree->release;
    if (has_bmap2) {
      EXPECT_TRUE(always(kVendorHypBmap2));
    }
  }
}

}  // namespace
