#include "x86_arch_state.h"

#include <cstring>
#include <string>

namespace regvm::kvm {
namespace {

constexpr std::uint32_t kFlagSregs2 = 1u << 0, kFlagLapic = 1u << 1;
constexpr std::size_t kLegacyXsaveSize = 4096;

template <typename T>
void putStruct(StateWriter &out, const T &value) {
  out.blob({reinterpret_cast<const std::uint8_t *>(&value), sizeof value});
}

template <typename T>
void getStruct(StateReader &in, T &value, const char *what) {
  const std::uint64_t at = in.offset();
  auto bytes = in.blob(1u << 20);
  if (!in.ok()) return;
  if (bytes.size() != sizeof value) {
    in.failAt(at, std::string("x86 vCPU state: ") + what + " is " + std::to_string(bytes.size()) +
                      " bytes, struct kvm_" + what + " is " + std::to_string(sizeof value));
    return;
  }
  std::memcpy(&value, bytes.data(), sizeof value);
}

}  // namespace

void X86ArchState::save(StateWriter &out) const {
  out.version(kVersion);
  out.u32((has_sregs2 ? kFlagSregs2 : 0) | (lapic ? kFlagLapic : 0));
  putStruct(out, regs);
  if (has_sregs2) putStruct(out, sregs2);
  else putStruct(out, sregs);
  out.blob(xsave);
  putStruct(out, xcrs);
  putStruct(out, debugregs);
  putStruct(out, events);
  out.u32(mp_state);
  if (lapic) putStruct(out, *lapic);
  out.u32(tsc_khz);
  out.u64(tsc);
}

X86ArchState X86ArchState::load(StateReader &in, std::size_t max_xsave) {
  X86ArchState s;
  in.version(kVersion);
  const std::uint64_t flags_at = in.offset();
  const std::uint32_t flags = in.u32();
  if (in.ok() && (flags & ~(kFlagSregs2 | kFlagLapic)) != 0)
    in.failAt(flags_at, "x86 vCPU state: unknown flags " + std::to_string(flags));
  s.has_sregs2 = flags & kFlagSregs2;
  getStruct(in, s.regs, "regs");
  if (s.has_sregs2) getStruct(in, s.sregs2, "sregs2");
  else getStruct(in, s.sregs, "sregs");
  const std::uint64_t xsave_at = in.offset();
  auto xsave = in.blob(1u << 20);
  if (in.ok() && (xsave.size() < kLegacyXsaveSize || xsave.size() > max_xsave))
    in.failAt(xsave_at, "x86 vCPU state: xsave area is " + std::to_string(xsave.size()) + " bytes, this vCPU takes " +
                            std::to_string(kLegacyXsaveSize) + ".." + std::to_string(max_xsave));
  s.xsave.assign(xsave.begin(), xsave.end());
  getStruct(in, s.xcrs, "xcrs");
  getStruct(in, s.debugregs, "debugregs");
  getStruct(in, s.events, "vcpu_events");
  const std::uint64_t mp_at = in.offset();
  s.mp_state = in.u32();
  if (in.ok() && s.mp_state > KVM_MP_STATE_AP_RESET_HOLD)
    in.failAt(mp_at, "x86 vCPU state: unknown mp_state " + std::to_string(s.mp_state));
  if (flags & kFlagLapic) {
    s.lapic.emplace();
    getStruct(in, *s.lapic, "lapic_state");
  }
  s.tsc_khz = in.u32();
  s.tsc = in.u64();
  return s;
}

}  // namespace regvm::kvm
