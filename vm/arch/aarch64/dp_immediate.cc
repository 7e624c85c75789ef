// Data processing, immediate (Arm ARM C4.1.86): PC-relative addressing,
// add/subtract, logical, move wide, bitfield, extract.
#include "alu.h"
#include "decoder.h"

namespace regvm::aarch64 {

namespace {

// x[rd] = imm: MOVZ, MOVN, ADR, ADRP (the decoder computes the value).
const Op *opMoveConstant(ExecContext &c, const Op *op) {
  c.st.x[op->rd] = op->imm;
  return op + 1;
}

// F: bit 0 64-bit, bit 1 MOVK keeps the other bits. a = shift.
template <unsigned F>
struct MovK {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1;
    std::uint64_t keep = ~(std::uint64_t{0xffff} << op->a);
    c.st.x[op->rd] = truncate<is64>((c.st.x[op->rd] & keep) | op->imm);
    return op + 1;
  }
};

// F: bit 0 64-bit, bit 1 subtract, bit 2 set flags. imm = shifted imm12.
template <unsigned F>
struct AddSubImmediate {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1, sub = F & 2, flags = F & 4;
    std::uint64_t x = c.st.x[op->rn];
    if constexpr (flags) {
      c.st.x[op->rd] = addWithCarry<is64>(x, sub ? ~op->imm : op->imm, sub ? 1 : 0, c.st.nzcv);
    } else {
      c.st.x[op->rd] = truncate<is64>(sub ? x - op->imm : x + op->imm);
    }
    return op + 1;
  }
};

// F: bit 0 64-bit, bits 2..1 opc (AND, ORR, EOR, ANDS). imm = the mask.
template <unsigned F>
struct LogicalImmediate {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1;
    constexpr unsigned opc = F >> 1 & 3;
    std::uint64_t x = truncate<is64>(c.st.x[op->rn]);
    std::uint64_t r;
    if constexpr (opc == 0 || opc == 3) r = x & op->imm;
    else if constexpr (opc == 1) r = x | op->imm;
    else r = x ^ op->imm;
    if constexpr (opc == 3) c.st.nzcv = logicFlags<is64>(r);
    c.st.x[op->rd] = r;
    return op + 1;
  }
};

// Bitfield moves after alias resolution. F: bit 0 64-bit, bits 3..1 kind.
// a = shift (immr, or the insert position), b = field width, imm = ones(b).
enum BitfieldKind : unsigned { kUbfx, kUbfiz, kSbfx, kSbfiz, kBfxil, kBfi };
template <unsigned F>
struct Bitfield {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1;
    constexpr unsigned kind = F >> 1;
    std::uint64_t src = truncate<is64>(c.st.x[op->rn]);
    unsigned a = op->a, w = op->b;
    std::uint64_t r;
    if constexpr (kind == kUbfx) {
      r = (src >> a) & op->imm;
    } else if constexpr (kind == kUbfiz) {
      r = (src & op->imm) << a;
    } else if constexpr (kind == kSbfx) {
      r = static_cast<std::uint64_t>(static_cast<std::int64_t>(src << (64 - a - w)) >> (64 - w));
    } else if constexpr (kind == kSbfiz) {
      r = static_cast<std::uint64_t>(static_cast<std::int64_t>(src << (64 - w)) >> (64 - w)) << a;
    } else if constexpr (kind == kBfxil) {
      r = (c.st.x[op->rd] & ~op->imm) | ((src >> a) & op->imm);
    } else {
      r = (c.st.x[op->rd] & ~(op->imm << a)) | ((src & op->imm) << a);
    }
    c.st.x[op->rd] = truncate<is64>(r);
    return op + 1;
  }
};

// EXTR with lsb != 0 (lsb == 0 is a register move). F: 64-bit. a = lsb.
template <unsigned F>
struct Extract {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr bool is64 = F & 1;
    constexpr unsigned size = is64 ? 64 : 32;
    std::uint64_t hi = truncate<is64>(c.st.x[op->rn]), lo = truncate<is64>(c.st.x[op->rm]);
    c.st.x[op->rd] = truncate<is64>(lo >> op->a | hi << (size - op->a));
    return op + 1;
  }
};

template <unsigned F>
struct MoveRegister {
  static const Op *run(ExecContext &c, const Op *op) {
    c.st.x[op->rd] = truncate<F & 1>(c.st.x[op->rm]);
    return op + 1;
  }
};

