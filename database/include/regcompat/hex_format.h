// The two hex forms every output of regcompat uses: register indexes padded
// to 16 digits (as KVM and QEMU print them, and so that they sort and align)
// and values unpadded. Standard library only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace regcompat {

// "0x6030000000139828"
inline std::string hexIndex(std::uint64_t index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(index));
  return buf;
}

// "0x0", "0x8444c004"
inline std::string hexValue(std::uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

} // namespace regcompat
