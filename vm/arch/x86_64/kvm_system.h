// /dev/kvm: the API version, the capabilities regvm's x86 back end needs, and
// the host-wide lists (MSR index list, supported CPUID) a vCPU is built from.
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kvm_abi.h"
#include "regcompat/result.h"

namespace regvm::kvm {

class KvmSystem {
 public:
  // Opens `device`, checks KVM_GET_API_VERSION == 12 and every capability in
  // kRequiredCaps (kvm_system.cc); the error names the device, what is
  // missing and why regvm needs it.
  static regcompat::Result<std::shared_ptr<KvmSystem>> open(const std::string &device = "/dev/kvm");

  int fd() const { return fd_.get(); }
  const std::string &device() const { return device_; }
  // KVM_CHECK_EXTENSION on /dev/kvm: > 0 when supported (some capabilities
  // return a size or a count).
  int checkExtension(long cap) const;
  // The size of a vCPU's kvm_run mapping (KVM_GET_VCPU_MMAP_SIZE).
  std::size_t vcpuMmapSize() const { return vcpu_mmap_size_; }

  // KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores on this host
  // (arch/x86/kvm/x86.c msrs_to_save + emulated_msrs, after the host probe),
  // sorted.
  regcompat::Result<std::vector<std::uint32_t>> hostMsrIndexList() const;
  // KVM_GET_SUPPORTED_CPUID: what "-cpu host" gives a guest.
  regcompat::Result<std::vector<kvm_cpuid_entry2>> supportedCpuid() const;

 private:
  KvmSystem(UniqueFd fd, std::string device, std::size_t mmap_size)
      : fd_(std::move(fd)), device_(std::move(device)), vcpu_mmap_size_(mmap_size) {}
  UniqueFd fd_;
  std::string device_;
  std::size_t vcpu_mmap_size_;
};

// Why this machine cannot run KVM guests, or "" when it can (tests skip
// with the reason).
std::string kvmUnusableReason(const std::string &device = "/dev/kvm");

}  // namespace regvm::kvm
