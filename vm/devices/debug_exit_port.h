// The guest's way out with a status: a write of value v to the port (0xf4,
// the iobase of QEMU's isa-debug-exit) ends the run with exit status v.
// Unlike QEMU's device (hw/misc/debugexit.c, status (v << 1) | 1), the value
// is the status as is. The vCPU's run loop asks takeExitRequest() after
// every port write; reads return 0.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "device.h"

namespace regvm {

class DebugExitPort : public PioDevice {
 public:
  explicit DebugExitPort(std::uint16_t port = 0xf4) : port_(port) {}

  std::string_view name() const override { return "debug-exit"; }
  std::uint16_t portBase() const override { return port_; }
  std::uint16_t portCount() const override { return 4; }
  std::uint32_t in(std::uint16_t, unsigned) override { return 0; }
  void out(std::uint16_t offset, unsigned size, std::uint32_t value) override;

  // The status of a write since the last call, once.
  std::optional<int> takeExitRequest() { return std::exchange(request_, std::nullopt); }

  // Nothing to migrate: a pending request is consumed before the vCPU stops.
  void saveState(StateWriter &out) const override { out.version(1); }
  regcompat::runtime::Status loadState(StateReader &in) override;

 private:
  std::uint16_t port_;
  std::optional<int> request_;
};

}  // namespace regvm
