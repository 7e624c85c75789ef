// The 64-bit long-mode environment regvm builds for its x86 guests instead of
// firmware: identity-mapped page tables (1 GiB pages when the CPU has them,
// else 2 MiB), a GDT with one code and one data segment and a TSS, and the
// control registers, as Firecracker's arch/x86_64/regs.rs and kvmtool's
// x86/kvm-cpu.c do it for a 64-bit kernel entry.
//
// Guest-physical layout (the first 1 MiB; guest RAM starts at 0):
//   0x1000  GDT (5 entries) and the TSS at 0x1100
//   0x2000  PML4
//   0x3000  PDPT (512 x 1 GiB)
//   0x4000  page directories, one per GiB (2 MiB pages only)
//   0x80000 top of the initial stack (grows down)
//   0x100000 guest image (kImageBase)
#pragma once

#include <linux/kvm.h>

#include <cstdint>

#include "guest_memory.h"
#include "regcompat/runtime/status.h"

namespace regvm::kvm {

struct LongModeLayout {
  static constexpr std::uint64_t kGdt = 0x1000;
  static constexpr std::uint64_t kTss = 0x1100;
  static constexpr std::uint64_t kPml4 = 0x2000;
  static constexpr std::uint64_t kPdpt = 0x3000;
  static constexpr std::uint64_t kPageDirectories = 0x4000;
  static constexpr std::uint64_t kStackTop = 0x80000;
  static constexpr std::uint64_t kImageBase = 0x100000;
  // 2 MiB pages: page directories must stay below the stack's last 64 KiB.
  static constexpr std::uint64_t kMaxMappedGiB2M = (0x70000 - kPageDirectories) / 0x1000;
  static constexpr std::uint64_t kMaxMappedGiB1G = 512;
};

// Writes the GDT, TSS and page tables into guest RAM, identity-mapping every
// GiB that holds RAM. Every entry is written with its Accessed (and leaf
// Dirty) bit already set, so the CPU never writes them: a dirty log then shows
// only the guest's own stores.
regcompat::runtime::Status writeLongModeTables(GuestMemory &memory, bool gib_pages);

// Segment, descriptor-table and control registers for 64-bit code at CPL 0
// with those tables (CR0.PG|PE|NE|WP|MP, CR4.PAE|OSFXSR|OSXMMEXCPT, and
// CR4.OSXSAVE when `xsave`, EFER.LME|LMA); other fields of `sregs` are left
// as KVM_GET_SREGS gave them. With `xsave` the guest also needs XCR0 with
// x87 and SSE enabled (kGuestXcr0): some hosts (e.g. PVM, which runs the
// guest under the host's CR4.OSXSAVE) fault SSE instructions otherwise.
void setLongModeSregs(kvm_sregs &sregs, bool xsave);
constexpr std::uint64_t kGuestXcr0 = 0x3;  // XFEATURE_MASK_FP | XFEATURE_MASK_SSE

// RIP at `entry`, RSP at the stack top, RFLAGS with only the reserved bit 1.
kvm_regs longModeEntryRegs(std::uint64_t entry);

}  // namespace regvm::kvm
