// The port-I/O devices a KVM vCPU's KVM_EXIT_IO exits go to.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "device.h"

namespace regvm::kvm {

class PioBus {
 public:
  PioBus() = default;
  explicit PioBus(std::vector<PioDevice *> devices) : devices_(std::move(devices)) {}

  // The device whose port range holds `port`, or nullptr.
  PioDevice *find(std::uint16_t port) const {
    for (PioDevice *d : devices_)
      if (port >= d->portBase() && port - d->portBase() < d->portCount()) return d;
    return nullptr;
  }

 private:
  std::vector<PioDevice *> devices_;
};

}  // namespace regvm::kvm
