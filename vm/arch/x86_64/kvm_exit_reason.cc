#include "kvm_exit_reason.h"

#include <linux/kvm.h>

namespace regvm::kvm {
namespace {

struct ExitName {
  std::uint32_t reason;
  const char *name;
};

// include/uapi/linux/kvm.h.
constexpr ExitName kExitNames[] = {
    {KVM_EXIT_UNKNOWN, "KVM_EXIT_UNKNOWN"},
    {KVM_EXIT_EXCEPTION, "KVM_EXIT_EXCEPTION"},
    {KVM_EXIT_IO, "KVM_EXIT_IO"},
    {KVM_EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL"},
    {KVM_EXIT_DEBUG, "KVM_EXIT_DEBUG"},
    {KVM_EXIT_HLT, "KVM_EXIT_HLT"},
    {KVM_EXIT_MMIO, "KVM_EXIT_MMIO"},
    {KVM_EXIT_IRQ_WINDOW_OPEN, "KVM_EXIT_IRQ_WINDOW_OPEN"},
    {KVM_EXIT_SHUTDOWN, "KVM_EXIT_SHUTDOWN"},
    {KVM_EXIT_FAIL_ENTRY, "KVM_EXIT_FAIL_ENTRY"},
    {KVM_EXIT_INTR, "KVM_EXIT_INTR"},
    {KVM_EXIT_SET_TPR, "KVM_EXIT_SET_TPR"},
    {KVM_EXIT_TPR_ACCESS, "KVM_EXIT_TPR_ACCESS"},
    {KVM_EXIT_NMI, "KVM_EXIT_NMI"},
    {KVM_EXIT_INTERNAL_ERROR, "KVM_EXIT_INTERNAL_ERROR"},
    {KVM_EXIT_OSI, "KVM_EXIT_OSI"},
    {KVM_EXIT_WATCHDOG, "KVM_EXIT_WATCHDOG"},
    {KVM_EXIT_EPR, "KVM_EXIT_EPR"},
    {KVM_EXIT_SYSTEM_EVENT, "KVM_EXIT_SYSTEM_EVENT"},
    {KVM_EXIT_IOAPIC_EOI, "KVM_EXIT_IOAPIC_EOI"},
    {KVM_EXIT_HYPERV, "KVM_EXIT_HYPERV"},
    {KVM_EXIT_X86_RDMSR, "KVM_EXIT_X86_RDMSR"},
    {KVM_EXIT_X86_WRMSR, "KVM_EXIT_X86_WRMSR"},
    {KVM_EXIT_DIRTY_RING_FULL, "KVM_EXIT_DIRTY_RING_FULL"},
    {KVM_EXIT_X86_BUS_LOCK, "KVM_EXIT_X86_BUS_LOCK"},
    {KVM_EXIT_XEN, "KVM_EXIT_XEN"},
};

}  // namespace

std::string exitReasonName(std::uint32_t reason) {
  for (const ExitName &e : kExitNames)
    if (e.reason == reason) return std::string(e.name) + " (" + std::to_string(reason) + ")";
  return "exit reason " + std::to_string(reason);
}

}  // namespace regvm::kvm
