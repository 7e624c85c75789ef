// How the runtime names a register in its messages: the hex index a QEMU
// property or a stream dump shows, the decoded form a human can check against
// the architecture manual, and the name when anyone knows it. Raw hex alone is
// "hostile to humans" (docs/upstream-mitigation.md, known gaps).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace regcompat::runtime {

// Maps an index to a register name (e.g. a VMM's own ARMCPRegInfo names, or
// regcompat's register catalogue). Returns nullopt when it does not know one.
using NameResolver = std::function<std::optional<std::string>(std::uint64_t)>;

// "0x603000000013c103 (S3_0_C2_C0_3, TCR2_EL1)". The name comes from
// `resolver` when it has one, else from regcompat::wellKnownName() (core,
// firmware, timer, SVE registers). An index that is not a valid register index
// reads "0x... (invalid index)".
std::string describeRegister(std::uint64_t index, const NameResolver &resolver = {});

// A register value as messages print it: "0x0", "0x110305408".
std::string formatValue(std::uint64_t value);

} // namespace regcompat::runtime
