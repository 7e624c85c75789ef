// KvmVcpu's architecture state: gathering X86ArchState from KVM and putting
// it back, in QEMU's order (target/i386/kvm/kvm.c kvm_arch_put_registers():
// regs, xsave, xcrs, sregs, MSRs, mp_state, lapic, events, debugregs).
#include <sys/ioctl.h>

#include "kvm_abi.h"
#include "kvm_vcpu.h"

namespace regvm::kvm {
namespace {

constexpr std::uint32_t kMsrTsc = 0x10;  // MSR_IA32_TSC

template <typename T>
regcompat::runtime::Status vcpuIoctl(int fd, unsigned long request, T *arg, const char *name) {
  if (::ioctl(fd, request, arg) < 0) return regcompat::fail(syscallError(name));
  return {};
}

}  // namespace

regcompat::Result<X86ArchState> KvmVcpu::readArchState() const {
  X86ArchState s;
  const int fd = fd_.get();
  regcompat::runtime::Status st = vcpuIoctl(fd, KVM_GET_REGS, &s.regs, "KVM_GET_REGS");
  s.has_sregs2 = has_sregs2_;
  if (st) st = has_sregs2_ ? vcpuIoctl(fd, KVM_GET_SREGS2, &s.sregs2, "KVM_GET_SREGS2")
                           : vcpuIoctl(fd, KVM_GET_SREGS, &s.sregs, "KVM_GET_SREGS");
  s.xsave.assign(xsave_size_, 0);
  if (st) st = vcpuIoctl(fd, has_xsave2_ ? kGetXsave2 : kGetXsave, s.xsave.data(),
                         has_xsave2_ ? "KVM_GET_XSAVE2" : "KVM_GET_XSAVE");
  if (st) st = vcpuIoctl(fd, KVM_GET_XCRS, &s.xcrs, "KVM_GET_XCRS");
  if (st) st = vcpuIoctl(fd, KVM_GET_DEBUGREGS, &s.debugregs, "KVM_GET_DEBUGREGS");
  if (st) st = vcpuIoctl(fd, KVM_GET_VCPU_EVENTS, &s.events, "KVM_GET_VCPU_EVENTS");
  kvm_mp_state mp{};
  if (st) st = vcpuIoctl(fd, KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE");
  s.mp_state = mp.mp_state;
  if (st && vm_->inKernelLapic()) {
    s.lapic.emplace();
    st = vcpuIoctl(fd, KVM_GET_LAPIC, &*s.lapic, "KVM_GET_LAPIC");
  }
  if (!st) return regcompat::fail(st.error());
  const int khz = ::ioctl(fd, KVM_GET_TSC_KHZ, 0);
  s.tsc_khz = khz > 0 ? static_cast<std::uint32_t>(khz) : 0;
  auto tsc = readMsr(kMsrTsc);
  if (!tsc) return regcompat::fail(tsc.error());
  s.tsc = *tsc;
  return s;
}

regcompat::runtime::Status KvmVcpu::writeArchState(const X86ArchState &state) {
  const int fd = fd_.get();
  if (state.has_sregs2 && !has_sregs2_)
    return regcompat::fail("x86 vCPU state holds kvm_sregs2, which this host's KVM lacks (KVM_CAP_SREGS2)");
  if (state.lapic.has_value() != vm_->inKernelLapic())
    return regcompat::fail(std::string("x86 vCPU state was saved ") + (state.lapic ? "with" : "without") +
                           " the in-kernel LAPIC, this VM runs " + (vm_->inKernelLapic() ? "with" : "without") + " it");
  if (state.tsc_khz != 0) {
    const int khz = ::ioctl(fd, KVM_GET_TSC_KHZ, 0);
    if (khz > 0 && static_cast<std::uint32_t>(khz) != state.tsc_khz &&
        ::ioctl(fd, KVM_SET_TSC_KHZ, static_cast<unsigned long>(state.tsc_khz)) < 0)
      return regcompat::fail(syscallError("KVM_SET_TSC_KHZ " + std::to_string(state.tsc_khz) +
                                          " (this host's vCPU runs at " + std::to_string(khz) + " kHz)"));
  }
  kvm_regs regs = state.regs;
  regcompat::runtime::Status st = vcpuIoctl(fd, KVM_SET_REGS, &regs, "KVM_SET_REGS");
  std::vector<std::uint8_t> xsave(xsave_size_, 0);
  std::copy(state.xsave.begin(), state.xsave.end(), xsave.begin());
  if (st) st = vcpuIoctl(fd, kSetXsave, xsave.data(), "KVM_SET_XSAVE");
  kvm_xcrs xcrs = state.xcrs;
  if (st) st = vcpuIoctl(fd, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS");
  kvm_sregs2 sregs2 = state.sregs2;
  kvm_sregs sregs = state.sregs;
  if (st) st = state.has_sregs2 ? vcpuIoctl(fd, KVM_SET_SREGS2, &sregs2, "KVM_SET_SREGS2")
                                : vcpuIoctl(fd, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
  if (st) st = writeMsr(kMsrTsc, state.tsc);
  kvm_mp_state mp{state.mp_state};
  if (st) st = vcpuIoctl(fd, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE");
  kvm_lapic_state lapic = state.lapic.value_or(kvm_lapic_state{});
  if (st && state.lapic) st = vcpuIoctl(fd, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC");
  // KVM applies the NMI and SIPI fields only when told to
  // (arch/x86/kvm/x86.c kvm_vcpu_ioctl_x86_set_vcpu_events()).
  kvm_vcpu_events events = state.events;
  events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
  if (st) st = vcpuIoctl(fd, KVM_SET_VCPU_EVENTS, &events, "KVM_SET_VCPU_EVENTS");
  kvm_debugregs debugregs = state.debugregs;
  if (st) st = vcpuIoctl(fd, KVM_SET_DEBUGREGS, &debugregs, "KVM_SET_DEBUGREGS");
  return st;
}

void KvmVcpu::saveArchState(StateWriter &out) const {
  auto state = readArchState();
  if (!state) {
    state_error_ = state.error();
    // Still a well-formed record, so that the reader fails on values, not
    // on framing; the caller checks lastStateError().
    X86ArchState{}.save(out);
    return;
  }
  state_error_.clear();
  state->save(out);
}

regcompat::runtime::Status KvmVcpu::loadArchState(StateReader &in) {
  X86ArchState state = X86ArchState::load(in, xsave_size_);
  if (!in.ok()) return regcompat::fail(in.error());
  return writeArchState(state);
}

}  // namespace regvm::kvm
