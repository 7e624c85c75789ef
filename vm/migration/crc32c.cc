#include "crc32c.h"

#include <array>
#include <cstring>

namespace regvm {
namespace {

// Reflected polynomial 0x1EDC6F41.
constexpr std::uint32_t kPoly = 0x82F63B78u;

struct Tables {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (std::size_t i = 0; i < 256; ++i)
      for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xffu];
  }
};

constexpr Tables kTables;

std::uint32_t crcTable(std::uint32_t crc, const std::uint8_t *p, std::size_t n) {
  const auto &t = kTables.t;
  while (n >= 8) {
    std::uint32_t lo = 0, hi = 0;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= crc;  // little-endian hosts only (x86_64, aarch64)
    crc = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^ t[5][(lo >> 16) & 0xffu] ^ t[4][lo >> 24] ^
          t[3][hi & 0xffu] ^ t[2][(hi >> 8) & 0xffu] ^ t[1][(hi >> 16) & 0xffu] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xffu];
  return crc;
}

// Zero operators: the effect on a CRC register of feeding it N zero bytes, as
// four byte-indexed tables (Mark Adler's method). They let three independent
// `crc32` chains run over three adjacent blocks and be joined afterwards:
// crc(A B) = shift_|B|(crc(A)) ^ crc0(B).
struct ZeroOperator {
  std::array<std::array<std::uint32_t, 256>, 4> t{};

  static constexpr std::uint32_t times(const std::array<std::uint32_t, 32> &mat, std::uint32_t vec) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; vec != 0; ++i, vec >>= 1)
      if ((vec & 1u) != 0) sum ^= mat[i];
    return sum;
  }
  static constexpr std::array<std::uint32_t, 32> square(const std::array<std::uint32_t, 32> &mat) {
    std::array<std::uint32_t, 32> out{};
    for (std::size_t n = 0; n < 32; ++n) out[n] = times(mat, mat[n]);
    return out;
  }
  // `bytes` must be a power of two.
  explicit constexpr ZeroOperator(std::size_t bytes) {
    std::array<std::uint32_t, 32> op{};  // one zero bit
    op[0] = kPoly;
    for (std::size_t n = 1; n < 32; ++n) op[n] = std::uint32_t{1} << (n - 1);
    for (std::size_t bits = bytes * 8; bits > 1; bits >>= 1) op = square(op);
    for (std::uint32_t n = 0; n < 256; ++n)
      for (std::size_t k = 0; k < 4; ++k) t[k][n] = times(op, n << (8 * k));
  }
  constexpr std::uint32_t apply(std::uint32_t crc) const {
    return t[0][crc & 0xffu] ^ t[1][(crc >> 8) & 0xffu] ^ t[2][(crc >> 16) & 0xffu] ^ t[3][crc >> 24];
  }
};

#if defined(__x86_64__)
// Block sizes of the three-way split, chosen for 4 KiB pages: one 3 x 1 KiB
// round, then 3 x 128-byte rounds. `crc32` has a throughput of one per cycle
// but a latency of three, so three chains run about three times faster than
// one.
constexpr std::size_t kLong = 1024;
constexpr std::size_t kShort = 128;
constexpr ZeroOperator kShiftLong(kLong);
constexpr ZeroOperator kShiftShort(kShort);

__attribute__((target("sse4.2"))) inline std::uint64_t crcWord(std::uint64_t crc, const std::uint8_t *p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  return __builtin_ia32_crc32di(crc, v);
}

template <std::size_t Block>
__attribute__((target("sse4.2"))) inline std::uint64_t threeWay(std::uint64_t crc0, const std::uint8_t *&p,
                                                                std::size_t &n, const ZeroOperator &shift) {
  while (n >= 3 * Block) {
    std::uint64_t crc1 = 0, crc2 = 0;
    for (std::size_t i = 0; i < Block; i += 8) {
      crc0 = crcWord(crc0, p + i);
      crc1 = crcWord(crc1, p + Block + i);
      crc2 = crcWord(crc2, p + 2 * Block + i);
    }
    crc0 = shift.apply(static_cast<std::uint32_t>(crc0)) ^ crc1;
    crc0 = shift.apply(static_cast<std::uint32_t>(crc0)) ^ crc2;
    p += 3 * Block;
    n -= 3 * Block;
  }
  return crc0;
}

__attribute__((target("sse4.2"))) std::uint32_t crcSse42(std::uint32_t crc, const std::uint8_t *p,
                                                         std::size_t n) {
  std::uint64_t c = crc;
  c = threeWay<kLong>(c, p, n, kShiftLong);
  c = threeWay<kShort>(c, p, n, kShiftShort);
  while (n >= 8) {
    c = crcWord(c, p);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n-- > 0) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}

bool haveSse42() {
  static const bool have = __builtin_cpu_supports("sse4.2");
  return have;
}
#endif

} // namespace

std::uint32_t crc32c(std::uint32_t crc, std::span<const std::uint8_t> data) {
  crc = ~crc;
#if defined(__x86_64__)
  if (haveSse42()) return ~crcSse42(crc, data.data(), data.size());
#endif
  return ~crcTable(crc, data.data(), data.size());
}

} // namespace regvm
