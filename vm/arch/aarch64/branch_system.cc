// Branches, exception generation and system instructions (Arm ARM C4.1.65):
// B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR/BLR/RET/ERET, SVC/HVC/BRK/HLT,
// MSR (immediate), hints, barriers, SYS (cache maintenance), MRS/MSR.
#include "alu.h"
#include "decoder.h"
#include "guest_calls.h"
#include "sysreg_file.h"
#include "sysreg_trap_log.h"

namespace regvm::aarch64 {

namespace {

// --- branches ---------------------------------------------------------------
const Op *opBranch(ExecContext &c, const Op *op) { return c.branchTo(op->imm); }
const Op *opBranchLink(ExecContext &c, const Op *op) {
  c.st.x[30] = op->pc + 4;
  return c.branchTo(op->imm);
}
template <unsigned Cond>
struct BranchCond {
  static const Op *run(ExecContext &c, const Op *op) {
    return c.branchTo(conditionHolds(Cond, c.st.nzcv) ? op->imm : op->pc + 4);
  }
};
// F: bit 0 64-bit, bit 1 branch if non-zero.
template <unsigned F>
struct CompareBranch {
  static const Op *run(ExecContext &c, const Op *op) {
    bool zero = truncate<F & 1>(c.st.x[op->rd]) == 0;
    return c.branchTo(zero != bool(F & 2) ? op->imm : op->pc + 4);
  }
};
// F: branch if the bit is set. a = bit number.
template <unsigned F>
struct TestBranch {
  static const Op *run(ExecContext &c, const Op *op) {
    bool set = c.st.x[op->rd] >> op->a & 1;
    return c.branchTo(set == bool(F) ? op->imm : op->pc + 4);
  }
};
// F: bit 0 link (BLR).
template <unsigned F>
struct BranchRegister {
  static const Op *run(ExecContext &c, const Op *op) {
    std::uint64_t target = c.st.x[op->rn];
    if constexpr (F & 1) c.st.x[30] = op->pc + 4;
    return c.branchTo(target);
  }
};

// ERET from EL1: PSTATE from SPSR_EL1, PC from ELR_EL1 (Arm ARM D1.11.2).
const Op *opEret(ExecContext &c, const Op *op) {
  if (c.st.el == 0) return c.unimplemented(op);  // UNDEFINED at EL0
  std::uint64_t spsr = c.st.spsr_el1;
  unsigned m = static_cast<unsigned>(spsr & 0xf);
  if (spsr & 0x10 || (m != 0 && m != 4 && m != 5))
    return c.fail(op, "ERET to an unsupported mode (SPSR_EL1 " + std::to_string(spsr) +
                          "): only EL0t, EL1t and EL1h are modelled");
  c.st.nzcv = static_cast<std::uint32_t>(spsr) & 0xf0000000u;
  c.st.daif = static_cast<std::uint32_t>(spsr) & 0x3c0u;
  c.st.el = m >> 2;
  c.st.selectSp(m & 1);
  c.st.exclusive_valid = false;
  return c.branchTo(c.st.elr_el1);
}

// SVC: synchronous exception to EL1 (Arm ARM D1.10: ESR_EL1.EC 0x15,
// ELR_EL1 = next instruction, vector VBAR_EL1 + 0x000/0x200/0x400).
// aux = VBAR_EL1's slot + 1 (0: not in the list), imm = ESR_EL1's slot + 1.
const Op *opSvc(ExecContext &c, const Op *op) {
  if (op->aux == 0)
    return c.fail(op, "SVC #" + std::to_string(op->insn >> 5 & 0xffff) +
                          ": VBAR_EL1 is not in this CPU's register list, no vector to take it to");
  std::uint64_t vbar = c.sysregs->read(op->aux - 1);
  std::uint64_t offset = c.st.el == 0 ? 0x400 : c.st.spsel ? 0x200 : 0x000;
  if (op->imm) c.sysregs->write(static_cast<std::uint32_t>(op->imm - 1),
                                std::uint64_t{0x15} << 26 | 1u << 25 | (op->insn >> 5 & 0xffff));
  c.st.spsr_el1 = c.st.pstateImage();
  c.st.elr_el1 = op->pc + 4;
  c.st.daif = 0x3c0;
  c.st.el = 1;
  c.st.selectSp(1);
  c.st.exclusive_valid = false;
  return c.branchTo(vbar + offset);
}

const Op *opBrk(ExecContext &c, const Op *op) {
  return c.fail(op, "BRK #" + std::to_string(op->insn >> 5 & 0xffff) + " (breakpoint)");
}

// --- hints, barriers, PSTATE ------------------------------------------------
const Op *opNop(ExecContext &, const Op *op) { return op + 1; }
// WFI/ISB end the block so that a stop request or new code is seen.
const Op *opEndBlockHere(ExecContext &c, const Op *op) { return c.branchTo(op->pc + 4); }
const Op *opClrex(ExecContext &c, const Op *op) {
  c.st.exclusive_valid = false;
  return op + 1;
}
const Op *opMsrSpselImm(ExecContext &c, const Op *op) {
  if (c.st.el == 0) return c.unimplemented(op);
  c.st.selectSp(op->a);
  return op + 1;
}
const Op *opMsrDaifSet(ExecContext &c, const Op *op) {
  c.st.daif |= static_cast<std::uint32_t>(op->a) << 6;
  return op + 1;
}
const Op *opMsrDaifClr(ExecContext &c, const Op *op) {
  c.st.daif &= ~(static_cast<std::uint32_t>(op->a) << 6);
  return op + 1;
}

// DC ZVA: zero the 64-byte block (Cortex-A57's DCZID_EL0.BS = 4 words).
const Op *opDcZva(ExecContext &c, const Op *op) {
  static constexpr std::uint8_t zeros[64] = {};
  std::uint64_t addr = c.st.x[op->rd] & ~std::uint64_t{63};
  if (!c.writeRam(addr, zeros, sizeof zeros))
    return c.fail(op, "DC ZVA at " + std::to_string(addr) + " outside RAM");
  return c.next(op);
}

// --- system registers ---------------------------------------------------------
const Op *opMrsList(ExecContext &c, const Op *op) {
  c.st.x[op->rd] = c.sysregs->read(op->aux);
  return op + 1;
}
const Op *opMsrList(ExecContext &c, const Op *op) {
  c.sysregs->write(op->aux, c.st.x[op->rd]);
  return op + 1;
}
const Op *trap(ExecContext &c, const Op *op, bool is_write) {
  auto enc = static_cast<SysregEncoding>(op->aux);
  c.trap_log->report(enc, is_write, op->pc);
  if (c.strict_sysregs)
    return c.fail(op, std::string(is_write ? "MSR " : "MRS ") + sysregName(enc) +
                          ": system register not in this CPU's register list (strict_sysregs)");
  return op + 1;
}
const Op *opMrsTrap(ExecContext &c, const Op *op) {
  const Op *next = trap(c, op, false);
  if (next) c.st.x[op->rd] = 0;
  return next;
}
const Op *opMsrTrap(ExecContext &c, const Op *op) { return trap(c, op, true); }

// Registers that are PSTATE or exception state, not list entries (QEMU
// marks them ARM_CP_ALIAS / NO_RAW, so they are not on its list either).
std::uint64_t readSpecial(ExecContext &c, unsigned which);
void writeSpecial(ExecContext &c, unsigned which, std::uint64_t v);
enum Special : unsigned { kNzcv, kDaif, kSpsel, kCurrentEl, kSpEl0, kElrEl1, kSpsrEl1 };
struct SpecialRegister {
  SysregEncoding enc;
  Special which;
  bool writable;
};
constexpr SpecialRegister kSpecials[] = {
    {sysregEncoding(3, 3, 4, 2, 0), kNzcv, true},
    {sysregEncoding(3, 3, 4, 2, 1), kDaif, true},
    {sysregEncoding(3, 0, 4, 2, 0), kSpsel, true},
    {sysregEncoding(3, 0, 4, 2, 2), kCurrentEl, false},
    {sysregEncoding(3, 0, 4, 1, 0), kSpEl0, true},
    {sysregEncoding(3, 0, 4, 0, 1), kElrEl1, true},
    {sysregEncoding(3, 0, 4, 0, 0), kSpsrEl1, true},
};
std::uint64_t readSpecial(ExecContext &c, unsigned which) {
  switch (which) {
    case kNzcv: return c.st.nzcv;
    case kDaif: return c.st.daif;
    case kSpsel: return c.st.spsel;
    case kCurrentEl: return c.st.el << 2;
    case kSpEl0: return c.st.spEl0();
    case kElrEl1: return c.st.elr_el1;
    default: return c.st.spsr_el1;
  }
}
void writeSpecial(ExecContext &c, unsigned which, std::uint64_t v) {
  switch (which) {
    case kNzcv: c.st.nzcv = static_cast<std::uint32_t>(v) & 0xf0000000u; break;
    case kDaif: c.st.daif = static_cast<std::uint32_t>(v) & 0x3c0u; break;
    case kSpsel: c.st.selectSp(static_cast<std::uint32_t>(v)); break;
    case kSpEl0: c.st.setSpEl0(v); break;
    case kElrEl1: c.st.elr_el1 = v; break;
    default: c.st.spsr_el1 = v; break;
  }
}
const Op *opMrsSpecial(ExecContext &c, const Op *op) {
  c.st.x[op->rd] = readSpecial(c, op->a);
  return op + 1;
}
const Op *opMsrSpecial(ExecContext &c, const Op *op) {
  writeSpecial(c, op->a, c.st.x[op->rd]);
  return op + 1;
}

bool decodeSystemRegisterMove(std::uint32_t insn, const SysregFile &sysregs, Op &op) {
  bool read = bit(insn, 21);
  auto enc = static_cast<SysregEncoding>(bits(insn, 20, 5));
  unsigned rt = bits(insn, 4, 0);
  op.rd = read ? destZr(rt) : srcZr(rt);
  for (const auto &s : kSpecials) {
    if (s.enc != enc) continue;
    if (!read && !s.writable) return false;  // MSR CurrentEL is UNDEFINED
    op.a = static_cast<std::uint8_t>(s.which);
    op.fn = read ? opMrsSpecial : opMsrSpecial;
    return true;
  }
  if (auto slot = sysregs.slotOf(enc)) {
    op.aux = *slot;
    op.fn = read ? opMrsList : opMsrList;
  } else {
    op.aux = enc;
    op.fn = read ? opMrsTrap : opMsrTrap;
  }
  return true;
}

bool decodeSystem(std::uint32_t insn, const SysregFile &sysregs, DecodedOp &out) {
  Op &op = out.op;
  unsigned l = bit(insn, 21), op0 = bits(insn, 20, 19), op1 = bits(insn, 18, 16);
  unsigned crn = bits(insn, 15, 12), crm = bits(insn, 11, 8), op2 = bits(insn, 7, 5);
  unsigned rt = bits(insn, 4, 0);
  if (op0 >= 2) return decodeSystemRegisterMove(insn, sysregs, op);
  if (op0 == 1) {  // SYS: cache and TLB maintenance, address translation
    if (l) return false;  // SYSL
    op.rd = srcZr(rt);
    if (op1 == 3 && crn == 7 && crm == 4 && op2 == 1) {
      op.fn = opDcZva;
      return true;
    }
    // IC/DC/TLBI/AT: nothing to maintain (no caches, no MMU). Code written
    // by stores is already dropped from the block cache, so IC IVAU has
    // nothing to do either.
    op.fn = opNop;
    return true;
  }
  if (l || rt != 31) return false;
  if (crn == 2) {  // hints: NOP, YIELD, WFE, WFI, SEV, SEVL and the hint space
    if (crm == 0 && op2 == 3) {  // WFI: no interrupts are modelled
      op.fn = opEndBlockHere;
      out.ends_block = true;
    } else {
      op.fn = opNop;
    }
    return true;
  }
  if (crn == 3) {  // barriers
    switch (op2) {
      case 2: op.fn = opClrex; return true;
      case 4: case 5: case 7: op.fn = opNop; return true;  // DSB, DMB, SB
      case 6: op.fn = opEndBlockHere; out.ends_block = true; return true;  // ISB
      default: return false;
    }
  }
  if (crn == 4) {  // MSR (immediate): the PSTATE fields of ARMv8.0
    op.a = static_cast<std::uint8_t>(crm);
    if (op1 == 0 && op2 == 5) {
      op.fn = opMsrSpselImm;
      return true;
    }
    if (op1 == 3 && op2 == 6) {
      op.fn = opMsrDaifSet;
      return true;
    }
    if (op1 == 3 && op2 == 7) {
      op.fn = opMsrDaifClr;
      return true;
    }
  }
  return false;
}

bool decodeExceptionGeneration(std::uint32_t insn, const SysregFile &sysregs, Op &op) {
  unsigned opc = bits(insn, 23, 21), op2 = bits(insn, 4, 2), ll = bits(insn, 1, 0);
  if (op2 != 0) return false;
  if (opc == 0 && ll == 1) {  // SVC
    auto vbar = sysregs.slotOf(sysregEncoding(3, 0, 12, 0, 0));
    auto esr = sysregs.slotOf(sysregEncoding(3, 0, 5, 2, 0));
    op.aux = vbar ? *vbar + 1 : 0;
    op.imm = esr ? *esr + 1 : 0;
    op.fn = opSvc;
    return true;
  }
  if (opc == 0 && ll == 2) {  // HVC: QEMU virt's PSCI conduit
    op.fn = opPsciCall;
    return true;
  }
  if (opc == 1 && ll == 0) {
    op.fn = opBrk;
    return true;
  }
  if (opc == 2 && ll == 0) {
    if (bits(insn, 20, 5) != 0xf000) return false;  // other HLT immediates: halting debug
    op.fn = opSemihostingCall;
    return true;
  }
  return false;  // SMC, DCPS
}

} // namespace

bool decodeBranchExceptionSystem(std::uint32_t insn, std::uint64_t pc, const SysregFile &sysregs,
                                 DecodedOp &out) {
  Op &op = out.op;
  out.ends_block = true;
  unsigned top = bits(insn, 31, 29);
  if (bits(insn, 30, 26) == 0b00101) {  // B, BL
    op.imm = pc + (signExtend(bits(insn, 25, 0), 26) << 2);
    op.fn = bit(insn, 31) ? opBranchLink : opBranch;
    return true;
  }
  if (bits(insn, 30, 25) == 0b011010) {  // CBZ, CBNZ
    op.imm = pc + (signExtend(bits(insn, 23, 5), 19) << 2);
    op.rd = srcZr(bits(insn, 4, 0));
    op.fn = kHandlerTable<CompareBranch, 4>[bit(insn, 24) << 1 | bit(insn, 31)];
    return true;
  }
  if (bits(insn, 30, 25) == 0b011011) {  // TBZ, TBNZ
    op.imm = pc + (signExtend(bits(insn, 18, 5), 14) << 2);
    op.rd = srcZr(bits(insn, 4, 0));
    op.a = static_cast<std::uint8_t>(bit(insn, 31) << 5 | bits(insn, 23, 19));
    op.fn = kHandlerTable<TestBranch, 2>[bit(insn, 24)];
    return true;
  }
  if (top == 0b010 && bits(insn, 25, 24) == 0 && bit(insn, 4) == 0) {  // B.cond
    op.imm = pc + (signExtend(bits(insn, 23, 5), 19) << 2);
    op.fn = kHandlerTable<BranchCond, 16>[bits(insn, 3, 0)];
    return true;
  }
  if (top == 0b110) {
    if (bits(insn, 25, 24) == 0b00) return decodeExceptionGeneration(insn, sysregs, op);
    if (bits(insn, 25, 22) == 0b0100) {
      out.ends_block = false;
      return decodeSystem(insn, sysregs, out);
    }
    if (bit(insn, 25) == 1) {  // unconditional branch (register)
      unsigned opc = bits(insn, 24, 21), op2 = bits(insn, 20, 16), op3 = bits(insn, 15, 10);
      unsigned rn = bits(insn, 9, 5), op4 = bits(insn, 4, 0);
      if (op2 != 31 || op3 != 0 || op4 != 0) return false;  // pointer-auth forms
      op.rn = srcZr(rn);
      switch (opc) {
        case 0b0000: case 0b0010: op.fn = kHandlerTable<BranchRegister, 2>[0]; return true;  // BR, RET
        case 0b0001: op.fn = kHandlerTable<BranchRegister, 2>[1]; return true;  // BLR
        case 0b0100:
          if (rn != 31) return false;
          op.fn = opEret;
          return true;
        default: return false;
      }
    }
  }
  return false;
}

} // namespace regvm::aarch64
