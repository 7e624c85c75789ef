// An arm64 KVM vCPU implementing regvm::Vcpu, for aarch64 hosts.
//
// COMPILE-CHECKED ONLY: the project's machines are x86_64, so this back end
// is built by scripts/cross-check with aarch64-linux-gnu-g++ and has never
// run. It follows kvmtool's arm/kvm-cpu.c and QEMU's target/arm/kvm.c:
//   * KVM_ARM_PREFERRED_TARGET on the VM, then KVM_ARM_VCPU_INIT;
//   * KVM_GET_REG_LIST gives every register KVM migrates. The 64-bit
//     non-core ones (system registers, firmware pseudo-registers, timers)
//     minus the machine type's hidden registers are the register list; the
//     core registers (X0-X30, SP, PC, PSTATE, V0-V31, FPSR, FPCR, ...) of
//     any size are the arch state;
//   * KVM_GET_ONE_REG / KVM_SET_ONE_REG read and write them;
//   * MMIO exits go to MmioDevices; PSCI SYSTEM_OFF (KVM_EXIT_SYSTEM_EVENT)
//     ends the run with exit status 0.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "device.h"
#include "kvm_abi.h"
#include "regcompat/result.h"
#include "vcpu.h"
#include "vcpu_kick.h"

namespace regvm::kvm {

struct Arm64KvmVcpuOptions {
  std::uint32_t id = 0;
  std::vector<std::uint64_t> hidden;  // machine type's hidden registers
  std::vector<MmioDevice *> mmio_devices;
};

class Arm64KvmVcpu : public Vcpu {
 public:
  // `vm_fd`: a VM with its memory set up; `mmap_size`: KVM_GET_VCPU_MMAP_SIZE.
  static regcompat::Result<std::unique_ptr<Arm64KvmVcpu>> create(int vm_fd, std::size_t mmap_size,
                                                                 Arm64KvmVcpuOptions options);
  ~Arm64KvmVcpu() override;

  // PC at `entry`, X0 = `x0` (e.g. the device tree address), as Linux's
  // arm64 boot protocol wants.
  regcompat::runtime::Status boot(std::uint64_t entry, std::uint64_t x0);

  std::string_view backend() const override { return "kvm"; }
  RunOutcome run() override;
  void requestStop() override { kick_->request(); }

  regcompat::runtime::LocalRegisterList registerList() const override;
  regcompat::runtime::Status
  loadRegisterList(std::span<const regcompat::runtime::StreamRegister> merged) override;

  void saveArchState(StateWriter &out) const override;
  regcompat::runtime::Status loadArchState(StateReader &in) override;

  const std::vector<std::uint64_t> &listed() const { return list_; }
  const std::string &lastStateError() const { return state_error_; }

 private:
  Arm64KvmVcpu(UniqueFd fd, kvm_run *run, std::size_t mmap_size, Arm64KvmVcpuOptions options);
  regcompat::runtime::Status readRegList();
  regcompat::runtime::Status getReg(std::uint64_t id, std::span<std::uint8_t> value) const;
  regcompat::runtime::Status setReg(std::uint64_t id, std::span<const std::uint8_t> value);
  std::optional<RunOutcome> handleMmio();
  RunOutcome error(const std::string &what) const;

  UniqueFd fd_;
  kvm_run *run_;
  std::size_t mmap_size_;
  Arm64KvmVcpuOptions options_;
  std::unique_ptr<VcpuKick> kick_;
  std::vector<std::uint64_t> list_;  // register list (64-bit, not core, not hidden)
  std::vector<std::uint64_t> core_;  // arch state (core registers)
  bool pending_mmio_ = false;
  mutable std::string state_error_;
};

}  // namespace regvm::kvm
