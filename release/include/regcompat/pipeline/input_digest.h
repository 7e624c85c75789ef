// Content digests that decide whether a pipeline stage must run again.
// Content, not modification times: a fresh clone, a `touch` or a restored
// cache must not make the pipeline redo an extraction whose inputs are the
// same bytes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace regcompat::pipeline {

class InputDigest {
 public:
  // Length-prefixed, so that ("ab","c") and ("a","bc") differ.
  void addText(std::string_view text);
  // A file: its content. A directory: every regular file below it whose
  // path has no component starting with '.', in sorted order, each by its
  // relative path and content. A missing path counts as such (and differs
  // from an empty file). Unreadable files throw std::runtime_error naming them.
  void addPath(const std::filesystem::path &path);
  // 32 hex digits.
  std::string hex() const;

 private:
  void addBytes(std::string_view bytes);
  std::uint64_t a_ = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  std::uint64_t b_ = 0x84222325cbf29ce4ULL;  // second lane, other seed
};

} // namespace regcompat::pipeline
