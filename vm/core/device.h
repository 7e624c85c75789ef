// Devices: each has a name (its section on the migration stream) and
// versioned saved state. MMIO devices serve the interpreter's loads and
// stores outside RAM; port-I/O devices serve KVM's KVM_EXIT_IO.
#pragma once

#include <cstdint>
#include <string_view>

#include "regcompat/runtime/status.h"
#include "saved_state.h"

namespace regvm {

class Device {
 public:
  virtual ~Device() = default;
  // Section name on the migration stream, e.g. "pl011@09000000", "serial@3f8".
  virtual std::string_view name() const = 0;
  // Versioned: the first field written is the device state's version.
  virtual void saveState(StateWriter &out) const = 0;
  virtual regcompat::runtime::Status loadState(StateReader &in) = 0;
};

class MmioDevice : public Device {
 public:
  virtual std::uint64_t mmioBase() const = 0;
  virtual std::uint64_t mmioSize() const = 0;
  // `offset` from mmioBase(); `size` is 1, 2, 4 or 8 bytes.
  virtual std::uint64_t read(std::uint64_t offset, unsigned size) = 0;
  virtual void write(std::uint64_t offset, unsigned size, std::uint64_t value) = 0;
};

class PioDevice : public Device {
 public:
  virtual std::uint16_t portBase() const = 0;
  virtual std::uint16_t portCount() const = 0;
  virtual std::uint32_t in(std::uint16_t offset, unsigned size) = 0;
  virtual void out(std::uint16_t offset, unsigned size, std::uint32_t value) = 0;
};

// Where a console device's output goes: regvm's stdout or a file
// (--console). Implemented by the machine; thread-safe.
class ConsoleSink {
 public:
  virtual ~ConsoleSink() = default;
  virtual void put(char c) = 0;
};

} // namespace regvm
