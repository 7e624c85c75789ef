#include "db_test_support.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace regcompat::db::testing {

namespace fs = std::filesystem;

fs::path sampleDir() { return REGCOMPAT_DB_SAMPLE_DIR; }
fs::path fixturesDir() { return REGCOMPAT_DB_FIXTURES_DIR; }

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "regcompat-db-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
  fs::remove_all(path_, ignored);
}

void writeFile(const fs::path &path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> filesUnder(const fs::path &dir) {
  std::vector<fs::path> files;
  for (const auto &entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), dir));
  }
  std::sort(files.begin(), files.end());
  return files;
}

void copySample(const fs::path &dir) {
  fs::copy(sampleDir(), dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

void writeMinimalDatabase(const fs::path &dir) {
  writeFile(dir / "regcompat-db.yaml", "schema_version: 1\nname: minimal\n");
  writeFile(dir / "catalogue/arm64.yaml",
            "schema_version: 1\n"
            "arch: arm64\n"
            "registers:\n"
            "  - {index: 0x6030000000139820, name: DBGDTR_EL0}\n");
}

bool startsWith(const std::string &text, const std::string &prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

std::string describe(const std::vector<Diagnostic> &diagnostics) {
  return formatDiagnostics(diagnostics);
}

} // namespace regcompat::db::testing
