// DirtyLog over GuestMemory's software write tracking, for back ends without
// a hardware dirty log (the AArch64 interpreter calls markDirty() on every
// store).
#pragma once

#include "dirty_log.h"
#include "guest_memory.h"

namespace regvm {

class SoftwareDirtyLog final : public DirtyLog {
 public:
  explicit SoftwareDirtyLog(GuestMemory &memory) : memory_(memory) {}
  ~SoftwareDirtyLog() override { stop(); }

  regcompat::runtime::Status start() override;
  regcompat::runtime::Status collect(std::vector<std::uint64_t> &bitmap) override;
  void stop() override { memory_.setTracking(false); }

 private:
  GuestMemory &memory_;
};

} // namespace regvm
