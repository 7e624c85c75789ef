#include "decoder.h"

#include "alu.h"

namespace regvm::aarch64 {

namespace {
const Op *opUnimplemented(ExecContext &c, const Op *op) { return c.unimplemented(op); }
} // namespace

DecodedOp decodeInstruction(std::uint32_t insn, std::uint64_t pc, const SysregFile &sysregs) {
  DecodedOp out;
  out.op.pc = pc;
  out.op.insn = insn;
  bool ok = false;
  // op0 = bits 28..25 (Arm ARM C4.1, "A64 instruction set encoding").
  std::uint32_t op0 = bits(insn, 28, 25);
  if ((op0 & 0b1110) == 0b1000) {
    ok = decodeDataProcessingImmediate(insn, pc, out.op);
  } else if ((op0 & 0b1110) == 0b1010) {
    ok = decodeBranchExceptionSystem(insn, pc, sysregs, out);
  } else if ((op0 & 0b0101) == 0b0100) {
    ok = decodeLoadStore(insn, pc, out.op);
  } else if ((op0 & 0b0111) == 0b0101) {
    ok = decodeDataProcessingRegister(insn, out.op);
  }
  // SIMD and floating point (x111), SVE, reserved: not in the subset.
  if (!ok) {
    out.op.fn = opUnimplemented;
    out.ends_block = true;
  }
  return out;
}

std::optional<std::uint64_t> decodeLogicalImmediate(unsigned n, unsigned imms, unsigned immr, bool is64) {
  // DecodeBitMasks (Arm ARM shared/functions/integer), immediate == TRUE.
  if (!is64 && n) return std::nullopt;
  unsigned combined = n << 6 | (~imms & 0x3f);
  if (combined == 0) return std::nullopt;
  unsigned len = 0;
  for (unsigned i = 0; i < 7; ++i)
    if (combined >> i & 1) len = i;
  if (len < 1) return std::nullopt;
  unsigned levels = (1u << len) - 1;
  if ((imms & levels) == levels) return std::nullopt;
  unsigned s = imms & levels, r = immr & levels;
  unsigned esize = 1u << len;
  std::uint64_t elem = ones(s + 1);
  if (r) elem = ((elem >> r) | (elem << (esize - r))) & ones(esize);
  std::uint64_t value = 0;
  for (unsigned i = 0; i < 64; i += esize) value |= elem << i;
  return is64 ? value : value & 0xffffffffu;
}

} // namespace regvm::aarch64
