// An x86_64 KVM vCPU implementing regvm::Vcpu.
//
// Register list = MSRs (msr_list.h), read with KVM_GET_MSRS and written with
// KVM_SET_MSRS. Architecture state = X86ArchState (x86_arch_state.h).
// Port I/O goes to a PioBus; a write to the DebugExitPort ends run() with
// StopReason::GuestExit.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "debug_exit_port.h"
#include "kvm_abi.h"
#include "kvm_vm.h"
#include "pio_bus.h"
#include "regcompat/runtime/register_naming.h"
#include "vcpu.h"
#include "vcpu_kick.h"
#include "x86_arch_state.h"

namespace regvm::kvm {

struct KvmVcpuOptions {
  std::uint32_t id = 0;
  // The register list: MSR register indexes (msrRegisterIndex()), e.g. from
  // restrictMsrList(). MSRs this vCPU refuses to read are dropped and listed
  // in refusedMsrs(), unless require_all_msrs makes that an error.
  std::vector<std::uint64_t> msrs;
  bool require_all_msrs = false;
  // Names for messages (e.g. the database's register catalogue).
  regcompat::runtime::NameResolver msr_names;
  std::vector<PioDevice *> pio_devices;
  DebugExitPort *exit_port = nullptr;  // also listed in pio_devices
};

class KvmVcpu : public Vcpu {
 public:
  // Creates the vCPU (it keeps `vm` alive) with the host's supported CPUID (what QEMU's
  // "-cpu host" gives) and checks its register list.
  static regcompat::Result<std::unique_ptr<KvmVcpu>> create(std::shared_ptr<KvmVm> vm, KvmVcpuOptions options);
  ~KvmVcpu() override;

  // For a fresh start (not for an incoming migration): writes the long-mode
  // tables into guest RAM (long_mode.h) and points RIP at `entry`.
  regcompat::runtime::Status boot(std::uint64_t entry);

  const std::vector<std::uint64_t> &msrList() const { return msrs_; }
  const std::vector<std::uint64_t> &refusedMsrs() const { return refused_; }
  // Whether the guest CPUID offers 1 GiB pages.
  bool gibPages() const { return gib_pages_; }
  // Whether the guest CPUID offers XSAVE (CR4.OSXSAVE is then set at boot).
  bool xsave() const { return cpuid_xsave_; }

  std::string_view backend() const override { return "kvm"; }
  RunOutcome run() override;
  void requestStop() override { kick_->request(); }

  regcompat::runtime::LocalRegisterList registerList() const override;
  // Writes every pair it can; the error names each MSR KVM refused, with its
  // value. Indexes that are not x86 MSRs are an error before any write.
  regcompat::runtime::Status
  loadRegisterList(std::span<const regcompat::runtime::StreamRegister> merged) override;

  void saveArchState(StateWriter &out) const override;
  // Reads the whole record before changing anything: a bad or truncated
  // record leaves the vCPU as it was, and the error names the byte offset.
  regcompat::runtime::Status loadArchState(StateReader &in) override;

  // The state as KVM has it now / setting it (the pieces of
  // saveArchState/loadArchState).
  regcompat::Result<X86ArchState> readArchState() const;
  regcompat::runtime::Status writeArchState(const X86ArchState &state);

  // registerList() and saveArchState() cannot return an error (vcpu.h): the
  // last ioctl failure they met, empty if none.
  const std::string &lastStateError() const { return state_error_; }

 private:
  KvmVcpu(std::shared_ptr<KvmVm> vm, UniqueFd fd, kvm_run *run, KvmVcpuOptions options);
  regcompat::runtime::Status setCpuid();
  regcompat::runtime::Status dropRefusedMsrs();
  RunOutcome runLoop();
  std::optional<RunOutcome> handleIo();
  RunOutcome error(const std::string &what) const;
  void completePendingIo();
  regcompat::Result<std::uint64_t> readMsr(std::uint32_t msr) const;
  regcompat::runtime::Status writeMsr(std::uint32_t msr, std::uint64_t value);
  std::string describe(std::uint64_t index) const;

  std::shared_ptr<KvmVm> vm_;
  UniqueFd fd_;
  kvm_run *run_;
  KvmVcpuOptions options_;
  std::unique_ptr<VcpuKick> kick_;
  PioBus pio_;
  std::vector<std::uint64_t> msrs_;
  std::vector<std::uint64_t> refused_;
  bool gib_pages_ = false;
  bool cpuid_xsave_ = false;
  bool has_sregs2_ = false;
  bool has_xsave2_ = false;
  std::size_t xsave_size_ = 4096;
  bool pending_io_ = false;  // an I/O exit KVM completes at the next KVM_RUN
  mutable std::string state_error_;
};

}  // namespace regvm::kvm
