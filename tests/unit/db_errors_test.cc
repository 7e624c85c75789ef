// Every kind of bad input gives file:line:col and a message that says what is
// wrong, and a load reports all of them.
#include <gtest/gtest.h>

#include "db_test_support.h"
#include "regcompat/db/loader.h"
#include "regcompat/db/saver.h"

namespace regcompat::db {
namespace {

using testing::TempDir;

constexpr const char *kPath = "db/releases/qemu/10.0.13.yaml";

// A valid release file whose only set holds `registers` (one per line,
// starting at line 10).
std::string releaseWith(const std::string &registers) {
  return "schema_version: 1\n"
         "release:\n"
         "  component: qemu\n"
         "  version: \"10.0.13\"\n"
         "register_sets:\n"
         "  - arch: arm64\n"
         "    accelerator: tcg\n"
         "    profile: max\n"
         "    registers:\n" +
         registers;
}

const std::string kGoodRegister =
    "      - {index: 0x6030000000139820, name: DBGDTR_EL0, flags: [const], value: 0x0, "
    "source: target/arm/debug_helper.c:999}\n";

// Where `token` starts in `text` (its `nth` occurrence), 1-based.
struct Place {
  unsigned line = 0, column = 0;
};
Place placeOf(const std::string &text, std::string_view token, int nth = 1) {
  std::size_t at = std::string::npos;
  for (int i = 0; i < nth; ++i) at = text.find(token, at == std::string::npos ? 0 : at + 1);
  EXPECT_NE(at, std::string::npos) << token;
  Place place{1, 1};
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++place.line;
      place.column = 1;
    } else {
      ++place.column;
    }
  }
  return place;
}

// Loads `text` as a release file and expects exactly one diagnostic, at
// `token`, with `message`.
void expectReleaseError(const std::string &text, std::string_view token, const std::string &message,
                        int nth = 1, std::string_view path = kPath) {
  Outcome<ReleaseFile> loaded = loadReleaseFromString(text, path);
  Diagnostic diagnostic = testing::onlyDiagnostic(loaded);
  Place place = placeOf(text, token, nth);
  EXPECT_EQ(diagnostic.file, path);
  EXPECT_EQ(diagnostic.line, place.line) << diagnostic.toString();
  EXPECT_EQ(diagnostic.column, place.column) << diagnostic.toString();
  EXPECT_EQ(diagnostic.message, message);
}

TEST(DbErrors, TheBaseReleaseFileIsValid) {
  Outcome<ReleaseFile> loaded = loadReleaseFromString(releaseWith(kGoodRegister), kPath);
  ASSERT_TRUE(loaded.ok()) << loaded.errorText();
  ASSERT_EQ(loaded->sets.size(), 1u);
  EXPECT_EQ(loaded->sets[0].key.toString(), "qemu/10.0.13/arm64/tcg/max");
}

TEST(DbErrors, UnknownKeyPointsAtTheKey) {
  std::string text = releaseWith("      - {index: 0x6030000000139820, flgas: [const], source: a.c:1}\n");
  expectReleaseError(text, "flgas",
                     "unknown key 'flgas' in register entry (expected one of: index, name, flags, "
                     "value, source, probe)");
}

TEST(DbErrors, DiagnosticPrintsInCompilerForm) {
  std::string text = releaseWith("      - {index: 0x6030000000139820, flgas: [const], source: a.c:1}\n");
  Outcome<ReleaseFile> loaded = loadReleaseFromString(text, kPath);
  ASSERT_FALSE(loaded.ok());
  EXPECT_PRED2(testing::startsWith, loaded.errorText(), ("db/releases/qemu/10.0.13.yaml:10:37: unknown key 'flgas'"));
  EXPECT_EQ(loaded.errorText().back(), '\n');
}

TEST(DbErrors, MissingRequiredKeyPointsAtTheMap) {
  std::string text = releaseWith("      - {name: DBGDTR_EL0, source: a.c:1}\n");
  expectReleaseError(text, "{name", "register entry lacks required key 'index'");
}

