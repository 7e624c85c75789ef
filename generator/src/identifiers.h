// Identifiers and comment text for generated source (internal).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "regcompat/hex_format.h"

namespace regcompat::generator {

// "virt-10.0" -> "virt_10_0", "virt-rhel9.6.0" -> "virt_rhel9_6_0": every
// character outside [A-Za-z0-9_] becomes '_', and a leading digit gets a '_'
// in front. The policy loader refuses two machine types with one identifier.
std::string machineTypeIdentifier(std::string_view machine_type);

// Text that is safe inside a // or /* */ comment of generated C/C++: no
// line breaks, no "*/", no "/*", no trailing backslash (line splice), no
// non-printable or non-ASCII bytes, no trigraph-like "??".
std::string commentText(std::string_view text);

// 0x%016llx, the index form every emitter writes; 0x%llx, a value.
inline std::string hex16(std::uint64_t value) { return regcompat::hexIndex(value); }
using regcompat::hexValue;

} // namespace regcompat::generator
