// Data processing, register (Arm ARM C4.1.95): logical and add/subtract
// (shifted and extended register), add/subtract with carry, conditional
// compare and select, 1- and 2-source (division, variable shifts, bit and
// byte reversal, count leading), 3-source (multiply-add, long and high
// multiplies).
#include <bit>

#include "alu.h"
#include "decoder.h"

namespace regvm::aarch64 {

namespace {

__extension__ typedef unsigned __int128 Uint128;
__extension__ typedef __int128 Int128;

// Second operand of the shifted-register forms: a = shift type, b = amount.
template <bool Is64, bool Shifted>
inline std::uint64_t shiftedOperand(const ExecContext &c, const Op *op) {
  std::uint64_t m = truncate<Is64>(c.st.x[op->rm]);
  if constexpr (Shifted) return shiftValue<Is64>(m, op->a, op->b);
  else return m;
}

// F: bit 0 64-bit, bits 2..1 opc (AND ORR EOR ANDS), bit 3 N (invert), bit 4 shifted.
template <unsigned F>
struct LogicalRegister {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1, invert = F & 8, shifted = F & 16;
    constexpr unsigned opc = F >> 1 & 3;
    std::uint64_t x = truncate<is64>(c.st.x[op->rn]);
    std::uint64_t y = shiftedOperand<is64, shifted>(c, op);
    if constexpr (invert) y = truncate<is64>(~y);
    std::uint64_t r;
    if constexpr (opc == 0 || opc == 3) r = x & y;
    else if constexpr (opc == 1) r = x | y;
    else r = x ^ y;
    if constexpr (opc == 3) c.st.nzcv = logicFlags<is64>(r);
    c.st.x[op->rd] = r;
    return op + 1;
  }
};

// F: bit 0 64-bit, bit 1 subtract, bit 2 set flags, bit 3 shifted.
template <unsigned F>
struct AddSubShifted {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1, sub = F & 2, flags = F & 4, shifted = F & 8;
    std::uint64_t x = c.st.x[op->rn];
    std::uint64_t y = shiftedOperand<is64, shifted>(c, op);
    if constexpr (flags) c.st.x[op->rd] = addWithCarry<is64>(x, sub ? ~y : y, sub, c.st.nzcv);
    else c.st.x[op->rd] = truncate<is64>(sub ? x - y : x + y);
    return op + 1;
  }
};

// F: bit 0 64-bit, bit 1 subtract, bit 2 set flags. a = option, b = shift.
template <unsigned F>
struct AddSubExtended {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1, sub = F & 2, flags = F & 4;
    std::uint64_t x = c.st.x[op->rn];
    std::uint64_t y = truncate<is64>(extendValue(c.st.x[op->rm], op->a, op->b));
    if constexpr (flags) c.st.x[op->rd] = addWithCarry<is64>(x, sub ? ~y : y, sub, c.st.nzcv);
    else c.st.x[op->rd] = truncate<is64>(sub ? x - y : x + y);
    return op + 1;
  }
};

// ADC, ADCS, SBC, SBCS. F: bit 0 64-bit, bit 1 subtract, bit 2 set flags.
template <unsigned F>
struct AddSubCarry {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1, sub = F & 2, flags = F & 4;
    std::uint64_t y = c.st.x[op->rm];
    if constexpr (sub) y = ~y;
    unsigned carry = c.st.nzcv & kFlagC ? 1 : 0;
    std::uint32_t nzcv = 0;
    std::uint64_t r = addWithCarry<is64>(c.st.x[op->rn], y, carry, nzcv);
    if constexpr (flags) c.st.nzcv = nzcv;
    c.st.x[op->rd] = r;
    return op + 1;
  }
};

// CCMN, CCMP. F: bit 0 64-bit, bit 1 compare (subtract), bit 2 immediate.
// c = cond, imm = imm5 (immediate form), aux = nzcv when the condition fails.
template <unsigned F>
struct CondCompare {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1, sub = F & 2, immediate = F & 4;
    if (conditionHolds(op->c, c.st.nzcv)) {
      std::uint64_t y = immediate ? op->imm : c.st.x[op->rm];
      addWithCarry<is64>(c.st.x[op->rn], sub ? ~y : y, sub, c.st.nzcv);
    } else {
      c.st.nzcv = op->aux;
    }
    return op + 1;
  }
};