TEST(DbErrors, MissingTopLevelKeyPointsAtTheDocument) {
  std::string text = "schema_version: 1\nrelease: {component: qemu, version: \"10.0.13\"}\n";
  expectReleaseError(text, "schema_version", "release file lacks required key 'register_sets'");
}

TEST(DbErrors, EmptyValueOfARequiredKeyPointsAtTheKey) {
  std::string text = releaseWith("      - index:\n        source: a.c:1\n");
  expectReleaseError(text, "index", "index: expected a hex number (0x...), found nothing (null)");
}

TEST(DbErrors, BadHex) {
  std::string text = releaseWith("      - {index: 0xZZ, source: a.c:1}\n");
  expectReleaseError(text, "0xZZ", "index: '0xZZ' is not a hex number (0x and 1 to 16 hex digits)");
}

TEST(DbErrors, HexTooLong) {
  std::string text = releaseWith("      - {index: 0x16030000000139820, source: a.c:1}\n");
  expectReleaseError(text, "0x1603",
                     "index: '0x16030000000139820' is not a hex number (0x and 1 to 16 hex digits)");
}

TEST(DbErrors, QuotedNumberIsAWrongType) {
  std::string text = releaseWith("      - {index: \"0x6030000000139820\", source: a.c:1}\n");
  expectReleaseError(text, "\"0x60", "index: expected a hex number (0x...), found a quoted string");
}

TEST(DbErrors, InvalidRegisterIndexGivesTheModelsReason) {
  std::string text = releaseWith("      - {index: 0x1234, source: a.c:1}\n");
  Outcome<ReleaseFile> loaded = loadReleaseFromString(text, kPath);
  Diagnostic diagnostic = testing::onlyDiagnostic(loaded);
  EXPECT_EQ(diagnostic.line, 10u);
  EXPECT_EQ(diagnostic.column, placeOf(text, "0x1234").column);
  Result<RegisterId> reason = RegisterId::fromIndex(0x1234);
  ASSERT_FALSE(reason.ok());
  EXPECT_PRED2(testing::contains, diagnostic.message, ("is not a valid register index"));
  EXPECT_PRED2(testing::contains, diagnostic.message, (reason.error()));
}

TEST(DbErrors, RegisterOfAnotherArchitecture) {
  std::string text = releaseWith("      - {index: 0x2030000200000010, source: a.c:1}\n");
  expectReleaseError(text, "0x2030",
                     "register 0x2030000200000010 is an x86_64 register, which an arm64 register "
                     "set cannot hold");
}

TEST(DbErrors, Arm64SetsMayHoldArm32Views) {
  std::string text = releaseWith("      - {index: 0x40200000200e0280, source: a.c:1}\n");
  EXPECT_TRUE(loadReleaseFromString(text, kPath).ok());
}

TEST(DbErrors, DuplicateIndexWithinASet) {
  std::string text = releaseWith(kGoodRegister +
                                 "      - {index: 0x6030000000139820, source: b.c:2}\n");
  expectReleaseError(text, "0x6030000000139820",
                     "register 0x6030000000139820 appears twice in this register set (first at "
                     "line 10)",
                     2);
}

TEST(DbErrors, DuplicateSetKey) {
  std::string set = "  - arch: arm64\n    accelerator: tcg\n    profile: max\n    registers: []\n";
  std::string text = "schema_version: 1\nrelease: {component: qemu, version: \"10.0.13\"}\n"
                     "register_sets:\n" + set + set;
  expectReleaseError(text, "arch", "register set arm64/tcg/max is defined twice in this release "
                                   "(first at line 4)",
                     2);
}

TEST(DbErrors, WrongSchemaVersion) {
  std::string text = releaseWith(kGoodRegister);
  text.replace(text.find("schema_version: 1"), 17, "schema_version: 2");
  expectReleaseError(text, "2", "unsupported schema_version 2 (this regcompat reads version 1)");
}

