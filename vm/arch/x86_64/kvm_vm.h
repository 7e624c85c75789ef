// One KVM virtual machine: its file descriptor, its guest RAM (memory slots
// covering a GuestMemory), the optional in-kernel LAPIC, and the slots'
// dirty-page logging.
//
// Guest RAM is one slot, except when the in-kernel LAPIC is on and RAM covers
// the LAPIC's page at 0xfee00000: KVM then owns that page (its APIC-access
// page is a private memory slot that must not overlap a user slot,
// arch/x86/kvm/vmx/vmx.c vmx_vcpu_create() -> kvm_alloc_apic_access_page()),
// so RAM becomes two slots around it and the guest must not use that page.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "guest_memory.h"
#include "kvm_abi.h"
#include "kvm_system.h"
#include "regcompat/result.h"
#include "regcompat/runtime/status.h"

namespace regvm::kvm {

struct KvmVmOptions {
  // The LAPIC in the kernel (KVM_CAP_SPLIT_IRQCHIP: no PIC/IOAPIC/PIT, which
  // regvm's machine does not have). Its state then travels with the vCPU.
  // Without it HLT exits to regvm (KVM_EXIT_HLT).
  bool in_kernel_lapic = true;
};

class KvmVm {
 public:
  // `memory` must outlive the VM (and its vCPUs, which share it).
  static regcompat::Result<std::shared_ptr<KvmVm>> create(std::shared_ptr<KvmSystem> system, GuestMemory &memory,
                                                          const KvmVmOptions &options = {});

  int fd() const { return fd_.get(); }
  KvmSystem &system() const { return *system_; }
  GuestMemory &memory() const { return memory_; }
  bool inKernelLapic() const { return options_.in_kernel_lapic; }
  // KVM_CHECK_EXTENSION on the VM (some answers, e.g. KVM_CAP_XSAVE2's
  // size, are per VM).
  int checkExtension(long cap) const;

  // The page KVM keeps for the in-kernel LAPIC when RAM covers it (the
  // guest must not use it), else nullopt.
  std::optional<std::uint64_t> lapicHole() const;

  // Turns KVM_MEM_LOG_DIRTY_PAGES on or off for the RAM slots.
  regcompat::runtime::Status setDirtyLogging(bool on);
  bool dirtyLogging() const;
  // KVM_GET_DIRTY_LOG: ORs the pages written since the previous call into
  // `bitmap` (one bit per 4 KiB page, resized to the page count) and resets
  // the kernel's log.
  regcompat::runtime::Status takeDirtyLog(std::vector<std::uint64_t> &bitmap);

 private:
  KvmVm(std::shared_ptr<KvmSystem> system, GuestMemory &memory, UniqueFd fd, const KvmVmOptions &options)
      : system_(std::move(system)), memory_(memory), fd_(std::move(fd)), options_(options) {}
  struct Slot {
    std::uint32_t id;
    std::uint64_t gpa, size;
  };
  regcompat::runtime::Status setRamSlots(std::uint32_t flags);

  std::shared_ptr<KvmSystem> system_;
  GuestMemory &memory_;
  UniqueFd fd_;
  KvmVmOptions options_;
  mutable std::mutex slot_mutex_;
  std::vector<Slot> slots_;
  std::uint32_t slot_flags_ = 0;
  std::vector<std::uint64_t> log_buffer_;
};

}  // namespace regvm::kvm