// CSEL, CSINC, CSINV, CSNEG. F: bit 0 64-bit, bit 1 invert, bit 2 increment.
template <unsigned F>
struct CondSelect {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1, invert = F & 2, inc = F & 4;
    std::uint64_t r;
    if (conditionHolds(op->c, c.st.nzcv)) {
      r = c.st.x[op->rn];
    } else {
      r = c.st.x[op->rm];
      if constexpr (invert) r = ~r;
      if constexpr (inc) r += 1;
    }
    c.st.x[op->rd] = truncate<is64>(r);
    return op + 1;
  }
};

enum TwoSourceKind : unsigned { kUdiv, kSdiv, kLslv, kLsrv, kAsrv, kRorv };
// F: bit 0 64-bit, bits 3..1 kind.
template <unsigned F>
struct TwoSource {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1;
    constexpr unsigned kind = F >> 1;
    std::uint64_t n = truncate<is64>(c.st.x[op->rn]), m = truncate<is64>(c.st.x[op->rm]);
    std::uint64_t r;
    if constexpr (kind == kUdiv) {
      r = m == 0 ? 0 : n / m;  // division by zero gives 0 (Arm ARM C6.2 UDIV)
    } else if constexpr (kind == kSdiv) {
      // Rounds towards zero; INT_MIN / -1 wraps to INT_MIN; x / 0 = 0.
      if constexpr (is64) {
        auto sn = static_cast<std::int64_t>(n), sm = static_cast<std::int64_t>(m);
        if (sm == 0) r = 0;
        else if (sm == -1) r = 0 - n;
        else r = static_cast<std::uint64_t>(sn / sm);
      } else {
        auto sn = static_cast<std::int32_t>(static_cast<std::uint32_t>(n));
        auto sm = static_cast<std::int32_t>(static_cast<std::uint32_t>(m));
        if (sm == 0) r = 0;
        else if (sm == -1) r = truncate<false>(0 - n);
        else r = static_cast<std::uint32_t>(sn / sm);
      }
    } else {
      unsigned amount = static_cast<unsigned>(m % (is64 ? 64 : 32));
      r = shiftValue<is64>(n, kind - kLslv, amount);
    }
    c.st.x[op->rd] = truncate<is64>(r);
    return op + 1;
  }
};

enum OneSourceKind : unsigned { kRbit, kRev16, kRev32, kRev64, kClz, kCls };
inline std::uint64_t reverseBits(std::uint64_t v) {
  v = (v >> 1 & 0x5555555555555555ULL) | (v & 0x5555555555555555ULL) << 1;
  v = (v >> 2 & 0x3333333333333333ULL) | (v & 0x3333333333333333ULL) << 2;
  v = (v >> 4 & 0x0f0f0f0f0f0f0f0fULL) | (v & 0x0f0f0f0f0f0f0f0fULL) << 4;
  return __builtin_bswap64(v);
}
// F: bit 0 64-bit, bits 3..1 kind.
template <unsigned F>
struct OneSource {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1;
    constexpr unsigned kind = F >> 1;
    constexpr unsigned size = is64 ? 64 : 32;
    std::uint64_t n = truncate<is64>(c.st.x[op->rn]);
    std::uint64_t r;
    if constexpr (kind == kRbit) {
      r = reverseBits(n) >> (64 - size);
    } else if constexpr (kind == kRev16) {
      r = (n >> 8 & 0x00ff00ff00ff00ffULL) | (n & 0x00ff00ff00ff00ffULL) << 8;
    } else if constexpr (kind == kRev32) {
      std::uint64_t sw = (n >> 8 & 0x00ff00ff00ff00ffULL) | (n & 0x00ff00ff00ff00ffULL) << 8;
      r = (sw >> 16 & 0x0000ffff0000ffffULL) | (sw & 0x0000ffff0000ffffULL) << 16;
    } else if constexpr (kind == kRev64) {
      r = __builtin_bswap64(n);
    } else if constexpr (kind == kClz) {
      r = static_cast<std::uint64_t>(std::countl_zero(n) - (64 - static_cast<int>(size)));
    } else {  // CLS: leading bits equal to the sign bit, not counting it
      std::uint64_t s = n << (64 - size);
      std::uint64_t t = (s ^ (s << 1)) | (std::uint64_t{1} << (64 - size));
      int lz = std::countl_zero(t);
      r = static_cast<std::uint64_t>(lz);
    }
    c.st.x[op->rd] = truncate<is64>(r);
    return op + 1;
  }
};

