// Helpers shared by the database tests (tests/unit/db_*.cc).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "regcompat/db/diagnostic.h"

namespace regcompat::db::testing {

// database/sample and tests/fixtures/db in the source tree (set by meson).
std::filesystem::path sampleDir();
std::filesystem::path fixturesDir();

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path &relative) const {
    return path_ / relative;
  }

 private:
  std::filesystem::path path_;
};

void writeFile(const std::filesystem::path &path, std::string_view text);
std::string readFile(const std::filesystem::path &path);
// Every regular file under `dir`, relative to it, sorted (hidden ones too).
std::vector<std::filesystem::path> filesUnder(const std::filesystem::path &dir);
// Copies the shipped sample into `dir`.
void copySample(const std::filesystem::path &dir);

// A minimal valid database directory: a header and an arm64 catalogue
// naming DBGDTR_EL0 (0x6030000000139820), no releases.
void writeMinimalDatabase(const std::filesystem::path &dir);

// For EXPECT_PRED2: gmock's matchers are not part of the gtest dependency.
bool startsWith(const std::string &text, const std::string &prefix);
bool contains(const std::string &text, const std::string &part);

// "file:line:col: message" of each diagnostic, for readable failures.
std::string describe(const std::vector<Diagnostic> &diagnostics);

// The one diagnostic of a failed outcome (fails the test otherwise).
template <typename T>
Diagnostic onlyDiagnostic(const Outcome<T> &outcome) {
  EXPECT_FALSE(outcome.ok());
  if (outcome.ok()) return {};
  EXPECT_EQ(outcome.diagnostics().size(), 1u) << describe(outcome.diagnostics());
  return outcome.diagnostics().front();
}

} // namespace regcompat::db::testing
