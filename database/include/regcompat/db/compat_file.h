// Compat-table files: the per-machine-type register rules that
// `migrate-check --compat FILE` applies and the generator emits (format:
// database/SCHEMA.md, "Compat-table files").
//
// Every entry is validated: a malformed or duplicate entry is an error, never
// silently dropped (docs/peer-tools.md: users of abidiff complain exactly
// when a bad suppression is ignored).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/db/diagnostic.h"
#include "regcompat/register_id.h"

namespace regcompat::db {

// A register the machine type hides or may miss, and why.
struct CompatEntry {
  RegisterId id;
  std::string name;    // optional, for people reading the file
  std::string reason;  // required
  bool operator==(const CompatEntry &) const = default;
};

// What to do when an incoming value of a register differs from the local one.
struct ValueRule {
  enum class Kind : std::uint8_t {
    Pin,       // the register must hold `value` on this machine type
    Tolerate,  // accept whatever value arrives
  };
  RegisterId id;
  std::string name;
  Kind rule = Kind::Tolerate;
  std::optional<std::uint64_t> value;  // Pin only
  std::string reason;
  bool operator==(const ValueRule &) const = default;
};

std::string_view toString(ValueRule::Kind kind);  // "pin" / "tolerate"

struct CompatFile {
  std::string machine_type;               // "virt-10.0"
  std::vector<CompatEntry> hidden;        // never exposed, saved or restored here
  std::vector<CompatEntry> safe_missing;  // may arrive without existing here
  std::vector<ValueRule> values;
  bool operator==(const CompatFile &) const = default;
};

// Each list comes back sorted by index. `virtual_path` names the text in
// diagnostics.
Outcome<CompatFile> loadCompatFileFromString(std::string_view text,
                                             std::string_view virtual_path);
Outcome<CompatFile> loadCompatFile(const std::filesystem::path &path);

// The same rules as the loader, for a CompatFile built in memory
// (diagnostics carry no position).
std::vector<Diagnostic> validate(const CompatFile &compat, std::string_view file_name);

// Canonical text: keys in a fixed order, every list sorted by index, one flow
// map per entry.
std::string renderCompatFile(const CompatFile &compat);
// Validates, then writes atomically.
Outcome<std::filesystem::path> saveCompatFile(const CompatFile &compat,
                                              const std::filesystem::path &path);

} // namespace regcompat::db
