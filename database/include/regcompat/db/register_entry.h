// One register as one release's register set carries it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/register_id.h"

namespace regcompat::db {

// Where the database learned about a register: the definition in a source
// tree ("target/arm/helper.c:1234"), or a live probe that saw it
// ("kvm:KVM_GET_MSR_INDEX_LIST", "stream:migration.bin").
struct Provenance {
  enum class Kind : std::uint8_t { Source, Probe };
  Kind kind = Kind::Source;
  std::string where;

  bool operator==(const Provenance &) const = default;
};

std::string_view toString(Provenance::Kind kind);  // "source" / "probe"

struct RegisterEntry {
  RegisterId id;
  std::string name;                 // empty: use the catalogue's name
  std::vector<std::string> flags;   // type flags, lower-case, sorted, unique
  std::optional<std::uint64_t> value;  // reset value; the constant for "const"
  Provenance provenance;

  bool hasFlag(std::string_view flag) const;

  // Whether QEMU puts this register on the migration stream. ALIAS and NO_RAW
  // registers are never migrated; CONST ones are (docs/qemu-register-tables.md,
  // from target/arm/helper.c add_cpreg_to_list()).
  bool migrated() const;

  bool operator==(const RegisterEntry &) const = default;
};

} // namespace regcompat::db
