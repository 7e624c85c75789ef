#include "debug_exit_port.h"

namespace regvm {

void DebugExitPort::out(std::uint16_t offset, unsigned, std::uint32_t value) {
  // Only a write starting at the port itself: "outb %al, $0xf4" and
  // "outl %eax, $0xf4" both give the value; a write into the middle does not.
  if (offset == 0) request_ = static_cast<int>(value);
}

regcompat::runtime::Status DebugExitPort::loadState(StateReader &in) {
  in.version(1);
  if (!in.ok()) return regcompat::fail("debug-exit: " + in.error());
  return {};
}

}  // namespace regvm
