// A 16550-compatible UART at an I/O port base (COM1: 0x3f8), output only:
// what the guest writes to THR goes to a ConsoleSink. No interrupts, no
// input: LSR always reports an empty transmitter and no received data, IIR
// "no interrupt pending". The other registers read back what was written,
// and are saved, so a migrated guest sees the same line settings.
// Register map: National Semiconductor PC16550D data sheet, table II (as in
// QEMU hw/char/serial.c).
#pragma once

#include <cstdint>
#include <string>

#include "device.h"

namespace regvm {

class Serial8250 : public PioDevice {
 public:
  explicit Serial8250(ConsoleSink &sink, std::uint16_t base = 0x3f8);

  std::string_view name() const override { return name_; }
  std::uint16_t portBase() const override { return base_; }
  std::uint16_t portCount() const override { return 8; }
  std::uint32_t in(std::uint16_t offset, unsigned size) override;
  void out(std::uint16_t offset, unsigned size, std::uint32_t value) override;

  void saveState(StateWriter &out) const override;
  regcompat::runtime::Status loadState(StateReader &in) override;

 private:
  bool dlab() const { return (lcr_ & 0x80) != 0; }

  ConsoleSink &sink_;
  std::uint16_t base_;
  std::string name_;
  std::uint8_t ier_ = 0, fcr_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0;
  std::uint8_t dll_ = 0x0c, dlm_ = 0;  // 9600 baud, the reset divisor
};

}  // namespace regvm
