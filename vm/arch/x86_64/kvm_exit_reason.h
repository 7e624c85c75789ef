// Names of KVM_EXIT_* reasons, for error messages.
#pragma once

#include <cstdint>
#include <string>

namespace regvm::kvm {

// "KVM_EXIT_SHUTDOWN (8)"; unknown reasons as "exit reason N".
std::string exitReasonName(std::uint32_t reason);

}  // namespace regvm::kvm
