#include "regcompat/generator/policy.h"

namespace regcompat::generator {

std::string_view toString(Direction direction) {
  switch (direction) {
    case Direction::Forward: return "forward";
    case Direction::Backward: return "backward";
    case Direction::Both: return "both";
  }
  return "?";
}

std::string_view toString(KernelChange change) {
  switch (change) {
    case KernelChange::Any: return "any";
    case KernelChange::Same: return "same";
    case KernelChange::Upgrade: return "upgrade";
    case KernelChange::Downgrade: return "downgrade";
  }
  return "?";
}

std::string_view toString(ValueMode mode) {
  switch (mode) {
    case ValueMode::Pin: return "pin";
    case ValueMode::Tolerate: return "tolerate";
    case ValueMode::Refuse: return "refuse";
  }
  return "?";
}

std::string_view toString(FixPreference preference) {
  switch (preference) {
    case FixPreference::Auto: return "auto";
    case FixPreference::Hide: return "hide";
    case FixPreference::SafeMissing: return "safe-missing";
  }
  return "?";
}

std::string_view componentOf(std::string_view accelerator) {
  return accelerator == "kvm" ? "linux" : "qemu";
}

} // namespace regcompat::generator