bool decodeBitfield(std::uint32_t insn, Op &op) {
  unsigned sf = bit(insn, 31), opc = bits(insn, 30, 29), n = bit(insn, 22);
  unsigned immr = bits(insn, 21, 16), imms = bits(insn, 15, 10);
  unsigned size = sf ? 64 : 32;
  if (opc == 3 || n != sf || (!sf && (immr >= 32 || imms >= 32))) return false;
  op.rd = destZr(bits(insn, 4, 0));
  op.rn = srcZr(bits(insn, 9, 5));
  unsigned kind;
  if (imms >= immr) {  // extract the field imms..immr to the bottom
    op.a = static_cast<std::uint8_t>(immr);
    op.b = static_cast<std::uint8_t>(imms - immr + 1);
    kind = opc == 0 ? kSbfx : opc == 1 ? kBfxil : kUbfx;
  } else {  // insert bits imms..0 at size - immr
    op.a = static_cast<std::uint8_t>(size - immr);
    op.b = static_cast<std::uint8_t>(imms + 1);
    kind = opc == 0 ? kSbfiz : opc == 1 ? kBfi : kUbfiz;
  }
  op.imm = ones(op.b);
  op.fn = kHandlerTable<Bitfield, 12>[kind << 1 | sf];
  return true;
}

} // namespace

bool decodeDataProcessingImmediate(std::uint32_t insn, std::uint64_t pc, Op &op) {
  unsigned sf = bit(insn, 31);
  unsigned rd = bits(insn, 4, 0), rn = bits(insn, 9, 5);
  switch (bits(insn, 25, 23)) {
    case 0b000:
    case 0b001: {  // ADR, ADRP
      std::uint64_t imm = signExtend(bits(insn, 23, 5) << 2 | bits(insn, 30, 29), 21);
      op.rd = destZr(rd);
      op.imm = bit(insn, 31) ? (pc & ~std::uint64_t{0xfff}) + (imm << 12) : pc + imm;
      op.fn = opMoveConstant;
      return true;
    }
    case 0b010: {  // ADD/ADDS/SUB/SUBS (immediate)
      unsigned sub = bit(insn, 30), s = bit(insn, 29);
      op.imm = std::uint64_t{bits(insn, 21, 10)} << (bit(insn, 22) ? 12 : 0);  // sh
      op.rn = regSp(rn);
      op.rd = s ? destZr(rd) : regSp(rd);
      op.fn = kHandlerTable<AddSubImmediate, 8>[s << 2 | sub << 1 | sf];
      return true;
    }
    case 0b100: {  // AND/ORR/EOR/ANDS (immediate)
      unsigned opc = bits(insn, 30, 29);
      auto mask = decodeLogicalImmediate(bit(insn, 22), bits(insn, 15, 10), bits(insn, 21, 16), sf);
      if (!mask) return false;
      op.imm = *mask;
      op.rn = srcZr(rn);
      op.rd = opc == 3 ? destZr(rd) : regSp(rd);
      op.fn = kHandlerTable<LogicalImmediate, 8>[opc << 1 | sf];
      return true;
    }
    case 0b101: {  // MOVN, MOVZ, MOVK
      unsigned opc = bits(insn, 30, 29), hw = bits(insn, 22, 21);
      if (opc == 1 || (!sf && hw >= 2)) return false;
      unsigned shift = hw * 16;
      std::uint64_t imm = std::uint64_t{bits(insn, 20, 5)} << shift;
      op.rd = destZr(rd);
      if (opc == 3) {
        op.imm = imm;
        op.a = static_cast<std::uint8_t>(shift);
        op.fn = kHandlerTable<MovK, 2>[sf];
      } else {
        op.imm = opc == 0 ? ~imm : imm;
        if (!sf) op.imm &= 0xffffffffu;
        op.fn = opMoveConstant;
      }
      return true;
    }
    case 0b110:
      return decodeBitfield(insn, op);
    case 0b111: {  // EXTR
      unsigned lsb = bits(insn, 15, 10);
      if (bits(insn, 30, 29) != 0 || bit(insn, 22) != sf || bit(insn, 21) || (!sf && lsb >= 32))
        return false;
      op.rd = destZr(rd);
      op.rn = srcZr(rn);
      op.rm = srcZr(bits(insn, 20, 16));
      op.a = static_cast<std::uint8_t>(lsb);
      op.fn = lsb == 0 ? kHandlerTable<MoveRegister, 2>[sf] : kHandlerTable<Extract, 2>[sf];
      return true;
    }
    default:
      return false;  // 011: add/subtract with tags (MTE), not in the subset
  }
}

} // namespace regvm::aarch64
