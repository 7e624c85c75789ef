// The AArch64 interpreter's architectural state (what saveArchState()
// writes): general registers, both stack pointers, PC, PSTATE fields, the
// exception-return registers and the exclusive monitor.
#pragma once

#include <cstdint>

namespace regvm::aarch64 {

// Register slots. The decoder resolves encoding 31 once, per operand, to
// either the zero register or the stack pointer (Arm ARM C1.2.5: which one
// depends on the instruction), so handlers never test for 31:
//   0..30 X0..X30, kZr reads as 0 (never written), kSink takes writes to XZR,
//   kSp is the stack pointer of the current SPSel.
inline constexpr unsigned kZr = 31;
inline constexpr unsigned kSink = 32;
inline constexpr unsigned kSp = 33;
inline constexpr unsigned kRegSlots = 34;

// PSTATE.NZCV as MRS NZCV shows it (bits 31..28).
inline constexpr std::uint32_t kFlagN = 1u << 31;
inline constexpr std::uint32_t kFlagZ = 1u << 30;
inline constexpr std::uint32_t kFlagC = 1u << 29;
inline constexpr std::uint32_t kFlagV = 1u << 28;

struct CpuState {
  std::uint64_t x[kRegSlots] = {};
  std::uint64_t pc = 0;
  std::uint32_t nzcv = 0;
  // DAIF mask bits as MRS DAIF shows them (bits 9..6); reset: all masked.
  std::uint32_t daif = 0x3c0;
  // The guest starts at EL1 (QEMU virt without EL2/EL3 starts kernels
  // there) and may ERET to EL0. spsel = 1: SP is SP_EL1 (x[kSp]) and the
  // other stack pointer is banked_sp; at EL0 spsel is 0.
  std::uint32_t el = 1;
  std::uint32_t spsel = 1;
  std::uint64_t banked_sp = 0;  // SP_EL0 while spsel == 1, SP_EL1 while 0
  std::uint64_t elr_el1 = 0;
  std::uint64_t spsr_el1 = 0;
  // Single-CPU exclusive monitor (LDXR/STXR).
  bool exclusive_valid = false;
  std::uint64_t exclusive_addr = 0;

  std::uint64_t spEl0() const { return spsel ? banked_sp : x[kSp]; }
  std::uint64_t spEl1() const { return spsel ? x[kSp] : banked_sp; }
  void setSpEl0(std::uint64_t v) { (spsel ? banked_sp : x[kSp]) = v; }
  void setSpEl1(std::uint64_t v) { (spsel ? x[kSp] : banked_sp) = v; }
  void selectSp(std::uint32_t sel) {
    sel &= 1;
    if (sel == spsel) return;
    std::uint64_t t = x[kSp];
    x[kSp] = banked_sp;
    banked_sp = t;
    spsel = sel;
  }
  // SPSR image of PSTATE: NZCV, DAIF, M[3:0] = EL << 2 | SPSel.
  std::uint64_t pstateImage() const { return nzcv | daif | el << 2 | spsel; }
};

} // namespace regvm::aarch64
