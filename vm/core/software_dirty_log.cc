#include "software_dirty_log.h"

namespace regvm {

regcompat::runtime::Status SoftwareDirtyLog::start() {
  // Bits left over from an earlier (failed) migration would only cause
  // resends, but start from a clean slate so that counts mean something.
  std::vector<std::uint64_t> stale;
  memory_.takeDirty(stale);
  memory_.setTracking(true);
  return {};
}

regcompat::runtime::Status SoftwareDirtyLog::collect(std::vector<std::uint64_t> &bitmap) {
  memory_.takeDirty(bitmap);
  return {};
}

} // namespace regvm
