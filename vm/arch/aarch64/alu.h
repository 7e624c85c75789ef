// Integer helpers shared by the handlers: flag-setting addition, condition
// codes, shifted and extended register operands, logical immediates. Names
// follow the Arm ARM's shared pseudocode (AddWithCarry, ConditionHolds,
// ShiftReg, ExtendReg, DecodeBitMasks).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "cpu_state.h"
#include "exec_context.h"

namespace regvm::aarch64 {

// Register operands as the decoder resolves encoding 31 (cpu_state.h).
inline std::uint8_t destZr(unsigned r) { return static_cast<std::uint8_t>(r == 31 ? kSink : r); }
inline std::uint8_t srcZr(unsigned r) { return static_cast<std::uint8_t>(r == 31 ? kZr : r); }
inline std::uint8_t regSp(unsigned r) { return static_cast<std::uint8_t>(r == 31 ? kSp : r); }

inline std::uint32_t bits(std::uint32_t insn, unsigned hi, unsigned lo) {
  return (insn >> lo) & ((1u << (hi - lo + 1)) - 1);
}
inline std::uint32_t bit(std::uint32_t insn, unsigned b) { return (insn >> b) & 1; }
inline std::uint64_t signExtend(std::uint64_t v, unsigned width) {
  std::uint64_t m = std::uint64_t{1} << (width - 1);
  v &= (m << 1) - 1;
  return (v ^ m) - m;
}
inline std::uint64_t ones(unsigned n) { return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1; }

template <bool Is64>
inline std::uint64_t truncate(std::uint64_t v) {
  if constexpr (Is64) return v;
  else return static_cast<std::uint32_t>(v);
}

// AddWithCarry(x, y, carry) with its NZCV (Arm ARM shared/functions/integer).
template <bool Is64>
inline std::uint64_t addWithCarry(std::uint64_t x, std::uint64_t y, unsigned carry, std::uint32_t &nzcv) {
  if constexpr (Is64) {
    std::uint64_t r = x + y + carry;
    std::uint32_t c = (r < x || (carry && r == x)) ? kFlagC : 0;
    std::uint32_t v = static_cast<std::uint32_t>(((x ^ r) & (y ^ r)) >> 63) << 28;
    nzcv = static_cast<std::uint32_t>(r >> 63) << 31 | (r == 0 ? kFlagZ : 0) | c | v;
    return r;
  } else {
    std::uint64_t x32 = static_cast<std::uint32_t>(x), y32 = static_cast<std::uint32_t>(y);
    std::uint64_t sum = x32 + y32 + carry;
    std::uint32_t r = static_cast<std::uint32_t>(sum);
    std::uint32_t v = ((static_cast<std::uint32_t>(x32) ^ r) & (static_cast<std::uint32_t>(y32) ^ r)) >> 31;
    nzcv = (r & 0x80000000u) | (r == 0 ? kFlagZ : 0) | (sum >> 32 ? kFlagC : 0) | v << 28;
    return r;
  }
}

// N and Z from a result, C and V cleared (ANDS, BICS).
template <bool Is64>
inline std::uint32_t logicFlags(std::uint64_t r) {
  std::uint32_t n = Is64 ? static_cast<std::uint32_t>(r >> 63) : static_cast<std::uint32_t>(r >> 31) & 1;
  return n << 31 | (r == 0 ? kFlagZ : 0);
}

// ConditionHolds (Arm ARM shared/functions/system).
inline bool conditionHolds(unsigned cond, std::uint32_t nzcv) {
  bool n = nzcv & kFlagN, z = nzcv & kFlagZ, c = nzcv & kFlagC, v = nzcv & kFlagV;
  bool r = false;
  switch (cond >> 1) {
    case 0: r = z; break;
    case 1: r = c; break;
    case 2: r = n; break;
    case 3: r = v; break;
    case 4: r = c && !z; break;
    case 5: r = n == v; break;
    case 6: r = n == v && !z; break;
    default: r = true; break;
  }
  return (cond & 1) && cond != 15 ? !r : r;
}

enum ShiftType : unsigned { kLsl = 0, kLsr = 1, kAsr = 2, kRor = 3 };

// ShiftReg with 0 <= amount < datasize; the operand is already truncated.
template <bool Is64>
inline std::uint64_t shiftValue(std::uint64_t v, unsigned type, unsigned amount) {
  constexpr unsigned size = Is64 ? 64 : 32;
  switch (type) {
    case kLsl: return truncate<Is64>(v << amount);
    case kLsr: return v >> amount;
    case kAsr:
      if constexpr (Is64) return static_cast<std::uint64_t>(static_cast<std::int64_t>(v) >> amount);
      else return static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)) >> amount);
    default:
      return amount == 0 ? v : truncate<Is64>(v >> amount | v << (size - amount));
  }
}

// ExtendReg: option 0..7 = UXTB UXTH UXTW UXTX SXTB SXTH SXTW SXTX, then << shift.
inline std::uint64_t extendValue(std::uint64_t v, unsigned option, unsigned shift) {
  unsigned len = 8u << (option & 3);
  std::uint64_t e = (option & 4) ? signExtend(v, len) : (v & ones(len));
  return e << shift;
}

// DecodeBitMasks(N, imms, immr, immediate=TRUE), wmask only: the value of a
// logical immediate, or nullopt for a reserved encoding.
std::optional<std::uint64_t> decodeLogicalImmediate(unsigned n, unsigned imms, unsigned immr, bool is64);

// Tables of handler instantiations: H<F>::run for F in [0, N).
template <template <unsigned> class H, std::size_t... I>
constexpr std::array<Handler, sizeof...(I)> makeHandlerTable(std::index_sequence<I...>) {
  return {&H<static_cast<unsigned>(I)>::run...};
}
template <template <unsigned> class H, std::size_t N>
inline constexpr std::array<Handler, N> kHandlerTable = makeHandlerTable<H>(std::make_index_sequence<N>{});

} // namespace regvm::aarch64
