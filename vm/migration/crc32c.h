// CRC-32C (Castagnoli, the iSCSI / ext4 / SCTP checksum): each section of the
// migration stream carries one. Castagnoli rather than zlib's CRC-32 because
// x86_64 computes it in hardware (SSE4.2 `crc32`), which keeps the checksum
// well below the cost of copying the page: a table-driven CRC-32 would be
// the slowest step of a RAM batch. Other hosts use a slicing-by-8 table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace regvm {

// Continues `crc` (start with 0) over `data`: crc32c(crc32c(0, a), b) ==
// crc32c(0, a + b).
std::uint32_t crc32c(std::uint32_t crc, std::span<const std::uint8_t> data);

} // namespace regvm
