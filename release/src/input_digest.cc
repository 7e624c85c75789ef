#include "regcompat/pipeline/input_digest.h"
#include "regcompat/db/file_text.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace regcompat::pipeline {
namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path &relative) {
  for (const auto &part : relative)
    if (!part.empty() && part.string().front() == '.') return true;
  return false;
}

std::string readFile(const fs::path &path) {
  auto bytes = db::readInputFile(path);
  if (!bytes) throw std::runtime_error(bytes.error());
  return std::move(bytes).value();
}

} // namespace

void InputDigest::addBytes(std::string_view bytes) {
  // Two FNV-1a lanes (the second one over a rotated byte) give 128 bits:
  // plenty for change detection, which is all this is for.
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    a_ = (a_ ^ c) * 0x100000001b3ULL;
    b_ = (b_ ^ static_cast<unsigned char>((c << 3) | (c >> 5))) * 0x100000001b3ULL;
  }
}

void InputDigest::addText(std::string_view text) {
  addBytes(std::to_string(text.size()) + ":");
  addBytes(text);
}

void InputDigest::addPath(const fs::path &path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      const fs::path relative = fs::relative(it->path(), path);
      if (hidden(relative)) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) files.push_back(relative);
    }
    if (ec) throw std::runtime_error("cannot list " + path.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    addText("dir");
    for (const auto &f : files) {
      addText(f.generic_string());
      addText(readFile(path / f));
    }
  } else if (fs::exists(path, ec)) {
    addText("file");
    addText(readFile(path));
  } else {
    addText("missing");
  }
}

std::string InputDigest::hex() const {
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(a_),
                static_cast<unsigned long long>(b_));
  return out;
}

} // namespace regcompat::pipeline
