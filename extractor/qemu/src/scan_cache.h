// The scan cache: a finished extraction, reused while nothing it was computed
// from has changed.
//
// Why whole extractions and not per-file results: the interpreter evaluates
// each CPU model across every parsed file at once (instance init in cpu64.c,
// realize in cpu.c, the tables in helper.c, ...), so no per-file product can
// be combined without the ASTs. What the cache keys on:
//   * the configuration key (ConfigKey): extractor version, Clang resource
//     directory, the options that change the result, every selected file with
//     its full compile command, the synthesized stub headers;
//   * the content of every file the parses read (main files and headers),
//     listed with their xxHash64 in the entry and re-hashed on lookup.
// One entry per configuration key: ${cache}/<key>.entry. Entries are written
// atomically (temporary file + rename); an unreadable, truncated or foreign
// entry is a miss, never an error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "regcompat/extract/qemu.h"

namespace regcompat::extract::qemu {

// Bump when a change to the extractor changes what it extracts from the same
// input: old entries then stop matching.
inline constexpr const char *kExtractorVersion = "regcompat-qemu-extract/7";  // 7: AArch64 views of BOTH registers named _ELx

// Accumulates the configuration that a result depends on.
class ConfigKey {
 public:
  ConfigKey &add(const std::string &part);
  // 32 hex digits (two independent 64-bit hashes).
  std::string hex() const;

 private:
  std::string material_;
};

struct FileDigest {
  std::string path;  // absolute
  std::uint64_t hash = 0;
};

std::uint64_t contentHash(std::string_view bytes);

class ScanCache {
 public:
  // `dir` empty: disabled (every lookup misses, store does nothing).
  explicit ScanCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // The default directory: ${REGCOMPAT_CACHE:-$HOME/.cache/regcompat}/scan.
  static std::filesystem::path defaultDir();

  // The stored extraction for `key` when every recorded file still hashes
  // the same; nullopt otherwise. `migrated_only`: see QemuExtractOptions.
  std::optional<QemuExtraction> lookup(const std::string &key, bool migrated_only = false) const;
  // Best effort: a cache that cannot be written is reported, not fatal.
  void store(const std::string &key, const std::vector<FileDigest> &inputs, const QemuExtraction &x,
             std::vector<Diagnostic> &diagnostics) const;

 private:
  std::filesystem::path entryPath(const std::string &key) const { return dir_ / (key + ".entry"); }
  std::filesystem::path dir_;
};

// Serialization of an extraction (exposed for the tests' round trip).
std::string serializeExtraction(const QemuExtraction &x);
std::optional<QemuExtraction> deserializeExtraction(std::string_view bytes, bool migrated_only = false);

}  // namespace regcompat::extract::qemu
