#include "long_mode.h"

#include <cstring>
#include <string>

namespace regvm::kvm {
namespace {

// Page-table entry bits (Intel SDM vol. 3A, 4.5).
constexpr std::uint64_t kPresent = 1u << 0, kWritable = 1u << 1, kAccessed = 1u << 5, kDirty = 1u << 6,
                        kHugePage = 1u << 7;
constexpr std::uint64_t kTableEntry = kPresent | kWritable | kAccessed;
constexpr std::uint64_t kLeafEntry = kPresent | kWritable | kAccessed | kDirty | kHugePage;
constexpr std::uint64_t kGiB = 1ull << 30, kTwoMiB = 1ull << 21;

// GDT descriptors with the Accessed bit set in their type.
constexpr std::uint64_t kCode64 = 0x00af9b000000ffffULL;  // L=1, P, DPL 0, execute/read, accessed
constexpr std::uint64_t kData = 0x00cf93000000ffffULL;    // G, D/B, P, read/write, accessed
constexpr std::uint16_t kCodeSelector = 0x08, kDataSelector = 0x10, kTssSelector = 0x18;
constexpr std::uint32_t kTssLimit = 0x67;  // a 64-bit TSS is 104 bytes
constexpr std::uint8_t kTssBusy64 = 0xb;

void put64(GuestMemory &memory, std::uint64_t gpa, std::uint64_t value) {
  std::memcpy(memory.at(gpa), &value, sizeof value);
}

// The two descriptor quadwords of a 64-bit TSS (SDM vol. 3A, 7.2.3).
void putTssDescriptor(GuestMemory &memory, std::uint64_t gpa) {
  const std::uint64_t base = LongModeLayout::kTss;
  const std::uint64_t low = (kTssLimit & 0xffffULL) | ((base & 0xffffffULL) << 16) |
                            (std::uint64_t{kTssBusy64} << 40) | (1ULL << 47) |
                            (((std::uint64_t{kTssLimit} >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
  put64(memory, gpa, low);
  put64(memory, gpa + 8, base >> 32);
}

kvm_segment segment(std::uint16_t selector, std::uint8_t type, bool code) {
  kvm_segment s{};
  s.base = 0;
  s.limit = 0xffffffff;
  s.selector = selector;
  s.type = type;
  s.present = 1;
  s.dpl = 0;
  s.db = code ? 0 : 1;  // 64-bit code requires D=0 when L=1
  s.s = 1;
  s.l = code ? 1 : 0;
  s.g = 1;
  return s;
}

}  // namespace

regcompat::runtime::Status writeLongModeTables(GuestMemory &memory, bool gib_pages) {
  using L = LongModeLayout;
  if (memory.base() != 0 || !memory.contains(0, L::kImageBase))
    return regcompat::fail("x86 guest RAM must start at guest-physical 0 and hold at least 1 MiB");
  const std::uint64_t gibs = (memory.size() + kGiB - 1) / kGiB;
  const std::uint64_t max_gibs = gib_pages ? L::kMaxMappedGiB1G : L::kMaxMappedGiB2M;
  if (gibs > max_gibs)
    return regcompat::fail("x86 guest RAM of " + std::to_string(memory.size() >> 20) + " MiB exceeds the " +
                           std::to_string(max_gibs) + " GiB regvm identity-maps" +
                           (gib_pages ? "" : " without 1 GiB pages"));
  std::memset(memory.at(L::kGdt), 0, L::kStackTop - 0x10000 - L::kGdt);

  put64(memory, L::kGdt + kCodeSelector, kCode64);
  put64(memory, L::kGdt + kDataSelector, kData);
  putTssDescriptor(memory, L::kGdt + kTssSelector);

  put64(memory, L::kPml4, L::kPdpt | kTableEntry);
  for (std::uint64_t g = 0; g < gibs; ++g) {
    if (gib_pages) {
      put64(memory, L::kPdpt + 8 * g, (g * kGiB) | kLeafEntry);
      continue;
    }
    const std::uint64_t pd = L::kPageDirectories + g * 0x1000;
    put64(memory, L::kPdpt + 8 * g, pd | kTableEntry);
    for (std::uint64_t m = 0; m < 512; ++m) put64(memory, pd + 8 * m, (g * kGiB + m * kTwoMiB) | kLeafEntry);
  }
  return {};
}

void setLongModeSregs(kvm_sregs &sregs, bool xsave) {
  using L = LongModeLayout;
  sregs.cs = segment(kCodeSelector, 0xb, true);
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = segment(kDataSelector, 0x3, false);

  sregs.tr = kvm_segment{};
  sregs.tr.base = L::kTss;
  sregs.tr.limit = kTssLimit;
  sregs.tr.selector = kTssSelector;
  sregs.tr.type = kTssBusy64;
  sregs.tr.present = 1;

  sregs.ldt = kvm_segment{};
  sregs.ldt.unusable = 1;

  sregs.gdt.base = L::kGdt;
  sregs.gdt.limit = 5 * 8 - 1;
  sregs.idt.base = 0;
  sregs.idt.limit = 0;  // no IDT: any exception triple-faults (KVM_EXIT_SHUTDOWN)

  constexpr std::uint64_t kCr0Pe = 1u << 0, kCr0Mp = 1u << 1, kCr0Et = 1u << 4, kCr0Ne = 1u << 5,
                          kCr0Wp = 1u << 16, kCr0Pg = 1ull << 31;
  constexpr std::uint64_t kCr4Pae = 1u << 5, kCr4OsFxsr = 1u << 9, kCr4OsXmmExcpt = 1u << 10, kCr4OsXsave = 1u << 18;
  constexpr std::uint64_t kEferLme = 1u << 8, kEferLma = 1u << 10;
  sregs.cr0 = kCr0Pe | kCr0Mp | kCr0Et | kCr0Ne | kCr0Wp | kCr0Pg;
  sregs.cr3 = L::kPml4;
  sregs.cr4 = kCr4Pae | kCr4OsFxsr | kCr4OsXmmExcpt | (xsave ? kCr4OsXsave : 0);
  sregs.efer = kEferLme | kEferLma;
}

kvm_regs longModeEntryRegs(std::uint64_t entry) {
  kvm_regs regs{};
  regs.rip = entry;
  regs.rsp = LongModeLayout::kStackTop;
  regs.rflags = 0x2;
  return regs;
}

}  // namespace regvm::kvm
