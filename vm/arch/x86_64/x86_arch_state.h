// Everything of an x86 KVM vCPU beyond its MSR register list, as one
// versioned record (vcpu.h: saveArchState / loadArchState): what QEMU's
// kvm_arch_get_registers() reads (target/i386/kvm/kvm.c) for a guest without
// nested virtualisation.
//
// Encoding, version 1 (saved_state.h: little-endian, u32-length blobs):
//   u32 version = 1
//   u32 flags         bit 0: sregs is struct kvm_sregs2, else kvm_sregs
//                     bit 1: lapic present (in-kernel LAPIC)
//   blob regs         struct kvm_regs
//   blob sregs        struct kvm_sregs2 or kvm_sregs
//   blob xsave        struct kvm_xsave (4096 bytes, more with AMX: XSAVE2)
//   blob xcrs         struct kvm_xcrs
//   blob debugregs    struct kvm_debugregs
//   blob events       struct kvm_vcpu_events
//   u32 mp_state      KVM_MP_STATE_*
//   blob lapic        struct kvm_lapic_state        (flag bit 1 only)
//   u32 tsc_khz       0 = unknown
//   u64 tsc           MSR_IA32_TSC when saved
// The blobs are the kernel's uapi structures, whose layout is ABI; each
// must have exactly its structure's size.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "saved_state.h"

namespace regvm::kvm {

struct X86ArchState {
  static constexpr std::uint32_t kVersion = 1;

  kvm_regs regs{};
  bool has_sregs2 = false;
  kvm_sregs sregs{};    // when !has_sregs2
  kvm_sregs2 sregs2{};  // when has_sregs2
  std::vector<std::uint8_t> xsave;
  kvm_xcrs xcrs{};
  kvm_debugregs debugregs{};
  kvm_vcpu_events events{};
  std::uint32_t mp_state = KVM_MP_STATE_RUNNABLE;
  std::optional<kvm_lapic_state> lapic;
  std::uint32_t tsc_khz = 0;
  std::uint64_t tsc = 0;

  void save(StateWriter &out) const;
  // Reads a whole record; on error `in` holds the message with the byte
  // offset and the returned state must not be used. `max_xsave` is the
  // largest XSAVE area this vCPU takes.
  static X86ArchState load(StateReader &in, std::size_t max_xsave);
};

}  // namespace regvm::kvm