enum ThreeSourceKind : unsigned { kMadd, kSmaddl, kUmaddl, kSmulh, kUmulh };
// F: bit 0 64-bit, bit 1 subtract, bits 4..2 kind. ra = addend.
template <unsigned F>
struct ThreeSource {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1, sub = F & 2;
    constexpr unsigned kind = F >> 2;
    std::uint64_t n = c.st.x[op->rn], m = c.st.x[op->rm], a = c.st.x[op->ra];
    std::uint64_t product;
    if constexpr (kind == kMadd) {
      product = n * m;
    } else if constexpr (kind == kSmaddl) {
      product = signExtend(n, 32) * signExtend(m, 32);
    } else if constexpr (kind == kUmaddl) {
      product = (n & 0xffffffffu) * (m & 0xffffffffu);
    } else if constexpr (kind == kSmulh) {
      Int128 p = static_cast<Int128>(static_cast<std::int64_t>(n)) * static_cast<std::int64_t>(m);
      c.st.x[op->rd] = static_cast<std::uint64_t>(static_cast<Uint128>(p) >> 64);
      return op + 1;
    } else {
      Uint128 p = static_cast<Uint128>(n) * m;
      c.st.x[op->rd] = static_cast<std::uint64_t>(p >> 64);
      return op + 1;
    }
    c.st.x[op->rd] = truncate<is64>(sub ? a - product : a + product);
    return op + 1;
  }
};

bool decodeThreeSource(std::uint32_t insn, Op &op) {
  unsigned sf = bit(insn, 31), op54 = bits(insn, 30, 29), op31 = bits(insn, 23, 21), o0 = bit(insn, 15);
  if (op54 != 0) return false;
  op.rd = destZr(bits(insn, 4, 0));
  op.rn = srcZr(bits(insn, 9, 5));
  op.rm = srcZr(bits(insn, 20, 16));
  op.ra = srcZr(bits(insn, 14, 10));
  unsigned kind;
  switch (op31) {
    case 0b000: kind = kMadd; break;
    case 0b001: kind = kSmaddl; break;
    case 0b101: kind = kUmaddl; break;
    case 0b010: kind = kSmulh; break;
    case 0b110: kind = kUmulh; break;
    default: return false;
  }
  if (kind != kMadd && !sf) return false;
  if ((kind == kSmulh || kind == kUmulh) && o0) return false;
  op.fn = kHandlerTable<ThreeSource, 20>[kind << 2 | o0 << 1 | sf];
  return true;
}

bool decodeDataProcessingSource(std::uint32_t insn, Op &op) {
  unsigned sf = bit(insn, 31), opcode = bits(insn, 15, 10);
  if (bit(insn, 29)) return false;  // S
  op.rd = destZr(bits(insn, 4, 0));
  op.rn = srcZr(bits(insn, 9, 5));
  op.rm = srcZr(bits(insn, 20, 16));
  if (bit(insn, 30) == 0) {  // 2-source
    unsigned kind;
    switch (opcode) {
      case 0b000010: kind = kUdiv; break;
      case 0b000011: kind = kSdiv; break;
      case 0b001000: kind = kLslv; break;
      case 0b001001: kind = kLsrv; break;
      case 0b001010: kind = kAsrv; break;
      case 0b001011: kind = kRorv; break;
      default: return false;  // CRC32, PAC, MTE
    }
    op.fn = kHandlerTable<TwoSource, 16>[kind << 1 | sf];
    return true;
  }
  if (bits(insn, 20, 16) != 0) return false;  // 1-source: opcode2 = 0
  unsigned kind;
  switch (opcode) {
    case 0b000000: kind = kRbit; break;
    case 0b000001: kind = kRev16; break;
    case 0b000010: kind = sf ? kRev32 : kRev64; break;  // REV (32-bit) reverses 4 bytes
    case 0b000011:
      if (!sf) return false;
      kind = kRev64;
      break;
    case 0b000100: kind = kClz; break;
    case 0b000101: kind = kCls; break;
    default: return false;
  }
  // 32-bit REV is a byte reverse of the W register: kRev64 on the truncated
  // value shifted down.
  if (!sf && kind == kRev64) {
    op.fn = kHandlerTable<OneSource, 16>[kRev32 << 1 | 0];
    return true;
  }
  op.fn = kHandlerTable<OneSource, 16>[kind << 1 | sf];
  return true;
}

} // namespace