TEST(DbErrors, WrongTypes) {
  expectReleaseError(releaseWith("      - {index: 0x6030000000139820, flags: const, source: a.c:1}\n"),
                     "const", "flags: expected a list, found a plain value");
  expectReleaseError("schema_version: 1\nrelease: qemu\nregister_sets: []\n", "qemu",
                     "release: expected a map, found a plain value");
  expectReleaseError(
      "schema_version: 1\nrelease: {component: qemu, version: \"10.0.13\"}\nregister_sets: {}\n",
      "{}", "register_sets: expected a list, found a map");
  expectReleaseError(releaseWith("      - [0x6030000000139820]\n"), "[0x",
                     "register entry: expected a map, found a list");
  expectReleaseError("", "", "release file: expected a map, found nothing (null)", 1);
}

TEST(DbErrors, YamlSyntaxErrorHasItsPosition) {
  std::string text = releaseWith("      - {index: 0x6030000000139820, flags: [const}\n");
  Outcome<ReleaseFile> loaded = loadReleaseFromString(text, kPath);
  Diagnostic diagnostic = testing::onlyDiagnostic(loaded);
  EXPECT_EQ(diagnostic.line, 10u) << diagnostic.toString();
  EXPECT_GT(diagnostic.column, 0u);
  EXPECT_PRED2(testing::startsWith, diagnostic.message, ("YAML syntax error: "));
}

TEST(DbErrors, TabIndentationIsASyntaxError) {
  Outcome<ReleaseFile> loaded =
      loadReleaseFromString("schema_version: 1\nrelease:\n\tcomponent: qemu\n", kPath);
  Diagnostic diagnostic = testing::onlyDiagnostic(loaded);
  EXPECT_EQ(diagnostic.line, 3u) << diagnostic.toString();
  EXPECT_PRED2(testing::startsWith, diagnostic.message, ("YAML syntax error: "));
}

TEST(DbErrors, DuplicateKeyInAMap) {
  std::string text = releaseWith(
      "      - {index: 0x6030000000139820, index: 0x6030000000139828, source: a.c:1}\n");
  expectReleaseError(text, "index", "duplicate key 'index' in register entry (first given at line 10)", 2);
}

TEST(DbErrors, FileMustAgreeWithItsPath) {
  std::string text = releaseWith(kGoodRegister);
  expectReleaseError(text, "qemu",
                     "component qemu disagrees with the file's directory 'linux' (release files "
                     "live in releases/<component>/<version>.yaml)",
                     1, "db/releases/linux/10.0.13.yaml");
  expectReleaseError(text, "\"10.0.13\"",
                     "version 10.0.13 disagrees with the file name '10.0.12.yaml' (release files "
                     "are named <version>.yaml)",
                     1, "db/releases/qemu/10.0.12.yaml");
}

TEST(DbErrors, Provenance) {
  expectReleaseError(releaseWith("      - {index: 0x6030000000139820}\n"), "{index",
                     "register entry lacks its provenance (source: FILE:LINE or probe: KIND:DETAIL)");
  expectReleaseError(
      releaseWith("      - {index: 0x6030000000139820, source: a.c:1, probe: kvm:KVM_GET_REG_LIST}\n"),
      "probe", "a register entry has one provenance: source or probe, not both");
  expectReleaseError(releaseWith("      - {index: 0x6030000000139820, source: helper.c}\n"),
                     "helper.c",
                     "source 'helper.c' is not FILE:LINE (e.g. target/arm/helper.c:1234)");
  expectReleaseError(releaseWith("      - {index: 0x6030000000139820, probe: qmp:query-cpus}\n"),
                     "qmp", "probe 'qmp:query-cpus' is not KIND:DETAIL with KIND one of: kvm, "
                            "qemu, stream (e.g. kvm:KVM_GET_REG_LIST)");
  EXPECT_TRUE(loadReleaseFromString(
                  releaseWith("      - {index: 0x6030000000139820, probe: \"qemu:1:11.1.3+ds-1,-M,virt-10.0,-cpu,max\"}\n"),
                  kPath)
                  .ok());
  EXPECT_TRUE(loadReleaseFromString(
                  releaseWith("      - {index: 0x6030000000139820, probe: stream:migration.bin}\n"),
                  kPath)
                  .ok());
}

