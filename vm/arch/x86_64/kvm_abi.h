// regvm's KVM code (vm/arch/x86_64/, vm/arch/aarch64_kvm/) uses the KVM ABI
// definitions and the owned file descriptor it shares with the KVM probes.
#pragma once

#include "regcompat/kvm/abi.h"
#include "regcompat/kvm/unique_fd.h"

namespace regvm::kvm {
using namespace regcompat::kvm;
}  // namespace regvm::kvm
