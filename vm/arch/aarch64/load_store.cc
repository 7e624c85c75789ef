// Loads and stores (Arm ARM C4.1.66), general registers only: register
// (unsigned offset, unscaled, pre/post-index, register offset with extend,
// unprivileged), literal, pairs (incl. LDPSW), exclusives and
// load-acquire/store-release (single CPU: one exclusive monitor).
#include <type_traits>

#include "alu.h"
#include "decoder.h"

namespace regvm::aarch64 {

namespace {

template <unsigned SizeLog2>
using SizedUint = std::conditional_t<
    SizeLog2 == 0, std::uint8_t,
    std::conditional_t<SizeLog2 == 1, std::uint16_t,
                       std::conditional_t<SizeLog2 == 2, std::uint32_t, std::uint64_t>>>;

enum AccessKind : unsigned { kStore, kLoadZero, kLoadSigned64, kLoadSigned32 };
enum AddressMode : unsigned { kOffset, kPreIndex, kPostIndex, kRegisterOffset };

template <unsigned SizeLog2, unsigned Kind>
inline std::uint64_t extendLoaded(SizedUint<SizeLog2> v) {
  if constexpr (Kind == kLoadSigned64) return signExtend(v, 8u << SizeLog2);
  else if constexpr (Kind == kLoadSigned32) return static_cast<std::uint32_t>(signExtend(v, 8u << SizeLog2));
  else return v;
}

// LDR/STR and friends. F: bits 1..0 size, bits 3..2 kind, bits 5..4 mode.
// rd = Rt, rn = base (SP-capable; kZr for literals, imm = the address),
// imm = offset (kOffset/kPreIndex/kPostIndex); rm, a = extend option,
// b = shift (kRegisterOffset).
template <unsigned F>
struct LoadStoreRegister {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr unsigned size = F & 3, kind = F >> 2 & 3, mode = F >> 4 & 3;
    using T = SizedUint<size>;
    std::uint64_t base = c.st.x[op->rn];
    std::uint64_t addr;
    if constexpr (mode == kRegisterOffset) addr = base + extendValue(c.st.x[op->rm], op->a, op->b);
    else if constexpr (mode == kPostIndex) addr = base;
    else addr = base + op->imm;
    if constexpr (kind == kStore) {
      if (!c.store<T>(addr, static_cast<T>(c.st.x[op->rd]), op)) return nullptr;
    } else {
      T v;
      if (!c.load<T>(addr, v, op)) return nullptr;
      if constexpr (mode == kPreIndex || mode == kPostIndex) c.st.x[op->rn] = base + op->imm;
      c.st.x[op->rd] = extendLoaded<size, kind>(v);
      return op + 1;
    }
    if constexpr (mode == kPreIndex || mode == kPostIndex) c.st.x[op->rn] = base + op->imm;
    return c.next(op);
  }
};

// LDP/STP/LDPSW. F: bit 0 64-bit, bits 2..1 kind, bits 4..3 mode.
// rd = Rt, ra = Rt2, rn = base, imm = scaled offset.
template <unsigned F>
struct LoadStorePair {
  static const Op *run(ExecContext &c, const Op *op) {
    constexpr unsigned size = (F & 1) ? 3 : 2, kind = F >> 1 & 3, mode = F >> 3 & 3;
    using T = SizedUint<size>;
    std::uint64_t base = c.st.x[op->rn];
    std::uint64_t addr = mode == kPostIndex ? base : base + op->imm;
    if constexpr (kind == kStore) {
      if (!c.store<T>(addr, static_cast<T>(c.st.x[op->rd]), op)) return nullptr;
      if (!c.store<T>(addr + sizeof(T), static_cast<T>(c.st.x[op->ra]), op)) return nullptr;
      if constexpr (mode != kOffset) c.st.x[op->rn] = base + op->imm;
      return c.next(op);
    } else {
      T v1, v2;
      if (!c.load<T>(addr, v1, op) || !c.load<T>(addr + sizeof(T), v2, op)) return nullptr;
      if constexpr (mode != kOffset) c.st.x[op->rn] = base + op->imm;
      c.st.x[op->rd] = extendLoaded<size, kind>(v1);
      c.st.x[op->ra] = extendLoaded<size, kind>(v2);
      return op + 1;
    }
  }
};

// LDXR/LDAXR: load and mark the address exclusive. F: size.
template <unsigned F>
struct LoadExclusive {
  static const Op *run(ExecContext &c, const Op *op) {
    using T = SizedUint<F>;
    std::uint64_t addr = c.st.x[op->rn];
    T v;
    if (!c.load<T>(addr, v, op)) return nullptr;
    c.st.exclusive_valid = true;
    c.st.exclusive_addr = addr;
    c.st.x[op->rd] = v;
    return op + 1;
  }
};

// STXR/STLXR: store if the monitor holds the address; ra = Rs gets 0 on
// success, 1 on failure. The monitor is cleared either way.
template <unsigned F>
struct StoreExclusive {
  static const Op *run(ExecContext &c, const Op *op) {
    using T = SizedUint<F>;
    std::uint64_t addr = c.st.x[op->rn];
    bool pass = c.st.exclusive_valid && c.st.exclusive_addr == addr;
    c.st.exclusive_valid = false;
    if (pass && !c.store<T>(addr, static_cast<T>(c.st.x[op->rd]), op)) return nullptr;
    c.st.x[op->ra] = pass ? 0 : 1;
    return c.next(op);
  }
};

const Op *opPrefetch(ExecContext &, const Op *op) { return op + 1; }

Handler registerHandler(unsigned size, unsigned kind, unsigned mode) {
  return kHandlerTable<LoadStoreRegister, 64>[mode << 4 | kind << 2 | size];
}

// size/opc of the integer load/store register forms to (kind), or false
// for PRFM (prefetch) / unallocated. Arm ARM C4.1.66 tables.
bool accessKind(unsigned size, unsigned opc, unsigned &kind, bool &prefetch) {
  prefetch = false;
  switch (opc) {
    case 0: kind = kStore; return true;
    case 1: kind = kLoadZero; return true;
    case 2:
      if (size == 3) { prefetch = true; return true; }
      kind = kLoadSigned64;
      return true;
    default:
      if (size >= 2) return false;
      kind = kLoadSigned32;
      return true;
  }
}

bool decodeExclusive(std::uint32_t insn, Op &op) {
  unsigned size = bits(insn, 31, 30), o2 = bit(insn, 23), load = bit(insn, 22), o1 = bit(insn, 21);
  if (o1) return false;  // LDXP/STXP, CASP: not in the subset
  op.rn = regSp(bits(insn, 9, 5));
  unsigned rt = bits(insn, 4, 0);
  if (o2) {  // LDAR/STLR (and v8.1 LDLAR/STLLR): ordinary accesses on one CPU
    if (bits(insn, 20, 16) != 31 || bits(insn, 14, 10) != 31) return false;
    op.rd = load ? destZr(rt) : srcZr(rt);
    op.imm = 0;
    op.fn = registerHandler(size, load ? kLoadZero : kStore, kOffset);
    return true;
  }
  if (bits(insn, 14, 10) != 31) return false;  // Rt2
  if (load) {
    if (bits(insn, 20, 16) != 31) return false;  // Rs
    op.rd = destZr(rt);
    op.fn = kHandlerTable<LoadExclusive, 4>[size];
  } else {
    op.rd = srcZr(rt);
    op.ra = destZr(bits(insn, 20, 16));
    op.fn = kHandlerTable<StoreExclusive, 4>[size];
  }
  return true;
}

bool decodeLiteral(std::uint32_t insn, std::uint64_t pc, Op &op) {
  if (bit(insn, 26)) return false;  // SIMD&FP
  unsigned opc = bits(insn, 31, 30);
  op.rn = kZr;  // absolute address in imm
  op.imm = pc + (signExtend(bits(insn, 23, 5), 19) << 2);
  op.rd = destZr(bits(insn, 4, 0));
  switch (opc) {
    case 0: op.fn = registerHandler(2, kLoadZero, kOffset); return true;
    case 1: op.fn = registerHandler(3, kLoadZero, kOffset); return true;
    case 2: op.fn = registerHandler(2, kLoadSigned64, kOffset); return true;
    default: op.fn = opPrefetch; return true;
  }
}

bool decodePair(std::uint32_t insn, Op &op) {
  if (bit(insn, 26)) return false;  // SIMD&FP
  unsigned opc = bits(insn, 31, 30), mode_bits = bits(insn, 25, 23), load = bit(insn, 22);
  unsigned mode;
  switch (mode_bits) {
    case 0b000: mode = kOffset; break;  // LDNP/STNP: non-temporal hint only
    case 0b001: mode = kPostIndex; break;
    case 0b010: mode = kOffset; break;
    case 0b011: mode = kPreIndex; break;
    default: return false;
  }
  unsigned kind;
  if (opc == 0) kind = load ? kLoadZero : kStore;
  else if (opc == 2) kind = load ? kLoadZero : kStore;
  else if (opc == 1 && load && mode_bits != 0) kind = kLoadSigned64;  // LDPSW
  else return false;
  unsigned is64 = opc == 2 ? 1 : 0;
  op.imm = signExtend(bits(insn, 21, 15), 7) << (is64 ? 3 : 2);
  op.rn = regSp(bits(insn, 9, 5));
  unsigned rt = bits(insn, 4, 0), rt2 = bits(insn, 14, 10);
  op.rd = load ? destZr(rt) : srcZr(rt);
  op.ra = load ? destZr(rt2) : srcZr(rt2);
  op.fn = kHandlerTable<LoadStorePair, 32>[mode << 3 | kind << 1 | is64];
  return true;
}

bool decodeRegister(std::uint32_t insn, Op &op) {
  if (bit(insn, 26)) return false;  // SIMD&FP
  unsigned size = bits(insn, 31, 30), opc = bits(insn, 23, 22);
  unsigned kind = 0;
  bool prefetch = false;
  if (!accessKind(size, opc, kind, prefetch)) return false;
  op.rn = regSp(bits(insn, 9, 5));
  unsigned rt = bits(insn, 4, 0);
  op.rd = kind == kStore ? srcZr(rt) : destZr(rt);
  unsigned mode;
  if (bit(insn, 24)) {  // unsigned offset
    op.imm = std::uint64_t{bits(insn, 21, 10)} << size;
    mode = kOffset;
  } else if (bit(insn, 21) == 0) {  // imm9: unscaled, post, unprivileged, pre
    op.imm = signExtend(bits(insn, 20, 12), 9);
    unsigned idx = bits(insn, 11, 10);
    mode = idx == 1 ? kPostIndex : idx == 3 ? kPreIndex : kOffset;
    if (prefetch && idx != 0) return false;  // only PRFUM exists
  } else if (bits(insn, 11, 10) == 0b10) {  // register offset
    unsigned option = bits(insn, 15, 13);
    if ((option & 2) == 0) return false;  // UXTW, UXTX(LSL), SXTW, SXTX only
    op.rm = srcZr(bits(insn, 20, 16));
    op.a = static_cast<std::uint8_t>(option);
    op.b = static_cast<std::uint8_t>(bit(insn, 12) ? size : 0);
    mode = kRegisterOffset;
  } else {
    return false;  // atomic memory operations (LSE), pointer-auth loads
  }
  op.fn = prefetch ? opPrefetch : registerHandler(size, kind, mode);
  return true;
}

} // namespace

bool decodeLoadStore(std::uint32_t insn, std::uint64_t pc, Op &op) {
  unsigned op29_27 = bits(insn, 29, 27);
  if (bits(insn, 29, 24) == 0b001000) return decodeExclusive(insn, op);
  if (op29_27 == 0b011 && bits(insn, 25, 24) == 0) return decodeLiteral(insn, pc, op);
  if (op29_27 == 0b101) return decodePair(insn, op);
  if (op29_27 == 0b111) return decodeRegister(insn, op);
  return false;
}

} // namespace regvm::aarch64
