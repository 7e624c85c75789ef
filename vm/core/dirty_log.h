// Which guest pages changed since the last look: pre-copy migration resends
// them. KVM back ends read the kernel's dirty log (KVM_GET_DIRTY_LOG); the
// interpreter uses GuestMemory's software write tracking.
#pragma once

#include <cstdint>
#include <vector>

#include "regcompat/runtime/status.h"

namespace regvm {

class DirtyLog {
 public:
  virtual ~DirtyLog() = default;
  // Starts tracking: every page written from now on shows up in collect().
  virtual regcompat::runtime::Status start() = 0;
  // ORs the pages written since start() or the previous collect() into
  // `bitmap` (one bit per 4 KiB page of guest RAM, bit i of word i/64 is page
  // i; resized to the page count), and clears them.
  virtual regcompat::runtime::Status collect(std::vector<std::uint64_t> &bitmap) = 0;
  virtual void stop() = 0;
};

} // namespace regvm
