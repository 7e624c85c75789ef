// Saving: atomic file replacement, no temporary files left behind, stale
// files removed only once the new ones are in place.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <thread>

#include "db_test_support.h"
#include "regcompat/db/atomic_file.h"
#include "regcompat/db/file_text.h"
#include "regcompat/db/loader.h"
#include "regcompat/db/saver.h"

namespace regcompat::db {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Every entry of `dir` (hidden ones too), recursively.
std::vector<std::string> allEntries(const fs::path &dir) {
  std::vector<std::string> names;
  for (const auto &entry : fs::recursive_directory_iterator(dir)) {
    names.push_back(fs::relative(entry.path(), dir).string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool anyTemporary(const fs::path &dir) {
  for (const auto &entry : fs::recursive_directory_iterator(dir)) {
    if (isAtomicWriteTemporary(entry.path().filename())) return true;
  }
  return false;
}

Database sampleDb() { return loadDatabase(testing::sampleDir()).value(); }

TEST(DbAtomicWrite, WritesAndReplacesLeavingNoTemporaryFile) {
  TempDir dir;
  fs::path file = dir / "a.yaml";
  ASSERT_TRUE(writeFileAtomically(file, "first\n").ok());
  EXPECT_EQ(testing::readFile(file), "first\n");
  ASSERT_TRUE(writeFileAtomically(file, "second\n").ok());
  EXPECT_EQ(testing::readFile(file), "second\n");
  EXPECT_EQ(allEntries(dir.path()), std::vector<std::string>{"a.yaml"});
}

TEST(DbAtomicWrite, NewFilesGetTheUmaskMode) {
  TempDir dir;
  mode_t old_mask = ::umask(022);
  Status written = writeFileAtomically(dir / "m.yaml", "x");
  ::umask(old_mask);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(fs::status(dir / "m.yaml").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
}

TEST(DbAtomicWrite, FailureLeavesTheTargetUntouchedAndNoTemporaryFile) {
  TempDir dir;
  Status no_parent = writeFileAtomically(dir / "missing/a.yaml", "x");
  ASSERT_FALSE(no_parent.ok());
  EXPECT_PRED2(testing::startsWith, no_parent.error(),
               (dir / "missing/a.yaml").string() + ": cannot create a temporary file: ");
  // A directory where the file should go: refused, before any write.
  fs::create_directory(dir / "squatter.yaml");
  testing::writeFile(dir / "squatter.yaml/keep", "kept");
  Status over_directory = writeFileAtomically(dir / "squatter.yaml", "x");
  ASSERT_FALSE(over_directory.ok());
  EXPECT_EQ(over_directory.error(), (dir / "squatter.yaml").string() + ": is a directory");
  EXPECT_EQ(testing::readFile(dir / "squatter.yaml/keep"), "kept");
  EXPECT_EQ(allEntries(dir.path()), (std::vector<std::string>{"squatter.yaml", "squatter.yaml/keep"}));
}

TEST(DbAtomicWrite, ReplacingKeepsTheModeAndLinksStayLinks) {
  TempDir dir;
  testing::writeFile(dir / "secret.yaml", "old");
  fs::permissions(dir / "secret.yaml", fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(writeFileAtomically(dir / "secret.yaml", "new").ok());
  EXPECT_EQ(fs::status(dir / "secret.yaml").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink("secret.yaml", dir / "link.yaml");
  ASSERT_TRUE(writeFileAtomically(dir / "link.yaml", "through the link").ok());
  EXPECT_TRUE(fs::is_symlink(dir / "link.yaml"));
  EXPECT_EQ(testing::readFile(dir / "secret.yaml"), "through the link");
}

TEST(DbAtomicWrite, SpecialFilesAreWrittenIntoNotReplaced) {
  TempDir dir;
  const fs::path fifo = dir / "out.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = testing::readFile(fifo); });
  ASSERT_TRUE(writeFileAtomically(fifo, "into the pipe\n").ok());
  reader.join();
  EXPECT_EQ(got, "into the pipe\n");
  EXPECT_TRUE(fs::is_fifo(fifo));
  // A device that refuses the write reports it; it is not replaced.
  Status full = writeFileAtomically("/dev/full", "x");
  ASSERT_FALSE(full.ok());
  EXPECT_PRED2(testing::contains, full.error(), std::string("/dev/full: cannot write"));
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST(DbAtomicWrite, SeveralFilesAllOrNone) {
  TempDir dir;
  testing::writeFile(dir / "b.h", "old b");
  Status failed = writeFilesAtomically({{dir / "a.h", "a"}, {dir / "b.h", "new b"}, {dir / "no/c.h", "c"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(allEntries(dir.path()), std::vector<std::string>{"b.h"});
  EXPECT_EQ(testing::readFile(dir / "b.h"), "old b");
  ASSERT_TRUE(writeFilesAtomically({{dir / "a.h", "a"}, {dir / "b.h", "new b"}}).ok());
  EXPECT_EQ(testing::readFile(dir / "a.h"), "a");
  EXPECT_EQ(testing::readFile(dir / "b.h"), "new b");
}

TEST(DbInputFile, RefusesWhatIsNotARegularFileOrTooLarge) {
  TempDir dir;
  auto zero = readInputFile("/dev/zero");
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error(), "/dev/zero: a character device, not a regular file");
  const fs::path fifo = dir / "in.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto pipe = readInputFile(fifo);  // must not wait for a writer
  ASSERT_FALSE(pipe.ok());
  EXPECT_PRED2(testing::contains, pipe.error(), std::string("a FIFO, not a regular file"));
  testing::writeFile(dir / "big", std::string(2000, 'x'));
  auto big = readInputFile(dir / "big", 1000);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error(), (dir / "big").string() + ": larger than 1000 bytes (2000 bytes)");
  EXPECT_EQ(readInputFile(dir / "big", 2000).value(), std::string(2000, 'x'));
}

TEST(DbReplace, WholeDirectoryAtOnceKeepingUnmanagedFilesAndClearingLeftovers) {
  TempDir dir;
  testing::copySample(dir / "db");
  testing::writeFile(dir / "db/README.md", "notes about this database\n");
  // What a killed run leaves: a hidden staging sibling.
  testing::writeFile(dir / ".db.staging.999/releases/qemu/7.2.yaml", "half");
  Database db = sampleDb();
  std::erase_if(db.releases, [](const Release &r) { return r.version == "7.2"; });
  std::erase_if(db.sets, [](const RegisterSet &s) { return s.key.release == "7.2"; });
  ASSERT_TRUE(replaceDatabase(db, dir / "db").ok());
  EXPECT_EQ(testing::readFile(dir / "db/README.md"), "notes about this database\n");
  EXPECT_FALSE(fs::exists(dir / "db/releases/qemu/7.2.yaml"));
  EXPECT_EQ(allEntries(dir.path()).front(), "db");  // no staging directory left
  for (const std::string &entry : allEntries(dir.path())) EXPECT_EQ(entry.rfind(".db.staging", 0), std::string::npos);
  Outcome<Database> loaded = loadDatabase(dir / "db");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->releases.size(), db.releases.size());
  // A new directory, and one that is not a database.
  ASSERT_TRUE(replaceDatabase(db, dir / "fresh").ok());
  EXPECT_TRUE(loadDatabase(dir / "fresh").ok());
  testing::writeFile(dir / "other/file.txt", "x");
  EXPECT_FALSE(replaceDatabase(db, dir / "other").ok());
  EXPECT_EQ(testing::readFile(dir / "other/file.txt"), "x");
}

TEST(DbAtomicWrite, RecognisesItsTemporaryNames) {
  EXPECT_TRUE(isAtomicWriteTemporary(".10.0.13.yaml.tmp.123.0.456"));
  EXPECT_FALSE(isAtomicWriteTemporary("10.0.13.yaml"));
  EXPECT_FALSE(isAtomicWriteTemporary(".gitignore"));
}

TEST(DbSave, RemovesStaleReleaseFilesAndKeepsUnrelatedFiles) {
  TempDir dir;
  testing::copySample(dir.path());
  testing::writeFile(dir / "README.md", "notes about this database\n");
  Database db = sampleDb();
  std::erase_if(db.releases, [](const Release &r) { return r.version == "7.2"; });
  std::erase_if(db.sets, [](const RegisterSet &s) { return s.key.release == "7.2"; });
  Outcome<SaveReport> saved = saveDatabase(db, dir.path());
  ASSERT_TRUE(saved.ok()) << saved.errorText();
  EXPECT_EQ(saved->removed, std::vector<fs::path>{dir / "releases/qemu/7.2.yaml"});
  EXPECT_TRUE(saved->written.empty());
  EXPECT_FALSE(fs::exists(dir / "releases/qemu/7.2.yaml"));
  EXPECT_TRUE(fs::exists(dir / "README.md"));
  EXPECT_FALSE(anyTemporary(dir.path()));
  Outcome<Database> again = loadDatabase(dir.path());
  ASSERT_TRUE(again.ok()) << again.errorText();
  EXPECT_EQ(*again, db);
}

TEST(DbSave, KeepsStaleFilesWhenANewFileCannotBeWritten) {
  TempDir dir;
  testing::copySample(dir.path());
  Database db = sampleDb();
  std::erase_if(db.releases, [](const Release &r) { return r.version == "7.2"; });
  std::erase_if(db.sets, [](const RegisterSet &s) { return s.key.release == "7.2"; });
  db.releases.push_back(Release{"qemu", "11.0.0", std::nullopt, std::nullopt, ""});
  fs::create_directories(dir / "releases/qemu/11.0.0.yaml");  // blocks the new file
  Outcome<SaveReport> saved = saveDatabase(db, dir.path());
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.diagnostics()[0].file, (dir / "releases/qemu/11.0.0.yaml").string());
  EXPECT_TRUE(fs::exists(dir / "releases/qemu/7.2.yaml"))
      << "a stale file may go only after every new file is in place";
  EXPECT_FALSE(anyTemporary(dir.path()));
}

TEST(DbSave, WritesOnlyChangedFiles) {
  TempDir dir;
  testing::copySample(dir.path());
  Database db = sampleDb();
  db.description = "changed";
  Outcome<SaveReport> saved = saveDatabase(db, dir.path());
  ASSERT_TRUE(saved.ok()) << saved.errorText();
  EXPECT_EQ(saved->written, std::vector<fs::path>{dir / "regcompat-db.yaml"});
  EXPECT_EQ(testing::readFile(dir / "regcompat-db.yaml"),
            "schema_version: 1\nname: regcompat-sample\ndescription: changed\n");
}

TEST(DbSave, RefusesADirectoryThatIsNotADatabase) {
  TempDir dir;
  testing::writeFile(dir / "important.txt", "do not touch");
  Outcome<SaveReport> saved = saveDatabase(sampleDb(), dir.path());
  Diagnostic diagnostic = testing::onlyDiagnostic(saved);
  EXPECT_EQ(diagnostic.message,
            "refusing to write into a non-empty directory that holds no regcompat-db.yaml");
  EXPECT_EQ(allEntries(dir.path()), std::vector<std::string>{"important.txt"});
}

TEST(DbSave, CanonicalFormOfAHandWrittenFile) {
  // Keys in any order, flow or block style, unsorted registers and flags,
  // upper-case hex: saved back in the one canonical form.
  std::string loose =
      "register_sets:\n"
      "- profile: max\n"
      "  registers:\n"
      "  - source: target/arm/debug_helper.c:1030\n"
      "    flags: [no_gdb, const]\n"
      "    index: 0x40200000200E0298\n"
      "    value: 0x00\n"
      "  - {index: 0x6030000000139820, name: DBGDTR_EL0, source: \"a.c:1\"}\n"
      "  accelerator: tcg\n"
      "  arch: arm64\n"
      "  description: 'Sample: max'\n"
      "release: {version: 10.2.2, component: qemu, notes: \"two\\nlines\"}\n"
      "schema_version: 1\n";
  Outcome<ReleaseFile> loaded = loadReleaseFromString(loose, "releases/qemu/10.2.2.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.errorText();
  std::string canonical = renderReleaseFile(*loaded);
  EXPECT_EQ(canonical,
            "schema_version: 1\n"
            "release:\n"
            "  component: qemu\n"
            "  version: \"10.2.2\"\n"
            "  notes: \"two\\nlines\"\n"
            "register_sets:\n"
            "  - arch: arm64\n"
            "    accelerator: tcg\n"
            "    profile: max\n"
            "    description: \"Sample: max\"\n"
            "    registers:\n"
            "      - {index: 0x40200000200e0298, flags: [const, no_gdb], value: 0x0, source: "
            "target/arm/debug_helper.c:1030}\n"
            "      - {index: 0x6030000000139820, name: DBGDTR_EL0, source: a.c:1}\n");
  Outcome<ReleaseFile> again = loadReleaseFromString(canonical, "releases/qemu/10.2.2.yaml");
  ASSERT_TRUE(again.ok()) << again.errorText();
  EXPECT_EQ(*again, *loaded);
  EXPECT_EQ(renderReleaseFile(*again), canonical);
}

TEST(DbSave, StringsThatNeedQuotingRoundTrip) {
  ReleaseFile file;
  file.release = Release{"qemu", "7.2", "1:7.2+dfsg-7", "2022-12-14", ""};
  std::vector<std::string> notes = {"true", "null", "~", "yes", "- dash", "key: value", "# hash",
                                    "trailing ", " leading", "tab\there", "quote\"s", "back\\slash",
                                    "[list]", "{map}", "a, b", "ctl\x01", "\xc3\xa9t\xc3\xa9",
                                    "0x10", "12", "@at", "`tick`", "%pct", "!bang", "*star",
                                    "&amp", "ends with colon:", "double  space"};
  for (const std::string &note : notes) {
    file.release.notes = note;
    std::string text = renderReleaseFile(file);
    Outcome<ReleaseFile> loaded = loadReleaseFromString(text, "releases/qemu/7.2.yaml");
    ASSERT_TRUE(loaded.ok()) << note << "\n" << text << loaded.errorText();
    EXPECT_EQ(loaded->release.notes, note) << text;
  }
}

} // namespace
} // namespace regcompat::db
