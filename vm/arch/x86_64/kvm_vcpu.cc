#include "kvm_vcpu.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "kvm_abi.h"
#include "kvm_exit_reason.h"
#include "long_mode.h"
#include "msr_list.h"
#include "regcompat/hex_format.h"

namespace regvm::kvm {
namespace {

// KVM_GET_MSRS / KVM_SET_MSRS on `entries` from `first`: the ioctls stop at
// the first MSR KVM refuses and return how many they processed
// (arch/x86/kvm/x86.c __msr_io()). Returns that count, or -1 (errno).
int msrIo(int fd, unsigned long request, std::vector<kvm_msr_entry> &entries, std::size_t first) {
  const std::size_t n = entries.size() - first;
  FlexArg<MsrsHead, kvm_msr_entry> arg(MsrsHead{static_cast<std::uint32_t>(n), 0}, n);
  for (std::size_t i = 0; i < n; ++i) arg.set(i, entries[first + i]);
  const int r = ::ioctl(fd, request, arg.data());
  if (r > 0 && request == kGetMsrs)
    for (std::size_t i = 0; i < static_cast<std::size_t>(r); ++i) entries[first + i] = arg.get(i);
  return r;
}

kvm_msr_entry msrEntry(std::uint32_t index, std::uint64_t data = 0) {
  kvm_msr_entry e{};
  e.index = index;
  e.data = data;
  return e;
}

// CPUID.80000001H:EDX.Page1GB[bit 26], CPUID.01H:ECX.XSAVE[bit 26].
bool offersGibPages(const std::vector<kvm_cpuid_entry2> &cpuid) {
  return std::any_of(cpuid.begin(), cpuid.end(), [](const kvm_cpuid_entry2 &e) {
    return e.function == 0x80000001 && ((e.edx >> 26) & 1u);
  });
}
bool offersXsave(const std::vector<kvm_cpuid_entry2> &cpuid) {
  return std::any_of(cpuid.begin(), cpuid.end(), [](const kvm_cpuid_entry2 &e) {
    return e.function == 1 && ((e.ecx >> 26) & 1u);
  });
}

}  // namespace

KvmVcpu::KvmVcpu(std::shared_ptr<KvmVm> vm, UniqueFd fd, kvm_run *run, KvmVcpuOptions options)
    : vm_(std::move(vm)), fd_(std::move(fd)), run_(run), options_(std::move(options)),
      kick_(std::make_unique<VcpuKick>(run)), pio_(options_.pio_devices) {}

KvmVcpu::~KvmVcpu() { ::munmap(run_, vm_->system().vcpuMmapSize()); }

regcompat::Result<std::unique_ptr<KvmVcpu>> KvmVcpu::create(std::shared_ptr<KvmVm> vm, KvmVcpuOptions options) {
  std::vector<std::uint64_t> msrs = options.msrs;
  std::sort(msrs.begin(), msrs.end());
  msrs.erase(std::unique(msrs.begin(), msrs.end()), msrs.end());
  for (std::uint64_t index : msrs)
    if (!msrOfRegisterIndex(index))
      return regcompat::fail("x86 vCPU register list: " + regcompat::runtime::describeRegister(index) +
                             " is not an x86 MSR register index");

  UniqueFd fd(::ioctl(vm->fd(), KVM_CREATE_VCPU, static_cast<unsigned long>(options.id)));
  if (!fd.valid()) return regcompat::fail(syscallError("KVM_CREATE_VCPU " + std::to_string(options.id)));
  void *map = ::mmap(nullptr, vm->system().vcpuMmapSize(), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return regcompat::fail(syscallError("mmap of the vCPU's kvm_run"));
  std::unique_ptr<KvmVcpu> vcpu(new KvmVcpu(vm, std::move(fd), static_cast<kvm_run *>(map), std::move(options)));
  vcpu->msrs_ = std::move(msrs);

  if (auto st = vcpu->setCpuid(); !st) return regcompat::fail(st.error());
  vcpu->has_sregs2_ = vm->system().checkExtension(KVM_CAP_SREGS2) > 0;
  const int xsave2 = vm->checkExtension(KVM_CAP_XSAVE2);
  vcpu->has_xsave2_ = xsave2 > 0;
  vcpu->xsave_size_ = std::max<std::size_t>(4096, xsave2 > 0 ? static_cast<std::size_t>(xsave2) : 0);
  if (auto st = vcpu->dropRefusedMsrs(); !st) return regcompat::fail(st.error());
  return vcpu;
}

regcompat::runtime::Status KvmVcpu::setCpuid() {
  auto cpuid = vm_->system().supportedCpuid();
  if (!cpuid) return regcompat::fail(cpuid.error());
  gib_pages_ = offersGibPages(*cpuid);
  cpuid_xsave_ = offersXsave(*cpuid);
  FlexArg<Cpuid2Head, kvm_cpuid_entry2> arg(Cpuid2Head{static_cast<std::uint32_t>(cpuid->size()), 0},
                                            cpuid->size());
  for (std::size_t i = 0; i < cpuid->size(); ++i) arg.set(i, (*cpuid)[i]);
  if (::ioctl(fd_.get(), kSetCpuid2, arg.data()) < 0) return regcompat::fail(syscallError("KVM_SET_CPUID2"));
  return {};
}

// Which listed MSRs this vCPU can read, as QEMU's kvm_get_supported_msrs()
// learns them: one KVM_GET_MSRS over all, restarted after each refusal.
regcompat::runtime::Status KvmVcpu::dropRefusedMsrs() {
  std::vector<kvm_msr_entry> entries;
  for (std::uint64_t index : msrs_) entries.push_back(msrEntry(*msrOfRegisterIndex(index)));
  std::vector<std::uint64_t> accepted;
  for (std::size_t at = 0; at < entries.size();) {
    const int r = msrIo(fd_.get(), kGetMsrs, entries, at);
    if (r < 0) return regcompat::fail(syscallError("KVM_GET_MSRS"));
    for (std::size_t i = at; i < at + static_cast<std::size_t>(r); ++i) accepted.push_back(msrs_[i]);
    at += static_cast<std::size_t>(r);
    if (at < entries.size()) refused_.push_back(msrs_[at++]);
  }
  if (!refused_.empty() && options_.require_all_msrs) {
    std::string names;
    for (std::uint64_t index : refused_) names += "\n  " + describe(index);
    return regcompat::fail("this host's KVM vCPU refuses " + std::to_string(refused_.size()) +
                           " MSR(s) of the register list:" + names);
  }
  msrs_ = std::move(accepted);
  return {};
}

std::string KvmVcpu::describe(std::uint64_t index) const { return describeMsr(index, options_.msr_names); }

regcompat::runtime::Status KvmVcpu::boot(std::uint64_t entry) {
  if (auto st = writeLongModeTables(vm_->memory(), gib_pages_); !st) return st;
  kvm_sregs sregs{};
  if (::ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0) return regcompat::fail(syscallError("KVM_GET_SREGS"));
  setLongModeSregs(sregs, cpuid_xsave_);
  if (::ioctl(fd_.get(), KVM_SET_SREGS, &sregs) < 0) return regcompat::fail(syscallError("KVM_SET_SREGS"));
  if (cpuid_xsave_) {
    kvm_xcrs xcrs{};
    xcrs.nr_xcrs = 1;
    xcrs.xcrs[0].xcr = 0;
    xcrs.xcrs[0].value = kGuestXcr0;
    if (::ioctl(fd_.get(), KVM_SET_XCRS, &xcrs) < 0) return regcompat::fail(syscallError("KVM_SET_XCRS"));
  }
  kvm_regs regs = longModeEntryRegs(entry);
  if (::ioctl(fd_.get(), KVM_SET_REGS, &regs) < 0) return regcompat::fail(syscallError("KVM_SET_REGS"));
  return {};
}

RunOutcome KvmVcpu::run() {
  kick_->enterRun();
  RunOutcome outcome = runLoop();
  if (outcome.reason != StopReason::Error) completePendingIo();
  kick_->leaveRun();
  return outcome;
}

RunOutcome KvmVcpu::runLoop() {
  for (;;) {
    if (kick_->takeRequest()) return RunOutcome{StopReason::StopRequested, 0, {}};
    const int r = ::ioctl(fd_.get(), KVM_RUN, 0);
    pending_io_ = false;  // any KVM_RUN, even one returning -EINTR, completes it
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return error(syscallError("KVM_RUN"));
    }
    switch (run_->exit_reason) {
      case KVM_EXIT_IO:
        if (auto outcome = handleIo()) return *outcome;
        break;
      case KVM_EXIT_INTR:
        break;
      case KVM_EXIT_HLT:
        return error("the guest halted (HLT) and nothing can wake it: regvm has no interrupt sources");
      case KVM_EXIT_MMIO:
        return error(std::string("the guest ") + (run_->mmio.is_write ? "wrote " : "read ") +
                     std::to_string(run_->mmio.len) + " bytes at " + regcompat::hexValue(run_->mmio.phys_addr) +
                     ", outside guest RAM");
      case KVM_EXIT_SHUTDOWN:
        return error("the guest triple-faulted (KVM_EXIT_SHUTDOWN)");
      case KVM_EXIT_FAIL_ENTRY:
        return error("KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, hardware reason " +
                     regcompat::hexValue(run_->fail_entry.hardware_entry_failure_reason) + ")");
      case KVM_EXIT_INTERNAL_ERROR: {
        std::string data;
        for (std::uint32_t i = 0; i < std::min<std::uint32_t>(run_->internal.ndata, 16); ++i)
          data += " " + regcompat::hexValue(run_->internal.data[i]);
        return error("KVM internal error (KVM_EXIT_INTERNAL_ERROR, suberror " +
                     std::to_string(run_->internal.suberror) + ", data" + (data.empty() ? " none" : data) + ")");
      }
      default:
        return error("unhandled " + exitReasonName(run_->exit_reason));
    }
  }
}

std::optional<RunOutcome> KvmVcpu::handleIo() {
  auto &io = run_->io;
  auto *data = reinterpret_cast<std::uint8_t *>(run_) + io.data_offset;
  pending_io_ = true;
  for (std::uint32_t i = 0; i < io.count; ++i) {
    const auto port = static_cast<std::uint16_t>(io.port);
    PioDevice *dev = pio_.find(port);
    std::uint8_t *item = data + std::size_t{i} * io.size;
    if (io.direction == KVM_EXIT_IO_IN) {
      // Nothing there reads as all ones, as on a real ISA bus.
      const std::uint32_t value =
          dev ? dev->in(static_cast<std::uint16_t>(port - dev->portBase()), io.size) : 0xffffffffu;
      std::memcpy(item, &value, io.size);
    } else if (dev) {
      std::uint32_t value = 0;
      std::memcpy(&value, item, io.size);
      dev->out(static_cast<std::uint16_t>(port - dev->portBase()), io.size, value);
    }
  }
  if (options_.exit_port)
    if (auto status = options_.exit_port->takeExitRequest()) return RunOutcome{StopReason::GuestExit, *status, {}};
  return std::nullopt;
}

// Api.rst, KVM_RUN: an I/O exit is complete only after the next KVM_RUN; with
// immediate_exit set, that KVM_RUN finishes it and returns -EINTR without
// running guest code. Without this a saved RIP would still point at the
// IN/OUT instruction and a migrated guest would execute it twice.
void KvmVcpu::completePendingIo() {
  if (!pending_io_) return;
  std::atomic_ref<std::uint8_t>(run_->immediate_exit).store(1);
  (void)::ioctl(fd_.get(), KVM_RUN, 0);
  std::atomic_ref<std::uint8_t>(run_->immediate_exit).store(0);
  pending_io_ = false;
}

RunOutcome KvmVcpu::error(const std::string &what) const {
  kvm_regs regs{};
  std::string where = "RIP unknown";
  if (::ioctl(fd_.get(), KVM_GET_REGS, &regs) == 0) where = "RIP " + regcompat::hexValue(regs.rip);
  return RunOutcome{StopReason::Error, 0, "KVM vCPU " + std::to_string(options_.id) + ": " + what + " at " + where};
}

regcompat::runtime::LocalRegisterList KvmVcpu::registerList() const {
  std::vector<kvm_msr_entry> entries;
  for (std::uint64_t index : msrs_) entries.push_back(msrEntry(*msrOfRegisterIndex(index)));
  state_error_.clear();
  const int r = entries.empty() ? 0 : msrIo(fd_.get(), kGetMsrs, entries, 0);
  if (r < 0) state_error_ = syscallError("KVM_GET_MSRS");
  else if (static_cast<std::size_t>(r) < entries.size())
    state_error_ = "KVM_GET_MSRS refused " + describe(msrs_[static_cast<std::size_t>(r)]);
  regcompat::runtime::LocalRegisterList out;
  for (std::size_t i = 0; i < msrs_.size(); ++i) out.push_back({msrs_[i], entries[i].data, false});
  return out;
}

regcompat::runtime::Status
KvmVcpu::loadRegisterList(std::span<const regcompat::runtime::StreamRegister> merged) {
  std::vector<kvm_msr_entry> entries;
  for (const auto &reg : merged) {
    auto msr = msrOfRegisterIndex(reg.index);
    if (!msr)
      return regcompat::fail("x86 vCPU register list: " + regcompat::runtime::describeRegister(reg.index) +
                             " is not an x86 MSR");
    entries.push_back(msrEntry(*msr, reg.value));
  }
  std::string refused;
  std::size_t count = 0;
  for (std::size_t at = 0; at < entries.size();) {
    const int r = msrIo(fd_.get(), kSetMsrs, entries, at);
    if (r < 0) return regcompat::fail(syscallError("KVM_SET_MSRS"));
    at += static_cast<std::size_t>(r);
    if (at < entries.size()) {
      refused += "\n  " + describe(merged[at].index) + " = " + regcompat::runtime::formatValue(merged[at].value);
      ++count;
      ++at;
    }
  }
  if (count) return regcompat::fail("KVM_SET_MSRS refused " + std::to_string(count) + " MSR value(s):" + refused);
  return {};
}

regcompat::Result<std::uint64_t> KvmVcpu::readMsr(std::uint32_t msr) const {
  std::vector<kvm_msr_entry> entries{msrEntry(msr)};
  const int r = msrIo(fd_.get(), kGetMsrs, entries, 0);
  if (r != 1) return regcompat::fail(r < 0 ? syscallError("KVM_GET_MSRS") : "KVM_GET_MSRS refused " + describe(msrRegisterIndex(msr)));
  return entries[0].data;
}

regcompat::runtime::Status KvmVcpu::writeMsr(std::uint32_t msr, std::uint64_t value) {
  std::vector<kvm_msr_entry> entries{msrEntry(msr, value)};
  const int r = msrIo(fd_.get(), kSetMsrs, entries, 0);
  if (r != 1)
    return regcompat::fail(r < 0 ? syscallError("KVM_SET_MSRS")
                                 : "KVM_SET_MSRS refused " + describe(msrRegisterIndex(msr)) + " = " +
                                       regcompat::runtime::formatValue(value));
  return {};
}

}  // namespace regvm::kvm
