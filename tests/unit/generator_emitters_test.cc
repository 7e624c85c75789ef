// Emitters: byte-identical output for the same input (golden files), the
// compat files round-trip through the database's loader and drive the
// runtime to the same verdicts, and the shipped sample outputs are current.
//
// To regenerate the golden files after an intended change:
//   REGCOMPAT_UPDATE_GOLDEN=1 build/tests/unit/generator_test --gtest_filter='GeneratorGolden*'
// and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>

#include "generator_test_support.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/db/compat_file.h"
#include "regcompat/generator/compat_conversion.h"
#include "regcompat/generator/emitters.h"
#include "regcompat/runtime/merge.h"
#include "regcompat/runtime/save_side.h"

namespace regcompat::generator {
namespace {

std::filesystem::path goldenDir() { return testing::fixtureDir() / "golden"; }

void expectGolden(const std::string &name, const std::string &actual) {
  const auto path = goldenDir() / name;
  if (const char *update = std::getenv("REGCOMPAT_UPDATE_GOLDEN"); update && *update == '1') {
    std::filesystem::create_directories(path.parent_path());
    ASSERT_TRUE(db::writeFileAtomically(path, actual));
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing (see the comment at the top)";
  const std::string expected = testing::readFile(path);
  if (expected == actual) return;
  // Point at the first differing line.
  std::size_t line = 1, i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) line += expected[i++] == '\n';
  FAIL() << name << " differs from the golden file at line " << line << " (see the comment at the top)";
}

class GeneratorGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fixture_ = new testing::Loaded(testing::loadFixture()); }
  static void TearDownTestSuite() { delete fixture_; }
  static testing::Loaded *fixture_;
};
testing::Loaded *GeneratorGolden::fixture_ = nullptr;

TEST_F(GeneratorGolden, CppHeader) { expectGolden("tables.hpp", emitCppHeader(*fixture_->analysis)); }
TEST_F(GeneratorGolden, CppHeaderWithRegisterSets) {
  expectGolden("tables-with-sets.hpp", emitCppHeader(*fixture_->analysis, {"fixture_tables", true}));
}
TEST_F(GeneratorGolden, CHeader) { expectGolden("tables.h", emitCHeader(*fixture_->analysis)); }
TEST_F(GeneratorGolden, CHeaderWithRegisterSets) {
  expectGolden("tables-with-sets.h", emitCHeader(*fixture_->analysis, {"fixture", true}));
}
TEST_F(GeneratorGolden, QemuCompat) { expectGolden("qemu-compat.c", emitQemuCompat(*fixture_->analysis)); }
TEST_F(GeneratorGolden, QemuTolerances) {
  auto tolerances = emitQemuTolerances(*fixture_->analysis);
  ASSERT_TRUE(tolerances) << tolerances.error();
  expectGolden("qemu-tolerances.c", tolerances.value());
  // checkpatch's 80 columns.
  std::size_t start = 0;
  while (start < tolerances->size()) {
    const std::size_t end = std::min(tolerances->find('\n', start), tolerances->size());
    EXPECT_LE(end - start, 80u) << tolerances->substr(start, end - start);
    start = end + 1;
  }
}
TEST_F(GeneratorGolden, JsonReport) { expectGolden("report.json", emitJsonReport(*fixture_->analysis)); }
TEST_F(GeneratorGolden, YamlReport) { expectGolden("report.yaml", emitYamlReport(*fixture_->analysis)); }
TEST_F(GeneratorGolden, TextSummary) { expectGolden("summary.txt", emitTextSummary(*fixture_->analysis)); }
TEST_F(GeneratorGolden, CompatFiles) {
  for (const db::CompatFile &file : emitCompatFiles(*fixture_->analysis))
    expectGolden("compat/" + file.machine_type + ".yaml", db::renderCompatFile(file));
}

TEST_F(GeneratorGolden, SameInputSameBytes) {
  const testing::Loaded again = testing::loadFixture();
  EXPECT_EQ(emitCppHeader(*fixture_->analysis), emitCppHeader(*again.analysis));
  EXPECT_EQ(emitCHeader(*fixture_->analysis), emitCHeader(*again.analysis));
  EXPECT_EQ(emitQemuCompat(*fixture_->analysis), emitQemuCompat(*again.analysis));
  EXPECT_EQ(emitYamlReport(*fixture_->analysis), emitYamlReport(*again.analysis));
}

// A compat file as written loads back through the database's own loader
// and, converted to a runtime table, makes every required migration load.
TEST_F(GeneratorGolden, CompatFilesRoundTripAndLoadEveryMigration) {
  const testing::Loaded &f = *fixture_;
  for (const auto &m : f.analysis->machine_types) {
    const std::string text = db::renderCompatFile(m.table.toCompatFile());
    auto loaded = db::loadCompatFileFromString(text, m.graph.name() + ".yaml");
    ASSERT_TRUE(loaded) << loaded.errorText();
    EXPECT_EQ(loaded.value(), m.table.toCompatFile());
    auto table = toCompatTable(loaded.value());
    ASSERT_TRUE(table) << table.error();
    EXPECT_EQ(table.value(), m.runtime_table);
    for (const auto &edge : m.graph.edges) {
      const Platform &s = f.set->platforms[edge.source];
      const Platform &d = f.set->platforms[edge.dest];
      auto stream = runtime::outgoing(toLocalRegisters(*s.set), table.value());
      ASSERT_TRUE(stream);
      EXPECT_TRUE(runtime::merge(toLocalRegisters(*d.set), stream.value(), table.value()).ok);
    }
  }
}

TEST_F(GeneratorGolden, EveryEntryIsCommentedWithNameDecodedFormAndReason) {
  const std::string header = emitCppHeader(*fixture_->analysis);
  EXPECT_NE(header.find("    // KVM_REG_ARM_VENDOR_HYP_BMAP_2 (fw-bmap:3): linux 7.1 added it (linux 6.12 lacks it)"),
            std::string::npos);
  EXPECT_NE(header.find("    // ID_AFR0 (p15,0,c0,c1,3,ns): qemu 10.0.13 dropped it (qemu 7.2 has it)"),
            std::string::npos);
  const std::string c = emitCHeader(*fixture_->analysis);
  EXPECT_NE(c.find("    /* TCR2_EL1 (S3_0_C2_C0_3): linux 7.1 dropped it (linux 6.12 has it)"), std::string::npos);
}

// The sample outputs shipped in the repository are what gen makes now.
TEST(GeneratorSample, ShippedCompatFilesAreCurrent) {
  const testing::Loaded s = testing::loadSample();
  const auto dir = testing::sourceDir() / "database" / "sample-generated";
  for (const db::CompatFile &file : emitCompatFiles(*s.analysis)) {
    const auto path = dir / (file.machine_type + ".yaml");
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    EXPECT_EQ(testing::readFile(path), db::renderCompatFile(file))
        << path << " is stale: regenerate with regcompat gen --db database/sample --policy "
                   "database/sample-policy.yaml --compat-dir database/sample-generated";
  }
}

} // namespace
} // namespace regcompat::generator