bool decodeDataProcessingRegister(std::uint32_t insn, Op &op) {
  unsigned sf = bit(insn, 31);
  unsigned rd = bits(insn, 4, 0), rn = bits(insn, 9, 5), rm = bits(insn, 20, 16);
  if (bit(insn, 28) == 0) {
    if (bit(insn, 24) == 0) {  // logical (shifted register)
      unsigned opc = bits(insn, 30, 29), shift = bits(insn, 23, 22), amount = bits(insn, 15, 10);
      if (!sf && amount >= 32) return false;
      op.rd = destZr(rd);
      op.rn = srcZr(rn);
      op.rm = srcZr(rm);
      op.a = static_cast<std::uint8_t>(shift);
      op.b = static_cast<std::uint8_t>(amount);
      unsigned shifted = amount != 0 ? 1 : 0;
      op.fn = kHandlerTable<LogicalRegister, 32>[shifted << 4 | bit(insn, 21) << 3 | opc << 1 | sf];
      return true;
    }
    unsigned sub = bit(insn, 30), s = bit(insn, 29);
    if (bit(insn, 21) == 0) {  // add/subtract (shifted register)
      unsigned shift = bits(insn, 23, 22), amount = bits(insn, 15, 10);
      if (shift == 3 || (!sf && amount >= 32)) return false;
      op.rd = destZr(rd);
      op.rn = srcZr(rn);
      op.rm = srcZr(rm);
      op.a = static_cast<std::uint8_t>(shift);
      op.b = static_cast<std::uint8_t>(amount);
      unsigned shifted = amount != 0 ? 1 : 0;
      op.fn = kHandlerTable<AddSubShifted, 16>[shifted << 3 | s << 2 | sub << 1 | sf];
      return true;
    }
    // add/subtract (extended register)
    unsigned amount = bits(insn, 12, 10);
    if (bits(insn, 23, 22) != 0 || amount > 4) return false;
    op.rd = s ? destZr(rd) : regSp(rd);
    op.rn = regSp(rn);
    op.rm = srcZr(rm);
    op.a = static_cast<std::uint8_t>(bits(insn, 15, 13));
    op.b = static_cast<std::uint8_t>(amount);
    op.fn = kHandlerTable<AddSubExtended, 8>[s << 2 | sub << 1 | sf];
    return true;
  }
  switch (bits(insn, 24, 21)) {
    case 0b0000: {  // ADC, ADCS, SBC, SBCS
      if (bits(insn, 15, 10) != 0) return false;
      op.rd = destZr(rd);
      op.rn = srcZr(rn);
      op.rm = srcZr(rm);
      op.fn = kHandlerTable<AddSubCarry, 8>[bit(insn, 29) << 2 | bit(insn, 30) << 1 | sf];
      return true;
    }
    case 0b0010: {  // CCMN, CCMP (register, immediate)
      if (bit(insn, 29) == 0 || bit(insn, 10) || bit(insn, 4)) return false;
      unsigned immediate = bit(insn, 11);
      op.rn = srcZr(rn);
      op.rm = srcZr(rm);
      op.imm = rm;
      op.c = static_cast<std::uint8_t>(bits(insn, 15, 12));
      op.aux = bits(insn, 3, 0) << 28;
      op.fn = kHandlerTable<CondCompare, 8>[immediate << 2 | bit(insn, 30) << 1 | sf];
      return true;
    }
    case 0b0100: {  // CSEL, CSINC, CSINV, CSNEG
      unsigned op2 = bits(insn, 11, 10);
      if (bit(insn, 29) || op2 > 1) return false;
      op.rd = destZr(rd);
      op.rn = srcZr(rn);
      op.rm = srcZr(rm);
      op.c = static_cast<std::uint8_t>(bits(insn, 15, 12));
      op.fn = kHandlerTable<CondSelect, 8>[op2 << 2 | bit(insn, 30) << 1 | sf];
      return true;
    }
    case 0b0110:
      return decodeDataProcessingSource(insn, op);
    default:
      if (bit(insn, 24)) return decodeThreeSource(insn, op);
      return false;
  }
}

} // namespace regvm::aarch64
