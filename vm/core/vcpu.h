// A CPU back end: the AArch64 interpreter (vm/arch/aarch64/) or a KVM vCPU
// (vm/arch/x86_64/, vm/arch/aarch64/kvm_*). The machine (vm/core/machine.h)
// runs it on its own thread and pauses it for migration.
//
// A vCPU's state travels in two parts, as QEMU's does:
//   * the register list (registerList / loadRegisterList): the registers the
//     release's register set defines, minus the machine type's hidden ones,
//     as (KVM index, value) pairs. This is what the compat tables are about;
//     it goes through the runtime library (runtime::outgoing on the source,
//     runtime::merge on the destination).
//   * the architecture state (saveArchState / loadArchState): everything else
//     (general registers, PC, flags, FP/SIMD; on KVM the special registers,
//     FPU/XSAVE, LAPIC, pending events), versioned.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "regcompat/runtime/register_list.h"
#include "regcompat/runtime/status.h"
#include "saved_state.h"

namespace regvm {

enum class StopReason : std::uint8_t {
  GuestExit,      // the guest asked to exit (semihosting SYS_EXIT, exit port)
  StopRequested,  // requestStop() was called; run() may be called again
  Error,          // unimplemented instruction, unhandled exit, ...: VM stops
};

struct RunOutcome {
  StopReason reason = StopReason::StopRequested;
  int exit_status = 0;  // GuestExit: the status the guest gave
  std::string error;    // Error: one line naming what and where (PC, instruction word)
};

class Vcpu {
 public:
  virtual ~Vcpu() = default;

  // "interpreter", "kvm"
  virtual std::string_view backend() const = 0;

  // Runs the guest until it exits, stops with an error, or requestStop() is
  // called (from any thread; run() then returns StopRequested promptly, in
  // well under a millisecond of guest time). Called again, it continues.
  virtual RunOutcome run() = 0;
  virtual void requestStop() = 0;

  // The register list with current values, sorted by index. Only while
  // stopped.
  virtual regcompat::runtime::LocalRegisterList registerList() const = 0;
  // Writes merged values (runtime::MergeReport::merged). Only while stopped.
  virtual regcompat::runtime::Status
  loadRegisterList(std::span<const regcompat::runtime::StreamRegister> merged) = 0;

  // Versioned: the first field written is the arch state's version.
  virtual void saveArchState(StateWriter &out) const = 0;
  virtual regcompat::runtime::Status loadArchState(StateReader &in) = 0;
};

} // namespace regvm
