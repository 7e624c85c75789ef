// regvm's AArch64 CPU without KVM: an interpreter over pre-decoded blocks
// (block_cache.h) running a documented subset of A64 (A64_SUBSET.md) at
// EL1 on QEMU virt's memory map. Its system registers are the release's
// register list (sysreg_file.h); others trap to the VMM (sysreg_trap_log.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "block_cache.h"
#include "cpu_state.h"
#include "device.h"
#include "exec_context.h"
#include "guest_memory.h"
#include "sysreg_file.h"
#include "sysreg_trap_log.h"
#include "vcpu.h"

namespace regvm::aarch64 {

struct InterpreterOptions {
  // An access to a system register outside the list stops the VM
  // (StopReason::Error) instead of reading as zero / ignoring the write.
  bool strict_sysregs = false;
  // Where trapped-register reports go (default: stderr).
  SysregTrapLog::Sink trap_sink;
};

class InterpreterCpu final : public Vcpu {
 public:
  // Version of saveArchState()'s layout (see saveArchState in the .cc).
  static constexpr std::uint32_t kArchStateVersion = 1;

  // `devices` serve loads and stores outside RAM; `console` receives
  // semihosting output (may be null). `sysregs`: the register list after
  // the machine type's compat table (runtime::visibleRegisters()).
  InterpreterCpu(GuestMemory &memory, std::vector<MmioDevice *> devices, ConsoleSink *console,
                 std::uint64_t entry_pc, regcompat::runtime::LocalRegisterList sysregs,
                 InterpreterOptions options = {});

  std::string_view backend() const override { return "interpreter"; }
  RunOutcome run() override;
  void requestStop() override { stop_requested_.store(true, std::memory_order_release); }

  regcompat::runtime::LocalRegisterList registerList() const override { return sysregs_.list(); }
  regcompat::runtime::Status
  loadRegisterList(std::span<const regcompat::runtime::StreamRegister> merged) override {
    return sysregs_.load(merged);
  }

  void saveArchState(StateWriter &out) const override;
  regcompat::runtime::Status loadArchState(StateReader &in) override;

  // For the runner, tests and the machine: the registers (only while stopped).
  CpuState &state() { return ctx_.st; }
  const CpuState &state() const { return ctx_.st; }
  // Guest RAM was written other than by this CPU (image load, incoming
  // migration): forget translated code.
  void invalidateCode() { cache_.invalidateAll(); }
  const std::vector<SysregEncoding> &trappedSysregs() const { return trap_log_.reported(); }
  const BlockCache &blockCache() const { return cache_; }

 private:
  SysregFile sysregs_;
  SysregTrapLog trap_log_;
  BlockCache cache_;
  ExecContext ctx_;
  std::atomic<bool> stop_requested_{false};
  bool finished_ = false;  // the guest exited or an error stopped it
};

} // namespace regvm::aarch64
