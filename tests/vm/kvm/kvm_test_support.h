// A small x86 KVM machine for the back end's tests: guest RAM, a VM, COM1
// writing into a string, the exit port, one vCPU. Tests skip (GTEST_SKIP)
// when /dev/kvm is unusable.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "debug_exit_port.h"
#include "guest_memory.h"
#include "guest_params.h"
#include "kvm_system.h"
#include "kvm_vcpu.h"
#include "kvm_vm.h"
#include "serial_8250.h"

namespace regvm::kvm::test {

// Collects console output; calls `on_line` with each complete line.
class LineSink : public ConsoleSink {
 public:
  void put(char c) override;
  std::string text();
  std::function<void(const std::string &)> on_line;

 private:
  std::mutex mutex_;
  std::string text_, line_;
};

struct GuestOptions {
  std::uint64_t ram_bytes = 64ull << 20;
  KvmVmOptions vm;
  // The register list; empty = every MSR of the host's index list.
  std::vector<std::uint64_t> msrs;
  bool all_host_msrs = true;
};

class TestGuest {
 public:
  // Fails the current test (ADD_FAILURE) and returns nullptr on error.
  static std::unique_ptr<TestGuest> create(const GuestOptions &options = {});

  // Copies a flat image (built by meson) to the load address.
  [[nodiscard]] testing::AssertionResult loadImage(const std::string &path);
  // Loads the image and boots the vCPU at it.
  [[nodiscard]] testing::AssertionResult boot(const std::string &path);
  void setParam(std::uint32_t image_offset, std::uint64_t value);
  std::uint64_t param(std::uint32_t image_offset) const;

  GuestMemory &memory() { return *memory_; }
  KvmVcpu &vcpu() { return *vcpu_; }
  KvmVm &vm() { return *vm_; }
  const std::shared_ptr<KvmVm> &vmPtr() { return vm_; }
  LineSink &console() { return console_; }

 private:
  std::shared_ptr<KvmSystem> system_;
  std::unique_ptr<GuestMemory> memory_;
  std::shared_ptr<KvmVm> vm_;
  LineSink console_;
  Serial8250 serial_{console_};
  DebugExitPort exit_port_;
  std::unique_ptr<KvmVcpu> vcpu_;
};

// Skips the test when KVM cannot run here.
#define REGVM_REQUIRE_KVM()                                                         \
  do {                                                                              \
    if (auto reason = ::regvm::kvm::kvmUnusableReason(); !reason.empty())           \
      GTEST_SKIP() << "KVM is not usable here: " << reason;                         \
  } while (0)

// Paths of the guest images (meson passes them as REGVM_GUEST_* macros).
std::string guestImage(const char *name);

}  // namespace regvm::kvm::test
