// The decoded fields of a register index as the catalogue writes them
// ("decoded: {op0: 2, op1: 3, crn: 0, crm: 5, op2: 0}"): one key per field of
// RegisterId::fields(), in a fixed order per family, each with its text form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/register_id.h"

namespace regcompat::db {

struct DecodedField {
  enum class Style : std::uint8_t { Decimal, Hex, Boolean, Keyword };
  std::string_view key;
  Style style = Style::Decimal;
  std::uint64_t number = 0;   // Decimal, Hex, Boolean (0/1)
  std::string_view keyword;   // Keyword

  // The canonical YAML text: "5", "0x6a0", "true", "ffr".
  std::string text() const;
  bool operator==(const DecodedField &) const = default;
};

// Keys per family:
//   arm64 sysreg   op0 op1 crn crm op2
//   arm32 coproc   cp is64 ns opc1 crn crm opc2
//   arm64 core     offset size_bits
//   arm64 demux    id value
//   arm64 fw       bitmap number
//   arm64 sve      kind n slice
//   x86 msr        msr
std::vector<DecodedField> decodedFields(RegisterId id);

} // namespace regcompat::db
