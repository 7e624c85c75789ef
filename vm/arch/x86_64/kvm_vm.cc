#include "kvm_vm.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "regcompat/hex_format.h"

namespace regvm::kvm {
namespace {

// Where QEMU puts the real-mode TSS and EPT identity map pages (three pages
// and one page just below the BIOS, target/i386/kvm/kvm.c
// kvm_arch_init()). KVM uses them only on Intel hosts without unrestricted
// guest support; regvm's guests never run in real mode.
constexpr std::uint64_t kIdentityMapAddr = 0xfffbc000;
constexpr std::uint64_t kTssAddr = 0xfffbd000;
constexpr std::uint64_t kTssEnd = kTssAddr + 3 * 4096;
// APIC_DEFAULT_PHYS_BASE (arch/x86/include/asm/apicdef.h).
constexpr std::uint64_t kLapicPage = 0xfee00000;

bool covers(const GuestMemory &m, std::uint64_t begin, std::uint64_t end) {
  return m.base() < end && m.base() + m.size() > begin;
}

// ORs `bits` bits of `src` into `dst` starting at bit `first` of `dst`.
void orBitsAt(std::vector<std::uint64_t> &dst, const std::vector<std::uint64_t> &src, std::uint64_t bits,
              std::uint64_t first) {
  for (std::uint64_t i = 0; i < bits; ++i)
    if ((src[i / 64] >> (i % 64)) & 1u) dst[(first + i) / 64] |= std::uint64_t{1} << ((first + i) % 64);
}

}  // namespace

regcompat::Result<std::shared_ptr<KvmVm>> KvmVm::create(std::shared_ptr<KvmSystem> system, GuestMemory &memory,
                                                        const KvmVmOptions &options) {
  UniqueFd fd(::ioctl(system->fd(), KVM_CREATE_VM, 0));
  if (!fd.valid()) return regcompat::fail(syscallError("KVM_CREATE_VM"));
  std::shared_ptr<KvmVm> vm(new KvmVm(system, memory, std::move(fd), options));

  // Only where guest RAM leaves room for them: a RAM slot over these pages
  // would collide with KVM's private slots on the hosts that need them.
  if (!covers(memory, kIdentityMapAddr, kTssEnd)) {
    std::uint64_t identity = kIdentityMapAddr;
    if (::ioctl(vm->fd(), KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
      return regcompat::fail(syscallError("KVM_SET_IDENTITY_MAP_ADDR"));
    if (::ioctl(vm->fd(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(kTssAddr)) < 0)
      return regcompat::fail(syscallError("KVM_SET_TSS_ADDR"));
  }
  if (options.in_kernel_lapic) {
    if (system->checkExtension(KVM_CAP_SPLIT_IRQCHIP) <= 0)
      return regcompat::fail(system->device() + ": KVM lacks KVM_CAP_SPLIT_IRQCHIP (in-kernel LAPIC only); "
                             "create the VM without the in-kernel LAPIC");
    kvm_enable_cap cap{};
    cap.cap = KVM_CAP_SPLIT_IRQCHIP;
    cap.args[0] = 24;  // IOAPIC routes reserved for userspace, QEMU's default
    if (::ioctl(vm->fd(), KVM_ENABLE_CAP, &cap) < 0)
      return regcompat::fail(syscallError("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)"));
  }

  const std::uint64_t end = memory.base() + memory.size();
  if (auto hole = vm->lapicHole()) {
    vm->slots_.push_back({0, memory.base(), *hole - memory.base()});
    if (end > *hole + GuestMemory::kPageSize)
      vm->slots_.push_back({1, *hole + GuestMemory::kPageSize, end - *hole - GuestMemory::kPageSize});
  } else {
    vm->slots_.push_back({0, memory.base(), memory.size()});
  }
  if (auto st = vm->setRamSlots(0); !st) return regcompat::fail(st.error());
  return vm;
}

std::optional<std::uint64_t> KvmVm::lapicHole() const {
  if (options_.in_kernel_lapic && covers(memory_, kLapicPage, kLapicPage + GuestMemory::kPageSize) &&
      memory_.base() < kLapicPage)
    return kLapicPage;
  return std::nullopt;
}

int KvmVm::checkExtension(long cap) const { return ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap); }

regcompat::runtime::Status KvmVm::setRamSlots(std::uint32_t flags) {
  for (const Slot &slot : slots_) {
    kvm_userspace_memory_region region{};
    region.slot = slot.id;
    region.flags = flags;
    region.guest_phys_addr = slot.gpa;
    region.memory_size = slot.size;
    region.userspace_addr = reinterpret_cast<std::uintptr_t>(memory_.at(slot.gpa));
    if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
      return regcompat::fail(syscallError("KVM_SET_USER_MEMORY_REGION (guest RAM at " +
                                          regcompat::hexValue(slot.gpa) + ", " +
                                          std::to_string(slot.size >> 20) + " MiB)"));
  }
  slot_flags_ = flags;
  return {};
}

regcompat::runtime::Status KvmVm::setDirtyLogging(bool on) {
  std::lock_guard lock(slot_mutex_);
  const std::uint32_t flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0;
  if (flags == slot_flags_) return {};
  return setRamSlots(flags);
}

bool KvmVm::dirtyLogging() const {
  std::lock_guard lock(slot_mutex_);
  return slot_flags_ & KVM_MEM_LOG_DIRTY_PAGES;
}

regcompat::runtime::Status KvmVm::takeDirtyLog(std::vector<std::uint64_t> &bitmap) {
  std::lock_guard lock(slot_mutex_);
  if (!(slot_flags_ & KVM_MEM_LOG_DIRTY_PAGES))
    return regcompat::fail("KVM_GET_DIRTY_LOG: dirty logging is not enabled on guest RAM");
  bitmap.resize((memory_.pageCount() + 63) / 64, 0);
  for (const Slot &slot : slots_) {
    const std::uint64_t pages = slot.size / GuestMemory::kPageSize;
    log_buffer_.assign((pages + 63) / 64, 0);  // the kernel writes whole longs
    kvm_dirty_log log{};
    log.slot = slot.id;
    log.dirty_bitmap = log_buffer_.data();
    if (::ioctl(fd_.get(), KVM_GET_DIRTY_LOG, &log) < 0) return regcompat::fail(syscallError("KVM_GET_DIRTY_LOG"));
    const std::uint64_t first = (slot.gpa - memory_.base()) / GuestMemory::kPageSize;
    if (first % 64 == 0) {
      for (std::uint64_t i = 0; i < log_buffer_.size(); ++i) bitmap[first / 64 + i] |= log_buffer_[i];
    } else {
      orBitsAt(bitmap, log_buffer_, pages, first);
    }
  }
  return {};
}

}  // namespace regvm::kvm