TEST(DbErrors, Flags) {
  std::string text = releaseWith("      - {index: 0x6030000000139820, flags: [cosnt], source: a.c:1}\n");
  Outcome<ReleaseFile> loaded = loadReleaseFromString(text, kPath);
  Diagnostic diagnostic = testing::onlyDiagnostic(loaded);
  EXPECT_EQ(diagnostic.column, placeOf(text, "cosnt").column);
  EXPECT_PRED2(testing::startsWith, diagnostic.message, ("unknown flag 'cosnt' (known flags: "));
  expectReleaseError(
      releaseWith("      - {index: 0x6030000000139820, flags: [const, const], source: a.c:1}\n"),
      "const", "flag const is given twice", 2);
}

TEST(DbErrors, FlagsComeBackSorted) {
  Outcome<ReleaseFile> loaded = loadReleaseFromString(
      releaseWith("      - {index: 0x6030000000139820, flags: [no_gdb, const], source: a.c:1}\n"),
      kPath);
  ASSERT_TRUE(loaded.ok()) << loaded.errorText();
  EXPECT_EQ(loaded->sets[0].registers[0].flags, (std::vector<std::string>{"const", "no_gdb"}));
}

TEST(DbErrors, ReleaseFields) {
  std::string text = releaseWith(kGoodRegister);
  std::string dated = text;
  dated.insert(dated.find("register_sets"), "  date: \"2025-02-30\"\n");
  expectReleaseError(dated, "\"2025-02-30\"",
                     "date '2025-02-30' is not a calendar date in YYYY-MM-DD form");
  std::string component = text;
  component.replace(component.find("component: qemu"), 15, "component: xen");
  expectReleaseError(component, "xen", "unknown component 'xen' (expected one of: linux, qemu)");
}

TEST(DbErrors, BadRegisterName) {
  expectReleaseError(releaseWith("      - {index: 0x6030000000139820, name: \"DBG DTR\", source: a.c:1}\n"),
                     "\"DBG DTR\"",
                     "register name 'DBG DTR' may only hold letters, digits, '_' and '.'");
}

TEST(DbErrors, UnsupportedYamlFeatures) {
  expectReleaseError(
      releaseWith("      - {index: &i 0x6030000000139820, source: a.c:1}\n"
                  "      - {index: *i, source: a.c:1}\n"),
      "*i", "YAML aliases (*name) are not supported; write the value out");
  expectReleaseError(releaseWith("      - {index: !!int 5, source: a.c:1}\n"), "!!int",
                     "YAML tags (tag:yaml.org,2002:int) are not supported");
  Outcome<ReleaseFile> two = loadReleaseFromString(releaseWith(kGoodRegister) + "---\na: 1\n", kPath);
  Diagnostic diagnostic = testing::onlyDiagnostic(two);
  EXPECT_EQ(diagnostic.message, "a file holds one YAML document; a second one starts here");
  EXPECT_EQ(diagnostic.line, 11u);
}

TEST(DbErrors, DeepNestingIsRefused) {
  std::string text = "schema_version: 1\nrelease: " + std::string(5000, '[') + "\n";
  Diagnostic diagnostic = testing::onlyDiagnostic(loadReleaseFromString(text, kPath));
  EXPECT_EQ(diagnostic.message, "nesting deeper than 32 levels");
  EXPECT_EQ(diagnostic.line, 2u);
}

TEST(DbErrors, ReportsEveryErrorOfAFileInOrder) {
  std::string text = releaseWith(
      "      - {index: 0xZZ, source: a.c:1}\n"
      "      - {index: 0x6030000000139820, flags: [cosnt], source: a.c:1}\n"
      "      - {index: 0x6030000000139828}\n");
  Outcome<ReleaseFile> loaded = loadReleaseFromString(text, kPath);
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.diagnostics().size(), 3u) << loaded.errorText();
  EXPECT_EQ(loaded.diagnostics()[0].line, 10u);
  EXPECT_EQ(loaded.diagnostics()[1].line, 11u);
  EXPECT_EQ(loaded.diagnostics()[2].line, 12u);
}

