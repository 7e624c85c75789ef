// Compat-table files: every entry validated, canonical form, atomic save.
#include <gtest/gtest.h>

#include "db_test_support.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/db/compat_file.h"

namespace regcompat::db {
namespace {

using testing::TempDir;

constexpr const char *kPath = "compat/virt-10.0.yaml";

RegisterId id(std::uint64_t index) { return RegisterId::fromIndex(index).value(); }

TEST(DbCompatFile, LoadsTheFixture) {
  Outcome<CompatFile> loaded = loadCompatFile(testing::fixturesDir() / "compat/virt-10.0.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.errorText();
  const CompatFile &compat = *loaded;
  EXPECT_EQ(compat.machine_type, "virt-10.0");
  ASSERT_EQ(compat.hidden.size(), 1u);
  EXPECT_EQ(compat.hidden[0].id, id(0x40200000200e0298));
  EXPECT_EQ(compat.hidden[0].name, "BOGUS_DBGDTR_EL0");
  ASSERT_EQ(compat.safe_missing.size(), 2u) << "a register may be both hidden and safe to miss";
  EXPECT_EQ(compat.safe_missing[0].reason, "Streams from QEMU 10.0.0-10.0.2 and 10.2 carry it");
  ASSERT_EQ(compat.values.size(), 2u);
  EXPECT_EQ(compat.values[0].rule, ValueRule::Kind::Pin);
  EXPECT_EQ(compat.values[0].value, std::optional<std::uint64_t>(0x10305609));
  EXPECT_EQ(compat.values[1].rule, ValueRule::Kind::Tolerate);
  EXPECT_EQ(compat.values[1].value, std::nullopt);
}

TEST(DbCompatFile, FixtureIsCanonical) {
  std::string text = testing::readFile(testing::fixturesDir() / "compat/virt-10.0.yaml");
  Outcome<CompatFile> loaded = loadCompatFileFromString(text, kPath);
  ASSERT_TRUE(loaded.ok()) << loaded.errorText();
  EXPECT_EQ(renderCompatFile(*loaded), text);
}

TEST(DbCompatFile, EveryBadEntryIsReported) {
  Outcome<CompatFile> loaded = loadCompatFile(testing::fixturesDir() / "compat/bad-rules.yaml");
  ASSERT_FALSE(loaded.ok());
  std::vector<std::string> lines;
  for (const Diagnostic &diagnostic : loaded.diagnostics()) {
    Diagnostic relative = diagnostic;
    relative.file = std::filesystem::path(diagnostic.file).filename().string();
    lines.push_back(relative.toString());
  }
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "bad-rules.yaml:5:13: register 0x40200000200e0298 appears twice in hidden (first "
                "at line 4)",
                "bad-rules.yaml:7:66: reason is empty: say why the rule exists",
                "bad-rules.yaml:8:13: index 0x6030000000170000 is not a valid register index: " +
                    RegisterId::fromIndex(0x6030000000170000).error(),
                "bad-rules.yaml:10:63: pin rule for 0x40200000200e0298, which this machine type "
                "hides (line 4): a hidden register is never restored, so its value cannot be "
                "pinned",
                "bad-rules.yaml:11:5: a pin rule needs the value to pin (value: 0x...)",
                "bad-rules.yaml:12:71: a tolerate rule takes no value",
                "bad-rules.yaml:13:63: unknown rule 'ignore' (expected pin or tolerate)",
                "bad-rules.yaml:14:39: name KVM_REG_ARM_VENDOR_HYP_BMAP_2 for 0x6030000000160003 "
                "contradicts the name VENDOR_HYP_BMAP_2 given at line 7",
            }));
}

