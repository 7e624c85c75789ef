// DirtyLog over KVM's per-slot dirty bitmap (KVM_MEM_LOG_DIRTY_PAGES +
// KVM_GET_DIRTY_LOG), plus the pages regvm itself wrote into guest RAM
// (GuestMemory's software tracking), which KVM does not see.
#pragma once

#include <memory>

#include "dirty_log.h"
#include "kvm_vm.h"

namespace regvm::kvm {

class KvmDirtyLog : public DirtyLog {
 public:
  explicit KvmDirtyLog(std::shared_ptr<KvmVm> vm) : vm_(std::move(vm)) {}
  ~KvmDirtyLog() override { stop(); }

  // Enables logging on the RAM slot (KVM write-protects every page) and
  // discards anything logged before.
  regcompat::runtime::Status start() override;
  regcompat::runtime::Status collect(std::vector<std::uint64_t> &bitmap) override;
  void stop() override;

 private:
  std::shared_ptr<KvmVm> vm_;
  bool started_ = false;
};

}  // namespace regvm::kvm