TEST(DbErrors, CapsTheNumberOfDiagnostics) {
  std::string registers;
  for (int i = 0; i < 300; ++i) registers += "      - {index: 0xZZ, source: a.c:1}\n";
  Outcome<ReleaseFile> loaded = loadReleaseFromString(releaseWith(registers), kPath);
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.diagnostics().size(), kMaxDiagnostics + 1);
  EXPECT_EQ(loaded.diagnostics().back().message, "too many errors; stopped after 100");
  EXPECT_EQ(loaded.diagnostics()[99].line, 109u);
}

// --- catalogue files -------------------------------------------------------

constexpr const char *kCataloguePath = "db/catalogue/arm64.yaml";

std::string catalogueWith(const std::string &entries) {
  return "schema_version: 1\narch: arm64\nregisters:\n" + entries;
}

void expectCatalogueError(const std::string &text, std::string_view token,
                          const std::string &message, int nth = 1,
                          std::string_view path = kCataloguePath) {
  Outcome<Catalogue> loaded = loadCatalogueFromString(text, path);
  Diagnostic diagnostic = testing::onlyDiagnostic(loaded);
  Place place = placeOf(text, token, nth);
  EXPECT_EQ(diagnostic.file, path);
  EXPECT_EQ(diagnostic.line, place.line) << diagnostic.toString();
  EXPECT_EQ(diagnostic.column, place.column) << diagnostic.toString();
  EXPECT_EQ(diagnostic.message, message);
}

TEST(DbCatalogueErrors, DecodedFieldsMustAgreeWithTheIndex) {
  std::string good = catalogueWith(
      "  - {index: 0x6030000000139828, name: DBGDTRTX_EL0, decoded: {op0: 2, op1: 3, crn: 0, "
      "crm: 5, op2: 0}}\n");
  ASSERT_TRUE(loadCatalogueFromString(good, kCataloguePath).ok());
  std::string text = catalogueWith(
      "  - {index: 0x6030000000139828, name: DBGDTRTX_EL0, decoded: {op0: 2, op1: 3, crn: 0, "
      "crm: 4, op2: 0}}\n");
  expectCatalogueError(text, "4, op2",
                       "decoded crm is 4, but index 0x6030000000139828 has crm 5");
}

TEST(DbCatalogueErrors, DecodedKeysBelongToTheRegistersFamily) {
  std::string text = catalogueWith(
      "  - {index: 0x6030000000139828, name: DBGDTRTX_EL0, decoded: {cp: 14, op0: 2, op1: 3, "
      "crn: 0, crm: 5, op2: 0}}\n");
  expectCatalogueError(text, "cp",
                       "unknown key 'cp' in decoded fields of 0x6030000000139828 (expected one "
                       "of: op0, op1, crn, crm, op2)");
  std::string arm32 = "schema_version: 1\narch: arm32\nregisters:\n"
                      "  - {index: 0x40200000200e0298, name: BOGUS_DBGDTR_EL0, decoded: {cp: 14, "
                      "is64: false, ns: true, opc1: 0, crn: 0, crm: 5, opc2: 0}}\n";
  expectCatalogueError(arm32, "0, crn",
                       "decoded opc1 is 0, but index 0x40200000200e0298 has opc1 3", 1,
                       "db/catalogue/arm32.yaml");
}

TEST(DbCatalogueErrors, DuplicateIndexAndName) {
  expectCatalogueError(catalogueWith("  - {index: 0x6030000000139828, name: A}\n"
                                     "  - {index: 0x6030000000139828, name: B}\n"),
                       "0x6030000000139828",
                       "register 0x6030000000139828 is catalogued twice (first at line 4)", 2);
  expectCatalogueError(catalogueWith("  - {index: 0x6030000000139828, name: A}\n"
                                     "  - {index: 0x6030000000139820, name: A}\n"),
                       "A}", "name A is given to two registers (first at line 4)", 2);
}