TEST(DbCompatFile, StructuralErrors) {
  Diagnostic missing = testing::onlyDiagnostic(loadCompatFileFromString("schema_version: 1\n", kPath));
  EXPECT_EQ(missing.message, "compat file lacks required key 'machine_type'");
  Diagnostic unknown = testing::onlyDiagnostic(loadCompatFileFromString(
      "schema_version: 1\nmachine_type: virt-10.0\nhiden: []\n", kPath));
  EXPECT_EQ(unknown.line, 3u);
  EXPECT_EQ(unknown.message, "unknown key 'hiden' in compat file (expected one of: "
                             "schema_version, machine_type, hidden, safe_missing, values)");
  Diagnostic wrong_type = testing::onlyDiagnostic(loadCompatFileFromString(
      "schema_version: 1\nmachine_type: virt-10.0\nhidden: 0x40200000200e0298\n", kPath));
  EXPECT_EQ(wrong_type.message, "hidden: expected a list, found a plain value");
  Diagnostic bad_machine = testing::onlyDiagnostic(loadCompatFileFromString(
      "schema_version: 1\nmachine_type: virt 10.0\n", kPath));
  EXPECT_EQ(bad_machine.message,
            "machine type 'virt 10.0' may only hold letters, digits and '.+_-'");
  Outcome<CompatFile> typo = loadCompatFileFromString(
      "schema_version: 1\nmachine_type: virt-10.0\nsafe_missing:\n"
      "  - {index: 0x40200000200e0298, reasn: typo}\n",
      kPath);
  ASSERT_EQ(typo.diagnostics().size(), 2u) << typo.errorText();
  EXPECT_EQ(typo.diagnostics()[0].toString(),
            "compat/virt-10.0.yaml:4:33: unknown key 'reasn' in safe_missing entry (expected one "
            "of: index, name, reason)");
  EXPECT_EQ(typo.diagnostics()[1].toString(),
            "compat/virt-10.0.yaml:4:5: safe_missing entry lacks required key 'reason'");
}

TEST(DbCompatFile, ListsAreOptionalAndSavedInCanonicalOrder) {
  Outcome<CompatFile> loaded = loadCompatFileFromString(
      "machine_type: pc-q35-10.0\nschema_version: 1\nsafe_missing:\n"
      "  - {reason: b, index: 0x20300002000006a4}\n"
      "  - {index: 0x20300002000006a0, reason: a}\n",
      kPath);
  ASSERT_TRUE(loaded.ok()) << loaded.errorText();
  EXPECT_EQ(renderCompatFile(*loaded),
            "schema_version: 1\n"
            "machine_type: pc-q35-10.0\n"
            "hidden: []\n"
            "safe_missing:\n"
            "  - {index: 0x20300002000006a0, reason: a}\n"
            "  - {index: 0x20300002000006a4, reason: b}\n"
            "values: []\n");
}

TEST(DbCompatFile, ValidateAndSave) {
  CompatFile compat;
  compat.machine_type = "virt-10.0";
  compat.hidden.push_back({id(0x40200000200e0298), "BOGUS_DBGDTR_EL0", "bogus"});
  compat.values.push_back({id(0x40200000200e0298), "", ValueRule::Kind::Pin, 0, "pinned"});
  compat.values.push_back({id(0x603000000013d801), "CTR_EL0", ValueRule::Kind::Tolerate, 1, ""});
  std::vector<std::string> messages;
  for (const Diagnostic &diagnostic : validate(compat, "x.yaml")) messages.push_back(diagnostic.message);
  EXPECT_EQ(messages, (std::vector<std::string>{
                          "values 0x603000000013d801: reason is empty",
                          "values 0x40200000200e0298: pin rule for a register this machine type "
                          "hides",
                          "values 0x603000000013d801: a tolerate rule takes no value"}));
  TempDir dir;
  EXPECT_FALSE(saveCompatFile(compat, dir / "x.yaml").ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "x.yaml"));

  compat.values.clear();
  compat.values.push_back({id(0x603000000013d801), "CTR_EL0", ValueRule::Kind::Tolerate,
                           std::nullopt, "IDC/DIC"});
  Outcome<std::filesystem::path> saved = saveCompatFile(compat, dir / "x.yaml");
  ASSERT_TRUE(saved.ok()) << saved.errorText();
  Outcome<CompatFile> again = loadCompatFile(dir / "x.yaml");
  ASSERT_TRUE(again.ok()) << again.errorText();
  EXPECT_EQ(*again, compat);
  for (const auto &entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_FALSE(isAtomicWriteTemporary(entry.path().filename())) << entry.path();
  }
}

TEST(DbCompatFile, MissingFile) {
  TempDir dir;
  Diagnostic diagnostic = testing::onlyDiagnostic(loadCompatFile(dir / "none.yaml"));
  EXPECT_EQ(diagnostic.file, (dir / "none.yaml").string());
  EXPECT_PRED2(testing::startsWith, diagnostic.message, std::string("cannot read: "));
}

} // namespace
} // namespace regcompat::db
