// COMPILE-CHECKED ONLY (see arm64_kvm_vcpu.h).
#include "arm64_kvm_vcpu.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "regcompat/hex_format.h"
#include "regcompat/runtime/register_naming.h"

namespace regvm::kvm {
namespace {

constexpr std::uint64_t kSizeMask = 0x00f0000000000000ULL, kSizeShift = 52;
constexpr std::uint64_t kSizeU64 = 0x0030000000000000ULL;
constexpr std::uint64_t kGroupMask = 0x000000000fff0000ULL, kGroupCore = 0x0000000000100000ULL;
constexpr std::uint32_t kArchStateVersion = 1;

std::size_t regBytes(std::uint64_t id) { return std::size_t{1} << ((id & kSizeMask) >> kSizeShift); }
bool isCore(std::uint64_t id) { return (id & kGroupMask) == kGroupCore; }

// KVM_REG_ARM_CORE_REG(regs.pc) etc.: offsets in 32-bit words into
// struct kvm_regs (arch/arm64/include/uapi/asm/kvm.h).
std::uint64_t coreReg64(std::size_t byte_offset) {
  return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (byte_offset / sizeof(std::uint32_t));
}

}  // namespace

Arm64KvmVcpu::Arm64KvmVcpu(UniqueFd fd, kvm_run *run, std::size_t mmap_size, Arm64KvmVcpuOptions options)
    : fd_(std::move(fd)), run_(run), mmap_size_(mmap_size), options_(std::move(options)),
      kick_(std::make_unique<VcpuKick>(run)) {}

Arm64KvmVcpu::~Arm64KvmVcpu() { ::munmap(run_, mmap_size_); }

regcompat::Result<std::unique_ptr<Arm64KvmVcpu>> Arm64KvmVcpu::create(int vm_fd, std::size_t mmap_size,
                                                                      Arm64KvmVcpuOptions options) {
  kvm_vcpu_init init{};
  if (::ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
    return regcompat::fail(syscallError("KVM_ARM_PREFERRED_TARGET"));
  init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
  UniqueFd fd(::ioctl(vm_fd, KVM_CREATE_VCPU, static_cast<unsigned long>(options.id)));
  if (!fd.valid()) return regcompat::fail(syscallError("KVM_CREATE_VCPU"));
  if (::ioctl(fd.get(), KVM_ARM_VCPU_INIT, &init) < 0) return regcompat::fail(syscallError("KVM_ARM_VCPU_INIT"));
  void *map = ::mmap(nullptr, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return regcompat::fail(syscallError("mmap of the vCPU's kvm_run"));
  std::unique_ptr<Arm64KvmVcpu> vcpu(
      new Arm64KvmVcpu(std::move(fd), static_cast<kvm_run *>(map), mmap_size, std::move(options)));
  if (auto st = vcpu->readRegList(); !st) return regcompat::fail(st.error());
  return vcpu;
}

// KVM_GET_REG_LIST: ask with n = 0, learn n from E2BIG, ask again.
regcompat::runtime::Status Arm64KvmVcpu::readRegList() {
  RegListHead probe{0};
  if (::ioctl(fd_.get(), kGetRegList, &probe) == 0 || errno != E2BIG)
    return regcompat::fail(syscallError("KVM_GET_REG_LIST (size)"));
  if (probe.n > 65536) return regcompat::fail("KVM_GET_REG_LIST: " + std::to_string(probe.n) + " registers?");
  std::vector<std::uint64_t> buf{probe.n};
  buf.resize(probe.n + 1, 0);
  if (::ioctl(fd_.get(), kGetRegList, buf.data()) < 0) return regcompat::fail(syscallError("KVM_GET_REG_LIST"));
  const std::vector<std::uint64_t> hidden = options_.hidden;
  for (std::size_t i = 1; i <= std::min<std::uint64_t>(buf[0], probe.n); ++i) {
    const std::uint64_t id = buf[i];
    if (isCore(id)) core_.push_back(id);
    else if ((id & kSizeMask) == kSizeU64 && std::find(hidden.begin(), hidden.end(), id) == hidden.end())
      list_.push_back(id);
  }
  std::sort(list_.begin(), list_.end());
  return {};
}

regcompat::runtime::Status Arm64KvmVcpu::getReg(std::uint64_t id, std::span<std::uint8_t> value) const {
  kvm_one_reg reg{id, reinterpret_cast<std::uintptr_t>(value.data())};
  if (::ioctl(fd_.get(), KVM_GET_ONE_REG, &reg) < 0)
    return regcompat::fail(syscallError("KVM_GET_ONE_REG " + regcompat::runtime::describeRegister(id)));
  return {};
}

regcompat::runtime::Status Arm64KvmVcpu::setReg(std::uint64_t id, std::span<const std::uint8_t> value) {
  kvm_one_reg reg{id, reinterpret_cast<std::uintptr_t>(value.data())};
  if (::ioctl(fd_.get(), KVM_SET_ONE_REG, &reg) < 0)
    return regcompat::fail(syscallError("KVM_SET_ONE_REG " + regcompat::runtime::describeRegister(id)));
  return {};
}

regcompat::runtime::Status Arm64KvmVcpu::boot(std::uint64_t entry, std::uint64_t x0) {
  auto bytes = [](const std::uint64_t &v) { return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t *>(&v), 8); };
  if (auto st = setReg(coreReg64(offsetof(kvm_regs, regs.pc)), bytes(entry)); !st) return st;
  return setReg(coreReg64(offsetof(kvm_regs, regs.regs)), bytes(x0));
}

RunOutcome Arm64KvmVcpu::run() {
  kick_->enterRun();
  RunOutcome outcome;
  for (;;) {
    if (kick_->takeRequest()) {
      outcome = RunOutcome{StopReason::StopRequested, 0, {}};
      break;
    }
    const int r = ::ioctl(fd_.get(), KVM_RUN, 0);
    pending_mmio_ = false;
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      outcome = error(syscallError("KVM_RUN"));
      break;
    }
    if (run_->exit_reason == KVM_EXIT_MMIO) {
      if (auto o = handleMmio()) {
        outcome = *o;
        break;
      }
      continue;
    }
    if (run_->exit_reason == KVM_EXIT_SYSTEM_EVENT && run_->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
      outcome = RunOutcome{StopReason::GuestExit, 0, {}};
      break;
    }
    if (run_->exit_reason == KVM_EXIT_INTR) continue;
    outcome = error("unhandled KVM exit reason " + std::to_string(run_->exit_reason));
    break;
  }
  // An MMIO read completes at the next KVM_RUN (Documentation/virt/kvm/api.rst).
  if (pending_mmio_ && outcome.reason != StopReason::Error) {
    std::atomic_ref<std::uint8_t>(run_->immediate_exit).store(1);
    (void)::ioctl(fd_.get(), KVM_RUN, 0);
    std::atomic_ref<std::uint8_t>(run_->immediate_exit).store(0);
  }
  kick_->leaveRun();
  return outcome;
}

std::optional<RunOutcome> Arm64KvmVcpu::handleMmio() {
  auto &mmio = run_->mmio;
  pending_mmio_ = true;
  for (MmioDevice *d : options_.mmio_devices) {
    if (mmio.phys_addr < d->mmioBase() || mmio.phys_addr - d->mmioBase() >= d->mmioSize()) continue;
    const std::uint64_t offset = mmio.phys_addr - d->mmioBase();
    if (mmio.is_write) {
      std::uint64_t value = 0;
      std::memcpy(&value, mmio.data, std::min<std::size_t>(mmio.len, sizeof value));
      d->write(offset, mmio.len, value);
    } else {
      const std::uint64_t value = d->read(offset, mmio.len);
      std::memcpy(mmio.data, &value, std::min<std::size_t>(mmio.len, sizeof value));
    }
    return std::nullopt;
  }
  return error(std::string("the guest ") + (mmio.is_write ? "wrote " : "read ") + std::to_string(mmio.len) +
               " bytes at " + regcompat::hexValue(mmio.phys_addr) + ", where there is no device");
}

RunOutcome Arm64KvmVcpu::error(const std::string &what) const {
  std::uint64_t pc = 0;
  std::string where = "PC unknown";
  if (getReg(coreReg64(offsetof(kvm_regs, regs.pc)), {reinterpret_cast<std::uint8_t *>(&pc), 8}))
    where = "PC " + regcompat::hexValue(pc);
  return RunOutcome{StopReason::Error, 0, "arm64 KVM vCPU " + std::to_string(options_.id) + ": " + what + " at " + where};
}

regcompat::runtime::LocalRegisterList Arm64KvmVcpu::registerList() const {
  regcompat::runtime::LocalRegisterList out;
  state_error_.clear();
  for (std::uint64_t id : list_) {
    std::uint64_t value = 0;
    if (auto st = getReg(id, {reinterpret_cast<std::uint8_t *>(&value), 8}); !st && state_error_.empty())
      state_error_ = st.error();
    out.push_back({id, value, false});
  }
  return out;
}

regcompat::runtime::Status
Arm64KvmVcpu::loadRegisterList(std::span<const regcompat::runtime::StreamRegister> merged) {
  std::string refused;
  for (const auto &reg : merged)
    if (auto st = setReg(reg.index, {reinterpret_cast<const std::uint8_t *>(&reg.value), 8}); !st)
      refused += "\n  " + st.error() + " (value " + regcompat::runtime::formatValue(reg.value) + ")";
  if (!refused.empty()) return regcompat::fail("KVM refused register values:" + refused);
  return {};
}

// Version 1: u32 count, then per core register: u64 id, blob value.
void Arm64KvmVcpu::saveArchState(StateWriter &out) const {
  out.version(kArchStateVersion);
  out.u32(static_cast<std::uint32_t>(core_.size()));
  state_error_.clear();
  for (std::uint64_t id : core_) {
    std::vector<std::uint8_t> value(regBytes(id), 0);
    if (auto st = getReg(id, value); !st && state_error_.empty()) state_error_ = st.error();
    out.u64(id);
    out.blob(value);
  }
}

regcompat::runtime::Status Arm64KvmVcpu::loadArchState(StateReader &in) {
  in.version(kArchStateVersion);
  const std::uint32_t count = in.u32();
  std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>> regs;
  for (std::uint32_t i = 0; i < count && in.ok(); ++i) {
    const std::uint64_t at = in.offset();
    const std::uint64_t id = in.u64();
    auto value = in.blob(256);
    if (in.ok() && value.size() != regBytes(id))
      in.failAt(at, "arm64 vCPU state: " + regcompat::runtime::describeRegister(id) + " has " +
                        std::to_string(value.size()) + " bytes, its index says " + std::to_string(regBytes(id)));
    regs.emplace_back(id, std::vector<std::uint8_t>(value.begin(), value.end()));
  }
  if (!in.ok()) return regcompat::fail(in.error());
  for (const auto &[id, value] : regs)
    if (auto st = setReg(id, value); !st) return st;
  return {};
}

}  // namespace regvm::kvm
