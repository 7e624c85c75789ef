// regcompat extract qemu: QEMU's expansion rules, guard predicates, and the
// libTooling extractor on a fixture that imitates target/arm (and, when the
// release is in the cache, on real QEMU 7.2 / 10.0.13 / 10.2.2 sources).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../../extractor/qemu/src/expander.h"
#include "../../extractor/qemu/src/predicate.h"
#include "../../extractor/qemu/src/scan_cache.h"
#include "regcompat/extract/qemu.h"
#include "regcompat/db/saver.h"
#include "regcompat/extract/qemu_db.h"
#include "real_inputs.h"

namespace fs = std::filesystem;
using namespace regcompat::extract::qemu;
using regcompat::RegisterId;
namespace db = regcompat::db;

namespace {

// --- Expander ---------------------------------------------------------------
struct FakeCpu {
  bool el2 = false, el3 = false, v8 = true;
  CpuView view() {
    return {[this] { return el2; }, [this] { return el3; }, [this] { return v8; },
            [] { return false; }, [] { return false; }};
  }
};

// CpRegDef with the fields a test names (the rest default).
struct Def {
  CpRegDef d;
  explicit Def(const char *name) { d.name = name; }
  Def &cp(std::uint64_t v) { d.cp = v; return *this; }
  Def &crn(std::uint64_t v) { d.crn = v; return *this; }
  Def &crm(std::uint64_t v) { d.crm = v; return *this; }
  Def &opc0(std::uint64_t v) { d.opc0 = v; return *this; }
  Def &opc1(std::uint64_t v) { d.opc1 = v; return *this; }
  Def &opc2(std::uint64_t v) { d.opc2 = v; return *this; }
  Def &state(std::uint64_t v) { d.state = v; return *this; }
  Def &type(std::uint64_t v) { d.type = v; return *this; }
  Def &access(std::uint64_t v) { d.access = v; return *this; }
  Def &secure(std::uint64_t v) { d.secure = v; return *this; }
  Def &reset(std::uint64_t v) { d.resetvalue = v; return *this; }
  operator const CpRegDef &() const { return d; }  // NOLINT: implicit by design
};

std::vector<std::uint64_t> migrated(const Expander &e) {
  std::vector<std::uint64_t> out;
  for (const CpRegInstance *r : e.migrated()) out.push_back(cpregToKvmId(r->key));
  return out;
}

TEST(ExtractorQemuExpander, KeysAndKvmIds) {
  // docs/register-index.md: DBGDTRTX_EL0 (2,3,0,5,0); the bogus AArch32 DBGDTRTX.
  EXPECT_EQ(cpregToKvmId(encodeAa64Key(2, 3, 0, 5, 0)), 0x6030000000139828u);
  EXPECT_EQ(cpregToKvmId(encodeAa32Key(14, false, true, 0, 5, 3, 0)), 0x40200000200e0298u);
  EXPECT_EQ(cpregToKvmId(encodeAa32Key(14, false, true, 0, 5, 0, 0)), 0x40200000200e0280u);
  EXPECT_EQ(cpregToKvmId(encodeAa32Key(15, true, true, 0, 7, 0, 0)), 0x40300000200f0380u);
}

TEST(ExtractorQemuExpander, BothWildcardsAndExclusions) {
  FakeCpu cpu;
  CpConstants k;
  Expander e(k, cpu.view());
  e.define(Def("SCTLR").crn(1).opc0(3).state(k.state_both).access(k.pl1_rw));
  e.define(Def("WILD").cp(15).crn(9).crm(k.cp_any).opc2(k.cp_any).state(k.state_aa32)
               .type(k.const_).access(k.pl1_rw).secure(k.secstate_ns));
  e.define(Def("TLBI").crn(8).crm(7).opc0(1).state(k.state_aa64).type(k.no_raw).access(k.pl1_rw));
  e.define(Def("NOP").cp(15).crn(7).opc2(4).state(k.state_aa32).type(k.nop).access(k.pl1_rw));
  // BOTH: AArch64 + AArch32 Secure + AArch32 NS; WILD: NS only; NOP: S + NS.
  EXPECT_EQ(e.table().size(), 3u + 16u * 8u + 1u + 2u);
  EXPECT_EQ(migrated(e), (std::vector<std::uint64_t>{0x40200000200f0800u, 0x40200000200f4800u,
                                                      0x603000000013c080u}));
}

TEST(ExtractorQemuExpander, TheAArch64ViewOfABothRegisterHasItsArchitecturalName) {
  FakeCpu cpu;
  CpConstants k;
  Expander e(k, cpu.view());
  e.define(Def("SCTLR").crn(1).opc0(3).state(k.state_both).access(k.pl1_rw));
  e.define(Def("TTBR0_EL1").crn(2).opc0(3).state(k.state_both).access(k.pl1_rw));
  e.define(Def("CNTX").crn(14).opc0(3).opc1(3).state(k.state_both).access(k.pl1_rw));
  std::map<std::string, std::uint64_t> names;
  for (const auto &[key, r] : e.table()) names[r.name] = key;
  EXPECT_TRUE(names.count("SCTLR"));       // the AArch32 view keeps QEMU's name
  EXPECT_TRUE(names.count("SCTLR_EL1"));   // op1 0: EL1
  EXPECT_TRUE(names.count("TTBR0_EL1"));   // already suffixed: unchanged
  EXPECT_FALSE(names.count("TTBR0_EL1_EL1"));
  EXPECT_TRUE(names.count("CNTX_EL0"));    // op1 3: EL0
}


TEST(ExtractorQemuExpander, BankedRegistersBeforeAndAfterV8) {
  CpConstants k;
  CpRegDef banked = Def("BANKED").crn(12).opc0(3).state(k.state_both).access(k.pl1_rw);
  banked.bank0 = banked.bank1 = true;
  FakeCpu v8;
  Expander a(k, v8.view());
  a.define(banked);
  EXPECT_EQ(migrated(a), (std::vector<std::uint64_t>{0x603000000013c600u}));
  FakeCpu v7;
  v7.v8 = false;
  Expander b(k, v7.view());
  b.define(banked);
  EXPECT_EQ(migrated(b), (std::vector<std::uint64_t>{0x40200000000f6000u, 0x603000000013c600u}));
}

TEST(ExtractorQemuExpander, El2RegistersWithEl3ButNoEl2BecomeConst) {
  CpConstants k;
  FakeCpu cpu;
  cpu.el3 = true;
  Expander e(k, cpu.view());
  CpRegDef hcr = Def("HCR_EL2").crn(1).crm(1).opc0(3).opc1(4).state(k.state_aa64).access(k.pl2_rw).reset(5);
  e.define(hcr);
  CpRegDef undef = hcr;
  undef.name = "GONE_EL2";
  undef.opc2 = 1;
  undef.type = k.el3_no_el2_undef;
  e.define(undef);
  ASSERT_EQ(e.table().size(), 1u);
  const CpRegInstance &r = e.table().begin()->second;
  EXPECT_TRUE(r.type & k.const_);
  EXPECT_EQ(r.resetvalue, 0u);
}

// --- Predicates -------------------------------------------------------------
TEST(ExtractorQemuPredicate, NormalizesAndEvaluates) {
  Predicate p = Predicate::all({Predicate::atomic("ARM_FEATURE_EL2"),
                                Predicate::negate(Predicate::atomic("ARM_FEATURE_EL3")),
                                Predicate::truth()});
  EXPECT_EQ(toString(p), "ARM_FEATURE_EL2 && !ARM_FEATURE_EL3");
  Predicate q = Predicate::any({p, Predicate::atomic("isar:aa64_sve")});
  EXPECT_EQ(toString(q), "(ARM_FEATURE_EL2 && !ARM_FEATURE_EL3) || isar:aa64_sve");
  std::map<std::string, bool> model = {{"ARM_FEATURE_EL2", true}, {"ARM_FEATURE_EL3", false}};
  auto atom = [&](const std::string &a) -> std::optional<bool> {
    auto it = model.find(a);
    if (it == model.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(evaluate(q, atom), std::optional<bool>(true));
  model["ARM_FEATURE_EL3"] = true;
  EXPECT_EQ(evaluate(q, atom), std::nullopt);  // depends on isar:aa64_sve
  EXPECT_EQ(toString(Predicate::all({Predicate::falsity(), q})), "false");
}

// --- The extractor on the fixture ----------------------------------------------
fs::path fixture() { return fs::path(REGCOMPAT_SOURCE_DIR) / "tests/fixtures/qemu/mini"; }

QemuExtraction extractFixture(const std::string &machine) {
  QemuExtractOptions o;
  o.source = fixture();
  o.release = "fixture";
  o.machine = machine;
  o.progress = 0;
  o.use_cache = false;
  auto r = extractQemu(o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? r.value() : QemuExtraction{};
}

const CpuModelSet *model(const QemuExtraction &x, const std::string &name) {
  for (const auto &m : x.models)
    if (m.model == name) return &m;
  return nullptr;
}

TEST(ExtractorQemuFixture, ParsesWithoutErrorsAndFindsModels) {
  QemuExtraction x = extractFixture("none");
  EXPECT_EQ(x.stats.files_parsed, 1u);
  EXPECT_EQ(x.stats.files_with_errors, 0u);
  ASSERT_EQ(x.models.size(), 2u);
  ASSERT_NE(model(x, "mini-a64"), nullptr);
  EXPECT_EQ(model(x, "mini-a64")->init_function, "mini_a64_initfn");
  EXPECT_EQ(model(x, "mini-a64")->type_name, "mini-a64-arm-cpu");
  EXPECT_EQ(model(x, "mini-a64")->unknown_conditions, 0u);
}

TEST(ExtractorQemuFixture, ExactExpandedIndexListPerModel) {
  QemuExtraction x = extractFixture("none");
  const CpuModelSet *a64 = model(x, "mini-a64");
  const CpuModelSet *a32 = model(x, "mini-a32");
  ASSERT_TRUE(a64 && a32);
  EXPECT_EQ(a64->migratedIndexes(),
            (std::vector<std::uint64_t>{0x40200000200f0800u, 0x40200000200f4800u, 0x40300000200f0380u,
                                        0x6030000000138004u, 0x603000000013800cu, 0x603000000013c006u,
                                        0x603000000013c020u, 0x603000000013c080u, 0x603000000013c090u,
                                        0x603000000013c600u, 0x603000000013e088u}));
  // Pre-v8: the Secure bank of BANKED migrates; no ID, debug, EL2 or SVE registers.
  EXPECT_EQ(a32->migratedIndexes(),
            (std::vector<std::uint64_t>{0x40200000000f6000u, 0x40200000200f0800u, 0x40200000200f4800u,
                                        0x40300000200f0380u, 0x603000000013c006u, 0x603000000013c080u,
                                        0x603000000013c600u}));
}

TEST(ExtractorQemuFixture, MachinePropertiesDisableEl2) {
  QemuExtraction x = extractFixture("virt");
  const CpuModelSet *a64 = model(x, "mini-a64");
  ASSERT_TRUE(a64);
  auto ids = a64->migratedIndexes();
  EXPECT_EQ(ids.size(), 10u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 0x603000000013e088u), 0);
}

TEST(ExtractorQemuFixture, ConstantsNamesFlagsAndGuards) {
  QemuExtraction x = extractFixture("none");
  const CpuModelSet *a64 = model(x, "mini-a64");
  ASSERT_TRUE(a64);
  std::map<std::uint64_t, const CpuRegister *> by;
  for (const auto &r : a64->registers) by[r.index] = &r;
  const CpuRegister *idr = by.at(0x603000000013c020u);
  EXPECT_EQ(idr->name, "ID_AA64PFR0_EL1");
  ASSERT_TRUE(idr->value);
  EXPECT_EQ(*idr->value, 0x0000000100000022u);  // from cpu->isar, set by the init function
  EXPECT_EQ(idr->guard, "ARM_FEATURE_V8");
  const CpuRegister *rev = by.at(0x603000000013c006u);
  EXPECT_EQ(rev->flags, (std::vector<std::string>{"const", "io"}));
  EXPECT_EQ(*rev->value, 0x5au);
  EXPECT_EQ(by.at(0x603000000013800cu)->name, "DBGBVR1_EL1");
  EXPECT_EQ(by.at(0x603000000013800cu)->guard, "ARM_FEATURE_V8");
  EXPECT_EQ(by.at(0x603000000013e088u)->guard, "ARM_FEATURE_EL2 && !ARM_FEATURE_EL3");
  EXPECT_EQ(by.at(0x603000000013c090u)->guard, "isar:aa64_sve");
  EXPECT_EQ(by.at(0x40200000200f4800u)->name, "WILD");
  EXPECT_EQ(*by.at(0x40200000200f4800u)->value, 7u);
  EXPECT_EQ(by.at(0x40200000200f0800u)->guard, "true");
  EXPECT_TRUE(by.at(0x40200000200f0800u)->where.rfind("target/arm/mini.c:", 0) == 0);
  // The Secure copy of SCTLR exists but is an ALIAS.
  const CpuRegister *s = by.at(0x40200000000f0800u);
  EXPECT_EQ(s->name, "SCTLR_S");
  EXPECT_FALSE(s->migrated);
}

TEST(ExtractorQemuFixture, DefinitionsCarryStaticFieldsLoopsAndGuards) {
  QemuExtraction x = extractFixture("none");
  std::map<std::string, const RegDefinition *> by;
  for (const auto &d : x.definitions) by[d.name] = &d;
  ASSERT_TRUE(by.count("DBGBVR%d_EL1"));
  EXPECT_EQ(by["DBGBVR%d_EL1"]->loop, "for (i = 0; i < brps)");
  EXPECT_EQ(by["DBGBVR%d_EL1"]->opc2, 4u);
  EXPECT_FALSE(by["DBGBVR%d_EL1"]->crm.has_value());  // the loop index
  ASSERT_TRUE(by.count("WILD"));
  EXPECT_EQ(by["WILD"]->crm, 0xffu);
  EXPECT_EQ(by["WILD"]->type, 0x10u);
  ASSERT_TRUE(by.count("ID_AA64PFR0_EL1"));
  EXPECT_EQ(by["ID_AA64PFR0_EL1"]->resetvalue_expr, "cpu->isar.id_aa64pfr0");
  EXPECT_EQ(by["HCR_EL2"]->guard, "ARM_FEATURE_EL2 && !ARM_FEATURE_EL3");
}

TEST(ExtractorQemuFixture, BadSourceIsAClearError) {
  QemuExtractOptions o;
  o.source = "/nonexistent/qemu";
  auto r = extractQemu(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("/nonexistent/qemu"), std::string::npos);
  o.source = fixture();
  o.machine = "q35";
  EXPECT_FALSE(extractQemu(o).ok());
}


// --- Build-directory mode, body skipping, the scan cache -----------------------
// A scratch directory, removed with the test.
class ScratchDir {
 public:
  ScratchDir() {
    path_ = fs::temp_directory_path() /
            ("regcompat-qemu-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path &path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::string slurp(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// TMP/src (the mini tree) and TMP/build (tests/fixtures/qemu/mini-build with
// its compile_commands.json instantiated).
fs::path makeBuildFixture(const fs::path &tmp) {
  fs::copy(fixture(), tmp / "src", fs::copy_options::recursive);
  fs::path build_fixture = fs::path(REGCOMPAT_SOURCE_DIR) / "tests/fixtures/qemu/mini-build";
  fs::copy(build_fixture, tmp / "build", fs::copy_options::recursive);
  std::string json = slurp(build_fixture / "compile_commands.json.in");
  for (auto at = json.find("@BUILD@"); at != std::string::npos; at = json.find("@BUILD@"))
    json.replace(at, 7, (tmp / "build").string());
  std::ofstream(tmp / "build/compile_commands.json") << json;
  return tmp / "build";
}

TEST(ExtractorQemuBuildDir, UsesTheBuildsCommandsAndGeneratedHeaders) {
  ScratchDir tmp;
  fs::path build = makeBuildFixture(tmp.path());
  QemuExtractOptions o;
  o.source = tmp.path() / "src";
  o.build_dir = build;
  o.release = "fixture";
  o.machine = "none";
  o.progress = 0;
  o.use_cache = false;
  auto r = extractQemu(o);
  ASSERT_TRUE(r.ok()) << r.error();
  // GCC's -fzero-call-used-regs is dropped: no errors at all.
  EXPECT_EQ(r->stats.files_with_errors, 0u) << (r->diagnostics.empty() ? "" : r->diagnostics[0].message);
  const CpuModelSet *a64 = model(r.value(), "mini-a64");
  ASSERT_TRUE(a64);
  // The generated header (found only through the build's -I) adds
  // BUILD_ONLY_EL1 (3,0,15,0,1) to what no-build mode finds.
  std::vector<std::uint64_t> expected = model(extractFixture("none"), "mini-a64")->migratedIndexes();
  expected.push_back(0x603000000013c781u);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(a64->migratedIndexes(), expected);
  // Sites are named relative to the source tree although the command names
  // the file relative to the build directory.
  for (const auto &reg : a64->registers)
    EXPECT_EQ(reg.where.rfind("target/arm/mini.c:", 0), 0u) << reg.where;
}

TEST(ExtractorQemuBuildDir, MissingCompileDatabaseIsAClearError) {
  ScratchDir tmp;
  QemuExtractOptions o;
  o.source = fixture();
  o.build_dir = tmp.path();
  o.use_cache = false;
  auto r = extractQemu(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("compile_commands.json"), std::string::npos) << r.error();
}

TEST(ExtractorQemuBodies, SkippingUnneededBodiesChangesNothing) {
  QemuExtractOptions o;
  o.source = fixture();
  o.release = "fixture";
  o.machine = "none";
  o.progress = 0;
  o.use_cache = false;
  auto skipped = extractQemu(o);
  o.skip_unneeded_bodies = false;
  auto all = extractQemu(o);
  ASSERT_TRUE(skipped.ok() && all.ok());
  EXPECT_GE(skipped->stats.bodies_skipped, 1u);  // sctlr_read, an accessor
  EXPECT_EQ(all->stats.bodies_skipped, 0u);
  EXPECT_EQ(serializeExtraction(skipped.value()), serializeExtraction(all.value()));
}

TEST(ExtractorQemuCache, HitGivesTheSameExtractionAndAnEditMisses) {
  ScratchDir tmp;
  fs::copy(fixture(), tmp.path() / "src", fs::copy_options::recursive);
  QemuExtractOptions o;
  o.source = tmp.path() / "src";
  o.release = "fixture";
  o.machine = "none";
  o.progress = 0;
  o.cache_dir = tmp.path() / "cache";
  auto cold = extractQemu(o);
  ASSERT_TRUE(cold.ok()) << cold.error();
  EXPECT_EQ(cold->stats.files_from_cache, 0u);
  auto warm = extractQemu(o);
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(warm->stats.files_from_cache, 1u);
  EXPECT_EQ(serializeExtraction(warm.value()), serializeExtraction(cold.value()));
  // Another release name reuses the entry (the name is not an input).
  o.release = "fixture-2";
  auto renamed = extractQemu(o);
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->stats.files_from_cache, 1u);
  EXPECT_EQ(renamed->release, "fixture-2");
  // Other options are part of the key.
  o.machine = "virt";
  auto virt = extractQemu(o);
  ASSERT_TRUE(virt.ok());
  EXPECT_EQ(virt->stats.files_from_cache, 0u);
  // An edited file misses; the content, not the time stamp, decides.
  o.machine = "none";
  o.release = "fixture";
  fs::path src = tmp.path() / "src/target/arm/mini.c";
  std::string text = slurp(src);
  std::ofstream(src, std::ios::trunc) << text << "\n/* edited */\n";
  auto edited = extractQemu(o);
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ(edited->stats.files_from_cache, 0u);
  // One entry per configuration: the edited tree's result replaced the
  // original's, so going back parses again, and then hits.
  std::ofstream(src, std::ios::trunc) << text;
  auto back = extractQemu(o);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->stats.files_from_cache, 0u);
  EXPECT_EQ(serializeExtraction(back.value()), serializeExtraction(cold.value()));
  auto again = extractQemu(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stats.files_from_cache, 1u);
}

TEST(ExtractorQemuCache, DamagedEntriesAreMisses) {
  ScratchDir tmp;
  QemuExtractOptions o;
  o.source = fixture();
  o.release = "fixture";
  o.progress = 0;
  o.cache_dir = tmp.path();
  ASSERT_TRUE(extractQemu(o).ok());
  std::vector<fs::path> entries;
  for (const auto &e : fs::directory_iterator(tmp.path())) entries.push_back(e.path());
  ASSERT_EQ(entries.size(), 1u);
  std::string bytes = slurp(entries[0]);
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    std::ofstream(entries[0], std::ios::binary | std::ios::trunc) << bytes.substr(0, cut);
    auto r = extractQemu(o);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stats.files_from_cache, 0u) << cut;
  }
  // Truncated payloads never decode.
  QemuExtraction x = extractFixture("virt");
  std::string s = serializeExtraction(x);
  ASSERT_TRUE(deserializeExtraction(s).has_value());
  for (std::size_t cut = 0; cut < s.size(); cut += 97) EXPECT_FALSE(deserializeExtraction(s.substr(0, cut)));
}

// --- Merging into a database ---------------------------------------------------
db::RegisterSet setOf(const std::string &release, const std::string &model,
                      std::vector<std::pair<std::uint64_t, std::string>> regs) {
  db::RegisterSet s;
  s.key = {"qemu", release, "arm64", "tcg", model};
  for (auto &[index, name] : regs) {
    db::RegisterEntry e;
    e.id = RegisterId::fromIndex(index).value();
    e.name = name;
    e.provenance = {db::Provenance::Kind::Source, "target/arm/helper.c:1"};
    s.insert(std::move(e));
  }
  return s;
}

TEST(ExtractorQemuMerge, CataloguesNamesAndKeepsTheCataloguesOwn) {
  db::Database d;
  d.name = "t";
  ASSERT_TRUE(d.catalogue.add({RegisterId::fromIndex(0x6030000000139828u).value(), "DBGDTRTX_EL0", ""}).ok());
  db::Release rel;
  rel.component = "qemu";
  rel.version = "10.2.2";
  auto report = mergeRelease(d, rel,
                             {setOf("10.2.2", "max", {{0x6030000000139828u, "DBGDTR_TX"},
                                                      {0x603000000013c080u, "SCTLR_EL1"},
                                                      {0x603000000013c081u, "SCTLR_EL1"}})},
                             true);
  EXPECT_TRUE(report.release_added);
  EXPECT_EQ(report.catalogue_added, 1u);
  ASSERT_EQ(report.notes.size(), 2u);  // the renamed one, the clashing one
  const db::RegisterSet *s = d.findSet({"qemu", "10.2.2", "arm64", "tcg", "max"});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->registers[0].name, "DBGDTRTX_EL0");
  EXPECT_EQ(s->registers[1].name, "SCTLR_EL1");
  EXPECT_EQ(s->registers[2].name, "");
  EXPECT_TRUE(db::validate(d).empty());
}

TEST(ExtractorQemuMerge, ReplacesTheWholeReleaseOrOnlyTheSameKeys) {
  db::Database d;
  d.name = "t";
  db::Release rel;
  rel.component = "qemu";
  rel.version = "7.2";
  rel.date = "2022-12-14";
  mergeRelease(d, rel, {setOf("7.2", "a", {{0x603000000013c080u, "X"}}), setOf("7.2", "b", {})}, true);
  rel.date.reset();
  auto only_a = mergeRelease(d, rel, {setOf("7.2", "a", {})}, false);
  EXPECT_FALSE(only_a.release_added);
  EXPECT_EQ(d.sets.size(), 2u);
  EXPECT_TRUE(only_a.sets_removed.empty());
  ASSERT_EQ(d.releases.size(), 1u);
  EXPECT_EQ(d.releases[0].date, std::optional<std::string>("2022-12-14"));  // kept
  auto whole = mergeRelease(d, rel, {setOf("7.2", "a", {})}, true);
  EXPECT_EQ(d.sets.size(), 1u);
  EXPECT_EQ(whole.sets_removed, std::vector<std::string>{"qemu/7.2/arm64/tcg/b"});
}

// --- Real QEMU sources (release/fetch-sources qemu 7.2 ...) --------------------
fs::path cached(const std::string &version) { return regcompat::testing::cachedSource("qemu", version); }

QemuExtraction extractReal(const std::string &version, std::vector<std::string> models) {
  QemuExtractOptions o;
  o.source = cached(version);
  o.release = version;
  o.models = std::move(models);
  o.progress = 0;
  o.use_cache = false;
  auto r = extractQemu(o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? r.value() : QemuExtraction{};
}

TEST(ExtractorQemuReal, Qemu72CortexA57MatchesTheMigrationStream) {
  if (!fs::exists(cached("7.2") / "target/arm/helper.c"))
    REGCOMPAT_REAL_INPUT_MISSING("QEMU 7.2's source");
  QemuExtraction x = extractReal("7.2", {"cortex-a57"});
  ASSERT_EQ(x.models.size(), 1u);
  const CpuModelSet &m = x.models[0];
  auto ids = m.migratedIndexes();
  // Measured on Debian's qemu-system-aarch64 7.2 (-M virt -cpu cortex-a57):
  // 258 registers, first and last as below.
  EXPECT_EQ(ids.size(), 258u);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 0x40200000000f6800u);
  EXPECT_EQ(ids.back(), 0x603000000013ff12u);
  std::map<std::uint64_t, const CpuRegister *> by;
  for (const auto &r : m.registers) by[r.index] = &r;
  // No DBGDTR registers in 7.2 (docs/real-breakages.md).
  EXPECT_EQ(by.count(0x6030000000139820u), 0u);
  EXPECT_EQ(by.count(0x40200000200e0298u), 0u);
  // MIDR_EL1 is a NO_RAW register in 7.2; REVIDR_EL1 is a constant 0.
  EXPECT_EQ(m.unknown_conditions, 1u);  // set_preferred_target_page_bits()
}

TEST(ExtractorQemuReal, DbgdtrStoryBetween10013And1022) {
  if (!fs::exists(cached("10.0.13") / "target/arm/helper.c") ||
      !fs::exists(cached("10.2.2") / "target/arm/helper.c"))
    REGCOMPAT_REAL_INPUT_MISSING("QEMU 10.0.13's or 10.2.2's source");
  auto a = extractReal("10.0.13", {"cortex-a57"});
  auto b = extractReal("10.2.2", {"cortex-a57"});
  ASSERT_EQ(a.models.size(), 1u);
  ASSERT_EQ(b.models.size(), 1u);
  auto ia = a.models[0].migratedIndexes(), ib = b.models[0].migratedIndexes();
  auto has = [](const std::vector<std::uint64_t> &v, std::uint64_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  for (std::uint64_t x : {0x6030000000139820u, 0x6030000000139828u, 0x40200000200e0280u}) {
    EXPECT_TRUE(has(ia, x)) << std::hex << x;
    EXPECT_TRUE(has(ib, x)) << std::hex << x;
  }
  EXPECT_FALSE(has(ia, 0x40200000200e0298u));
  EXPECT_TRUE(has(ib, 0x40200000200e0298u));  // BOGUS_DBGDTR_EL0, re-added
  EXPECT_EQ(ib.size(), ia.size() + 1);
}

}  // namespace

TEST(ExtractorQemuMerge, ALaterReleasesRealNameReplacesAReservedPlaceholder) {
  db::Database d;
  d.name = "t";
  db::Release old_release;
  old_release.component = "qemu";
  old_release.version = "7.2";
  auto first = mergeRelease(d, old_release, {setOf("7.2", "max", {{0x603000000013c032u, "ID_AA64ISAR2_EL1_RESERVED"}})}, true);
  EXPECT_EQ(d.catalogue.find(RegisterId::fromIndex(0x603000000013c032u).value())->name, "ID_AA64ISAR2_EL1_RESERVED");
  db::Release new_release = old_release;
  new_release.version = "10.2.2";
  auto second = mergeRelease(d, new_release, {setOf("10.2.2", "max", {{0x603000000013c032u, "ID_AA64ISAR2_EL1"}})}, true);
  EXPECT_EQ(d.catalogue.find(RegisterId::fromIndex(0x603000000013c032u).value())->name, "ID_AA64ISAR2_EL1");
  ASSERT_EQ(second.renamed.size(), 1u);
  // The 7.2 set's entry follows the catalogue, and the database validates.
  EXPECT_EQ(d.findSet({"qemu", "7.2", "arm64", "tcg", "max"})->registers[0].name, "ID_AA64ISAR2_EL1");
  EXPECT_TRUE(db::validate(d).empty());
  // The reverse order keeps the real name.
  auto third = mergeRelease(d, old_release, {setOf("7.2", "max", {{0x603000000013c032u, "ID_AA64ISAR2_EL1_RESERVED"}})}, true);
  EXPECT_EQ(d.catalogue.find(RegisterId::fromIndex(0x603000000013c032u).value())->name, "ID_AA64ISAR2_EL1");
}
