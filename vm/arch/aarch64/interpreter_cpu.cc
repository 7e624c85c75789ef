#include "interpreter_cpu.h"

#include "regcompat/hex_format.h"

namespace regvm::aarch64 {

InterpreterCpu::InterpreterCpu(GuestMemory &memory, std::vector<MmioDevice *> devices,
                               ConsoleSink *console, std::uint64_t entry_pc,
                               regcompat::runtime::LocalRegisterList sysregs,
                               InterpreterOptions options)
    : sysregs_(std::move(sysregs)),
      trap_log_(std::move(options.trap_sink)),
      cache_(memory, sysregs_) {
  ctx_.mem = &memory;
  ctx_.ram = memory.host();
  ctx_.ram_base = memory.base();
  ctx_.ram_size = memory.size();
  ctx_.code_pages = cache_.codePages();
  ctx_.mmio = std::move(devices);
  ctx_.sysregs = &sysregs_;
  ctx_.cache = &cache_;
  ctx_.trap_log = &trap_log_;
  ctx_.console = console;
  ctx_.strict_sysregs = options.strict_sysregs;
  ctx_.st.pc = entry_pc;
  // NZCV is UNKNOWN after reset; QEMU's reads as Z set (it keeps Z as
  // "ZF == 0", target/arm/cpu.h, and reset zeroes ZF). Same here, so that
  // guests that never set the flags print the same on both.
  ctx_.st.nzcv = kFlagZ;
}

RunOutcome InterpreterCpu::run() {
  if (finished_) return ctx_.outcome;
  ExecContext &c = ctx_;
  for (;;) {
    // Block boundary: the only place a stop request is looked at.
    if (stop_requested_.load(std::memory_order_relaxed)) [[unlikely]] {
      stop_requested_.store(false, std::memory_order_relaxed);
      return RunOutcome{StopReason::StopRequested, 0, {}};
    }
    const Op *op = cache_.get(c.st.pc)->ops.data();
    do {
      op = op->fn(c, op);
    } while (op);
    cache_.reclaim();
    if (c.halted) [[unlikely]] {
      c.halted = false;
      finished_ = true;
      return c.outcome;
    }
  }
}

// Layout, version 1 (little-endian):
//   u32 version; u64 X0..X30; u64 SP_EL0; u64 SP_EL1; u64 PC;
//   u32 NZCV (bits 31..28); u32 DAIF (bits 9..6); u32 EL (0 or 1);
//   u32 SPSel; u64 ELR_EL1; u64 SPSR_EL1; u8 exclusive monitor valid;
//   u64 exclusive address.
void InterpreterCpu::saveArchState(StateWriter &out) const {
  const CpuState &s = ctx_.st;
  out.version(kArchStateVersion);
  for (unsigned i = 0; i < 31; ++i) out.u64(s.x[i]);
  out.u64(s.spEl0());
  out.u64(s.spEl1());
  out.u64(s.pc);
  out.u32(s.nzcv);
  out.u32(s.daif);
  out.u32(s.el);
  out.u32(s.spsel);
  out.u64(s.elr_el1);
  out.u64(s.spsr_el1);
  out.u8(s.exclusive_valid ? 1 : 0);
  out.u64(s.exclusive_addr);
}

regcompat::runtime::Status InterpreterCpu::loadArchState(StateReader &in) {
  in.version(kArchStateVersion);
  CpuState s;
  for (unsigned i = 0; i < 31; ++i) s.x[i] = in.u64();
  std::uint64_t sp_el0 = in.u64(), sp_el1 = in.u64();
  s.pc = in.u64();
  std::uint64_t at = in.offset();
  s.nzcv = in.u32();
  if (in.ok() && (s.nzcv & 0x0fffffffu))
    in.failAt(at, "AArch64 CPU state: NZCV " + regcompat::hexValue(s.nzcv) + " has bits outside 31..28");
  at = in.offset();
  s.daif = in.u32();
  if (in.ok() && (s.daif & ~0x3c0u))
    in.failAt(at, "AArch64 CPU state: DAIF " + regcompat::hexValue(s.daif) + " has bits outside 9..6");
  at = in.offset();
  s.el = in.u32();
  s.spsel = in.u32();
  if (in.ok() && (s.el > 1 || s.spsel > 1 || (s.el == 0 && s.spsel != 0)))
    in.failAt(at, "AArch64 CPU state: EL" + std::to_string(s.el) + " with SPSel " +
                      std::to_string(s.spsel) + " is not a mode this CPU runs in (EL0t, EL1t, EL1h)");
  s.elr_el1 = in.u64();
  s.spsr_el1 = in.u64();
  at = in.offset();
  std::uint8_t excl = in.u8();
  if (in.ok() && excl > 1)
    in.failAt(at, "AArch64 CPU state: exclusive-monitor flag " + std::to_string(excl) + " is not 0 or 1");
  s.exclusive_valid = excl == 1;
  s.exclusive_addr = in.u64();
  if (!in.ok()) return regcompat::fail(in.error());
  s.x[kSp] = s.spsel ? sp_el1 : sp_el0;
  s.banked_sp = s.spsel ? sp_el0 : sp_el1;
  ctx_.st = s;
  ctx_.halted = false;
  finished_ = false;
  cache_.invalidateAll();
  cache_.reclaim();
  return {};
}

} // namespace regvm::aarch64
