#include "pl011.h"

#include <cstdio>

namespace regvm {

namespace {
// PeriphID0..3 and PCellID0..3 at 0xfe0..0xffc (PL011 TRM 3.3.14-15).
constexpr std::uint8_t kIds[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
}

Pl011::Pl011(std::uint64_t base, ConsoleSink *console) : base_(base), console_(console) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "pl011@%08llx", static_cast<unsigned long long>(base));
  name_ = buf;
}

std::uint64_t Pl011::read(std::uint64_t offset, unsigned) {
  if (offset >= 0xfe0 && offset < 0x1000) return kIds[(offset - 0xfe0) >> 2];
  switch (offset) {
    case kFr: return kFrTxfe | kFrRxfe;
    case kIlpr: return regs_.ilpr;
    case kIbrd: return regs_.ibrd;
    case kFbrd: return regs_.fbrd;
    case kLcrH: return regs_.lcr_h;
    case kCr: return regs_.cr;
    case kIfls: return regs_.ifls;
    case kImsc: return regs_.imsc;
    case kDmacr: return regs_.dmacr;
    default: return 0;  // DR (no input), RSR, RIS, MIS: nothing pending
  }
}

void Pl011::write(std::uint64_t offset, unsigned, std::uint64_t value) {
  auto v = static_cast<std::uint32_t>(value);
  switch (offset) {
    case kDr:
      if (console_) console_->put(static_cast<char>(v & 0xff));
      break;
    case kIlpr: regs_.ilpr = v & 0xff; break;
    case kIbrd: regs_.ibrd = v & 0xffff; break;
    case kFbrd: regs_.fbrd = v & 0x3f; break;
    case kLcrH: regs_.lcr_h = v & 0xff; break;
    case kCr: regs_.cr = v & 0xffff; break;
    case kIfls: regs_.ifls = v & 0x3f; break;
    case kImsc: regs_.imsc = v & 0x7ff; break;
    case kDmacr: regs_.dmacr = v & 0x7; break;
    default: break;  // RSR/ICR clear errors and interrupts: none are raised
  }
}

// Version 1: u32 ILPR, IBRD, FBRD, LCR_H, CR, IFLS, IMSC, DMACR.
void Pl011::saveState(StateWriter &out) const {
  out.version(kStateVersion);
  for (std::uint32_t v : {regs_.ilpr, regs_.ibrd, regs_.fbrd, regs_.lcr_h, regs_.cr, regs_.ifls,
                          regs_.imsc, regs_.dmacr})
    out.u32(v);
}

regcompat::runtime::Status Pl011::loadState(StateReader &in) {
  in.version(kStateVersion);
  Registers r;
  for (std::uint32_t *v : {&r.ilpr, &r.ibrd, &r.fbrd, &r.lcr_h, &r.cr, &r.ifls, &r.imsc, &r.dmacr})
    *v = in.u32();
  if (!in.ok()) return regcompat::fail(in.error());
  regs_ = r;
  return {};
}

} // namespace regvm
