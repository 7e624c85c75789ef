// Arm PL011 UART (PrimeCell UART, Arm DDI 0183), the console of QEMU's
// virt machine at 0x09000000. Output only: a write to UARTDR goes to the
// console; UARTFR always reads "transmit FIFO empty, receive FIFO empty".
// The control registers keep what the guest writes so that a migrated
// guest reads back the same configuration.
#pragma once

#include <cstdint>
#include <string>

#include "device.h"

namespace regvm {

class Pl011 final : public MmioDevice {
 public:
  static constexpr std::uint64_t kVirtBase = 0x09000000;  // QEMU hw/arm/virt.c VIRT_UART
  static constexpr std::uint64_t kSize = 0x1000;
  static constexpr std::uint32_t kStateVersion = 1;

  // Register offsets (PL011 TRM, table 3-1).
  static constexpr std::uint64_t kDr = 0x000, kRsr = 0x004, kFr = 0x018, kIlpr = 0x020,
                                 kIbrd = 0x024, kFbrd = 0x028, kLcrH = 0x02c, kCr = 0x030,
                                 kIfls = 0x034, kImsc = 0x038, kRis = 0x03c, kMis = 0x040,
                                 kIcr = 0x044, kDmacr = 0x048;
  static constexpr std::uint32_t kFrTxfe = 1u << 7, kFrRxfe = 1u << 4;

  Pl011(std::uint64_t base, ConsoleSink *console);

  std::string_view name() const override { return name_; }
  std::uint64_t mmioBase() const override { return base_; }
  std::uint64_t mmioSize() const override { return kSize; }
  std::uint64_t read(std::uint64_t offset, unsigned size) override;
  void write(std::uint64_t offset, unsigned size, std::uint64_t value) override;
  void saveState(StateWriter &out) const override;
  regcompat::runtime::Status loadState(StateReader &in) override;

 private:
  struct Registers {
    std::uint32_t ilpr = 0, ibrd = 0, fbrd = 0, lcr_h = 0;
    std::uint32_t cr = 0x300;  // TXE | RXE at reset
    std::uint32_t ifls = 0x12, imsc = 0, dmacr = 0;
  };
  std::uint64_t base_;
  ConsoleSink *console_;
  Registers regs_;
  std::string name_;  // "pl011@09000000"
};

} // namespace regvm