TEST(DbCatalogueErrors, ArchitectureMustMatchFileAndIndexes) {
  expectCatalogueError(catalogueWith("  - {index: 0x40200000200e0280, name: DBGDTRTX}\n"),
                       "0x4020",
                       "register 0x40200000200e0280 is an arm32 register; this catalogue holds "
                       "arm64 registers only");
  expectCatalogueError("schema_version: 1\narch: arm64\nregisters: []\n", "arm64",
                       "arch arm64 disagrees with the file name 'x86_64.yaml' (catalogue files "
                       "are named catalogue/<arch>.yaml)",
                       1, "db/catalogue/x86_64.yaml");
}

// --- whole directories -----------------------------------------------------

TEST(DbDirectoryErrors, NameContradictingTheCatalogue) {
  TempDir dir;
  testing::writeMinimalDatabase(dir.path());
  std::string text = releaseWith("      - {index: 0x6030000000139820, name: DBGDTRRX_EL0, source: a.c:1}\n");
  testing::writeFile(dir / "releases/qemu/10.0.13.yaml", text);
  Outcome<Database> loaded = loadDatabase(dir.path());
  Diagnostic diagnostic = testing::onlyDiagnostic(loaded);
  EXPECT_EQ(diagnostic.file, (dir / "releases/qemu/10.0.13.yaml").string());
  EXPECT_EQ(diagnostic.line, 10u);
  EXPECT_EQ(diagnostic.column, placeOf(text, "DBGDTRRX_EL0").column);
  EXPECT_EQ(diagnostic.message, "name DBGDTRRX_EL0 contradicts the catalogue, which names "
                                "0x6030000000139820 DBGDTR_EL0");
}

TEST(DbDirectoryErrors, LinksOutOfTheDatabaseAreNotRead) {
  namespace fs = std::filesystem;
  TempDir outside;
  testing::writeFile(outside / "shadow", "root:SECRET-HASH:19000:0:99999:7:::\n");
  TempDir dir;
  testing::copySample(dir.path());
  fs::remove(dir / "releases/qemu/10.0.13.yaml");
  fs::create_symlink(outside / "shadow", dir / "releases/qemu/10.0.13.yaml");
  Diagnostic d = testing::onlyDiagnostic(loadDatabase(dir.path()));
  EXPECT_EQ(d.file, (dir / "releases/qemu/10.0.13.yaml").string());
  EXPECT_EQ(d.message, "a link out of the database directory: refused");
  EXPECT_EQ(d.message.find("SECRET"), std::string::npos);
  // A link that stays inside the database is followed.
  TempDir inside;
  testing::copySample(inside.path());
  fs::create_directories(inside / ".kept");
  fs::rename(inside / "releases/qemu/10.0.13.yaml", inside / ".kept/10.0.13.yaml");
  fs::create_symlink("../../.kept/10.0.13.yaml", inside / "releases/qemu/10.0.13.yaml");
  EXPECT_TRUE(loadDatabase(inside.path()).ok());
}

TEST(DbDirectoryErrors, TextThatIsNotUtf8IsRefusedWithItsPlace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("schema_version: 1\nrelease:\n  notes: caf\xe9\n"), "invalid UTF-8 (byte 0xe9)"},
      {std::string("schema_version: 1\n") + '\0', "a NUL byte: not text"},
      {std::string("\xff\xfes") + '\0' + 'c' + '\0', "UTF-16 text (byte-order mark): YAML files must be UTF-8"},
      {std::string("a: \xc0\xaf\n"), "invalid UTF-8 (byte 0xc0)"},  // overlong '/'
  };
  for (const auto &[text, message] : cases) {
    TempDir dir;
    testing::writeMinimalDatabase(dir.path());
    testing::writeFile(dir / "releases/qemu/10.0.13.yaml", text);
    Diagnostic d = testing::onlyDiagnostic(loadDatabase(dir.path()));
    EXPECT_PRED2(testing::startsWith, d.message, message) << text;
  }
  TempDir dir;
  testing::writeMinimalDatabase(dir.path());
  testing::writeFile(dir / "releases/qemu/10.0.13.yaml", std::string("schema_version: 1\nrelease:\n  notes: caf\xe9\n"));
  Diagnostic d = testing::onlyDiagnostic(loadDatabase(dir.path()));
  EXPECT_EQ(d.line, 3u);
  EXPECT_EQ(d.column, 13u);
}

