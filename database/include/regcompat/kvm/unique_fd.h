// An owned file descriptor (/dev/kvm, a VM, a vCPU) and the error text of a
// failed system call: shared by the KVM probes (extractor/probe/) and
// regvm's KVM back ends (vm/arch/). Linux only; header only.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace regcompat::kvm {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;
  UniqueFd(UniqueFd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd &operator=(UniqueFd &&other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// "KVM_CREATE_VM: Cannot allocate memory"; reads errno, so call it first.
inline std::string syscallError(const std::string &what) { return what + ": " + std::strerror(errno); }

}  // namespace regcompat::kvm
