// Arbitrary bytes never crash, hang or throw out of the loaders: they load,
// or fail with diagnostics that name the file. (tests/fuzz runs the same
// entry points under libFuzzer; this keeps a deterministic slice in CI.)
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "db_test_support.h"
#include "regcompat/db/compat_file.h"
#include "regcompat/db/loader.h"
#include "regcompat/db/saver.h"

namespace regcompat::db {
namespace {

constexpr const char *kReleasePath = "releases/qemu/10.2.2.yaml";
constexpr const char *kCataloguePath = "catalogue/arm64.yaml";
constexpr const char *kCompatPath = "compat/virt-10.0.yaml";

template <typename T>
void expectWellFormed(const Outcome<T> &outcome, std::string_view path) {
  if (outcome.ok()) return;
  ASSERT_FALSE(outcome.diagnostics().empty());
  ASSERT_LE(outcome.diagnostics().size(), kMaxDiagnostics + 1);
  for (const Diagnostic &diagnostic : outcome.diagnostics()) {
    EXPECT_EQ(diagnostic.file, path);
    EXPECT_FALSE(diagnostic.message.empty());
  }
}

// Loads `text` with every string loader; a release file that loads must
// also survive its own canonical form.
void loadEverything(const std::string &text) {
  Outcome<ReleaseFile> release = loadReleaseFromString(text, kReleasePath);
  expectWellFormed(release, kReleasePath);
  if (release.ok()) {
    std::string canonical = renderReleaseFile(*release);
    Outcome<ReleaseFile> again = loadReleaseFromString(canonical, kReleasePath);
    ASSERT_TRUE(again.ok()) << canonical << again.errorText();
    EXPECT_EQ(renderReleaseFile(*again), canonical);
  }
  expectWellFormed(loadCatalogueFromString(text, kCataloguePath), kCataloguePath);
  Outcome<CompatFile> compat = loadCompatFileFromString(text, kCompatPath);
  expectWellFormed(compat, kCompatPath);
  if (compat.ok()) {
    std::string canonical = renderCompatFile(*compat);
    EXPECT_EQ(renderCompatFile(loadCompatFileFromString(canonical, kCompatPath).value()), canonical);
  }
}

std::string mutate(std::string text, std::mt19937 &random) {
  std::uniform_int_distribution<int> kind(0, 4);
  std::uniform_int_distribution<int> byte(0, 255);
  static constexpr std::string_view kTokens[] = {":", "- ", "{", "}", "[", "]", ",", "\n",
                                                 "  ", "#", "\"", "'", "&a ", "*a", "!!str ",
                                                 "0x", "~", "? ", "|", ">", "---\n", "\t"};
  int edits = std::uniform_int_distribution<int>(1, 8)(random);
  for (int i = 0; i < edits && !text.empty(); ++i) {
    std::size_t at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(random);
    switch (kind(random)) {
      case 0: text[at] = static_cast<char>(byte(random)); break;
      case 1: text.erase(at, std::uniform_int_distribution<std::size_t>(1, 20)(random)); break;
      case 2: text.insert(at, kTokens[std::uniform_int_distribution<std::size_t>(0, 21)(random)]); break;
      case 3: text.resize(at); break;
      default: text.insert(at, text.substr(at / 2, 40)); break;
    }
  }
  return text;
}

TEST(DbGarbage, RandomBytes) {
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 400; ++round) {
    std::string text(std::uniform_int_distribution<std::size_t>(0, 600)(random), '\0');
    for (char &c : text) c = static_cast<char>(byte(random));
    loadEverything(text);
  }
}

TEST(DbGarbage, MutatedSampleFiles) {
  std::vector<std::string> seeds;
  for (const std::filesystem::path &file : testing::filesUnder(testing::sampleDir())) {
    seeds.push_back(testing::readFile(testing::sampleDir() / file));
  }
  seeds.push_back(testing::readFile(testing::fixturesDir() / "compat/virt-10.0.yaml"));
  std::mt19937 random(7);
  for (const std::string &seed : seeds) {
    for (int round = 0; round < 120; ++round) loadEverything(mutate(seed, random));
  }
}

TEST(DbGarbage, PathologicalDocuments) {
  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 30; ++i) {
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += (j ? ", *a" : "*a") + std::to_string(i - 1);
    laughs += "]\n";
  }
  std::vector<std::string> documents = {
      laughs,
      std::string(100000, '['),
      std::string(100000, '{'),
      "a: " + std::string(1 << 20, 'x') + "\n",
      std::string("schema_version: 1\0release: x\n", 28),
      "\xef\xbb\xbfschema_version: 1\n",
      "\xff\xfe\x00s\x00",
      "schema_version: 1\nrelease: \"\xc3\x28\"\n",
      std::string(50000, '-') + "\n",
      "? [a, b]\n: c\n",
      "%YAML 1.2\n---\nschema_version: 1\n",
      "%TAG ! tag:example.com,2000:\n---\nschema_version: !x 1\n",
      "key: |\n  literal\n  block\n",
      "\"unterminated",
      "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - x\n",
  };
  for (const std::string &document : documents) {
    auto start = std::chrono::steady_clock::now();
    loadEverything(document);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5))
        << document.substr(0, 60);
  }
  Outcome<ReleaseFile> bomb = loadReleaseFromString(laughs, kReleasePath);
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.diagnostics()[0].message, "YAML aliases (*name) are not supported; write the value out");
}

} // namespace
} // namespace regcompat::db
