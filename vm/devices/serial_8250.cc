#include "serial_8250.h"

#include <cstdio>

namespace regvm {
namespace {

// Register offsets (PC16550D table II).
enum : std::uint16_t { kRbrThr = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7 };
constexpr std::uint8_t kLsrThrEmpty = 0x20, kLsrTransmitterEmpty = 0x40;
constexpr std::uint8_t kIirNoInterrupt = 0x01, kIirFifosEnabled = 0xc0;
constexpr std::uint8_t kMsrDcdDsrCts = 0xb0;  // carrier, data set ready, clear to send
constexpr std::uint32_t kStateVersion = 1;

std::string portName(std::uint16_t base) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "serial@%x", static_cast<unsigned>(base));
  return buf;
}

}  // namespace

Serial8250::Serial8250(ConsoleSink &sink, std::uint16_t base) : sink_(sink), base_(base), name_(portName(base)) {}

std::uint32_t Serial8250::in(std::uint16_t offset, unsigned) {
  switch (offset) {
    case kRbrThr: return dlab() ? dll_ : 0;  // nothing is ever received
    case kIer: return dlab() ? dlm_ : ier_;
    case kIirFcr: return kIirNoInterrupt | ((fcr_ & 1) ? kIirFifosEnabled : 0);
    case kLcr: return lcr_;
    case kMcr: return mcr_;
    case kLsr: return kLsrThrEmpty | kLsrTransmitterEmpty;
    case kMsr: return kMsrDcdDsrCts;
    case kScr: return scr_;
    default: return 0xff;
  }
}

void Serial8250::out(std::uint16_t offset, unsigned, std::uint32_t value) {
  const auto byte = static_cast<std::uint8_t>(value);
  switch (offset) {
    case kRbrThr:
      if (dlab()) dll_ = byte;
      else sink_.put(static_cast<char>(byte));
      break;
    case kIer:
      if (dlab()) dlm_ = byte;
      else ier_ = byte & 0x0f;
      break;
    case kIirFcr: fcr_ = byte & 0xc9; break;  // FIFO enable, DMA mode, trigger level
    case kLcr: lcr_ = byte; break;
    case kMcr: mcr_ = byte & 0x1f; break;
    case kScr: scr_ = byte; break;
    default: break;  // LSR and MSR are read-only
  }
}

void Serial8250::saveState(StateWriter &out) const {
  out.version(kStateVersion);
  for (std::uint8_t r : {ier_, fcr_, lcr_, mcr_, scr_, dll_, dlm_}) out.u8(r);
}

regcompat::runtime::Status Serial8250::loadState(StateReader &in) {
  in.version(kStateVersion);
  std::uint8_t regs[7];
  for (std::uint8_t &r : regs) r = in.u8();
  if (!in.ok()) return regcompat::fail(name_ + ": " + in.error());
  ier_ = regs[0], fcr_ = regs[1], lcr_ = regs[2], mcr_ = regs[3], scr_ = regs[4], dll_ = regs[5], dlm_ = regs[6];
  return {};
}

}  // namespace regvm