TEST(DbDirectoryErrors, NotADatabase) {
  TempDir dir;
  Diagnostic missing = testing::onlyDiagnostic(loadDatabase(dir.path()));
  EXPECT_EQ(missing.file, (dir / "regcompat-db.yaml").string());
  EXPECT_EQ(missing.message, "missing: every database directory holds a regcompat-db.yaml");
  Diagnostic absent = testing::onlyDiagnostic(loadDatabase(dir / "nowhere"));
  EXPECT_EQ(absent.message, "not a directory (a database is a directory holding regcompat-db.yaml)");
}

TEST(DbDirectoryErrors, StrayEntries) {
  TempDir dir;
  testing::writeMinimalDatabase(dir.path());
  testing::writeFile(dir / "releases/qmeu/7.2.yaml", "");
  testing::writeFile(dir / "releases/qemu/notes.txt", "");
  testing::writeFile(dir / "releases/qemu/.10.0.13.yaml.tmp.1.2.3", "garbage: [");
  testing::writeFile(dir / "catalogue/arm64.yml", "");
  testing::writeFile(dir / "README.md", "a database");
  Outcome<Database> loaded = loadDatabase(dir.path());
  ASSERT_FALSE(loaded.ok());
  std::vector<std::string> messages;
  for (const Diagnostic &diagnostic : loaded.diagnostics()) {
    messages.push_back(std::filesystem::path(diagnostic.file).lexically_relative(dir.path()).string() +
                       ": " + diagnostic.message);
  }
  EXPECT_EQ(messages,
            (std::vector<std::string>{
                "catalogue/arm64.yml: unexpected entry: catalogue/ holds <arch>.yaml files only",
                "releases/qemu/notes.txt: unexpected entry: releases/<component>/ holds "
                "<version>.yaml files only",
                "releases/qmeu: unknown component 'qmeu' (expected one of: linux, qemu)"}));
}

TEST(DbDirectoryErrors, CollectsTheErrorsOfEveryFile) {
  std::filesystem::path dir = testing::fixturesDir() / "broken-database";
  Outcome<Database> loaded = loadDatabase(dir);
  ASSERT_FALSE(loaded.ok());
  std::vector<std::string> lines;
  for (const Diagnostic &diagnostic : loaded.diagnostics()) {
    Diagnostic relative = diagnostic;
    relative.file = std::filesystem::path(diagnostic.file).lexically_relative(dir).string();
    lines.push_back(relative.toString());
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "regcompat-db.yaml:1:17: unsupported schema_version 2 (this regcompat "
                       "reads version 1)",
                       "catalogue/arm64.yaml:5:39: name DBGDTR_EL0 is given to two registers "
                       "(first at line 4)",
                       "releases/linux/6.12.yaml:10:37: unknown key 'sorce' in register entry "
                       "(expected one of: index, name, flags, value, source, probe)",
                       "releases/linux/6.12.yaml:10:9: register entry lacks its provenance "
                       "(source: FILE:LINE or probe: KIND:DETAIL)",
                       "releases/qemu/10.0.13.yaml:4:12: version 10.0.14 disagrees with the file "
                       "name '10.0.13.yaml' (release files are named <version>.yaml)",
                       "releases/qemu/10.0.13.yaml:10:17: index: '0x60300000001398zz' is not a "
                       "hex number (0x and 1 to 16 hex digits)",
                   }))
      << loaded.errorText();
}

TEST(DbDirectoryErrors, SavingRefusesADanglingReferenceAndWritesNothing) {
  Database db;
  db.name = "dangling";
  RegisterSet set;
  set.key = SetKey::parse("qemu/9.9/arm64/tcg/max").value();
  db.sets.push_back(set);
  std::vector<Diagnostic> problems = validate(db);
  ASSERT_EQ(problems.size(), 1u) << testing::describe(problems);
  EXPECT_EQ(problems[0].file, "releases/qemu/9.9.yaml");
  EXPECT_EQ(problems[0].message,
            "register set qemu/9.9/arm64/tcg/max: its release qemu/9.9 is not declared");
  TempDir dir;
  Outcome<SaveReport> saved = saveDatabase(db, dir / "db");
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.diagnostics()[0].file, (dir / "db/releases/qemu/9.9.yaml").string());
  EXPECT_FALSE(std::filesystem::exists(dir / "db"));
}

