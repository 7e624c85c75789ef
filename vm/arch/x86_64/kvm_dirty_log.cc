#include "kvm_dirty_log.h"

namespace regvm::kvm {

regcompat::runtime::Status KvmDirtyLog::start() {
  if (auto st = vm_->setDirtyLogging(true); !st) return st;
  started_ = true;
  vm_->memory().setTracking(true);
  std::vector<std::uint64_t> discard;
  vm_->memory().takeDirty(discard);
  return vm_->takeDirtyLog(discard);
}

regcompat::runtime::Status KvmDirtyLog::collect(std::vector<std::uint64_t> &bitmap) {
  if (!started_) return regcompat::fail("dirty log: collect() before start()");
  // KVM logs only the guest's writes; regvm's own writes into guest RAM
  // (GuestMemory::markDirty) are in the software bits.
  vm_->memory().takeDirty(bitmap);
  return vm_->takeDirtyLog(bitmap);
}

void KvmDirtyLog::stop() {
  if (!started_) return;
  started_ = false;
  vm_->memory().setTracking(false);
  (void)vm_->setDirtyLogging(false);
}

}  // namespace regvm::kvm