TEST(DbDirectoryErrors, ValidateChecksWhatTheLoaderChecks) {
  Database db;
  db.name = "bad";
  db.releases.push_back(Release{"qemu", "10.0.13", std::nullopt, "2025-13-01", ""});
  db.releases.push_back(Release{"qemu", "10.0.13", std::nullopt, std::nullopt, ""});
  ASSERT_TRUE(db.catalogue.add({RegisterId::fromIndex(0x6030000000139820).value(), "DBGDTR_EL0", ""}));
  RegisterSet set;
  set.key = SetKey::parse("qemu/10.0.13/arm64/tcg/max").value();
  set.registers.push_back(RegisterEntry{RegisterId::fromIndex(0x6030000000139820).value(), "FOO",
                                        {"cosnt"}, std::nullopt, {Provenance::Kind::Source, "a.c"}});
  set.registers.push_back(RegisterEntry{RegisterId::fromIndex(0x2030000200000010).value(), "",
                                        {}, std::nullopt, {Provenance::Kind::Probe, "kvm:X"}});
  db.sets.push_back(set);
  db.sets.push_back(set);
  std::vector<std::string> messages;
  for (const Diagnostic &diagnostic : validate(db)) messages.push_back(diagnostic.message);
  EXPECT_EQ(messages,
            (std::vector<std::string>{
                "release: date '2025-13-01' is not a calendar date in YYYY-MM-DD form",
                "release qemu/10.0.13 is declared twice",
                "register set qemu/10.0.13/arm64/tcg/max: register 0x6030000000139820: name FOO "
                "contradicts the catalogue's DBGDTR_EL0",
                "register set qemu/10.0.13/arm64/tcg/max: register 0x6030000000139820: unknown "
                "flag 'cosnt' (known flags: 64bit, add_tlbi_nxs, alias, const, currentel, "
                "dc_gva, dc_gzva, dc_zva, el3_no_el2_c_nz, el3_no_el2_keep, el3_no_el2_undef, "
                "fpu, io, newel, no_gdb, no_raw, nop, nzcv, override, raises_exc, sme, special, "
                "suppress_tb_end, sve, wfi)",
                "register set qemu/10.0.13/arm64/tcg/max: register 0x6030000000139820: source "
                "'a.c' is not FILE:LINE (e.g. target/arm/helper.c:1234)",
                "register set qemu/10.0.13/arm64/tcg/max: register 0x2030000200000010: an x86_64 "
                "register, which an arm64 register set cannot hold",
                "register set qemu/10.0.13/arm64/tcg/max: defined twice",
                "register set qemu/10.0.13/arm64/tcg/max: register 0x6030000000139820: name FOO "
                "contradicts the catalogue's DBGDTR_EL0",
                "register set qemu/10.0.13/arm64/tcg/max: register 0x6030000000139820: unknown "
                "flag 'cosnt' (known flags: 64bit, add_tlbi_nxs, alias, const, currentel, "
                "dc_gva, dc_gzva, dc_zva, el3_no_el2_c_nz, el3_no_el2_keep, el3_no_el2_undef, "
                "fpu, io, newel, no_gdb, no_raw, nop, nzcv, override, raises_exc, sme, special, "
                "suppress_tb_end, sve, wfi)",
                "register set qemu/10.0.13/arm64/tcg/max: register 0x6030000000139820: source "
                "'a.c' is not FILE:LINE (e.g. target/arm/helper.c:1234)",
                "register set qemu/10.0.13/arm64/tcg/max: register 0x2030000200000010: an x86_64 "
                "register, which an arm64 register set cannot hold",
            }));
}

} // namespace
} // namespace regcompat::db
