#include "auto_converge.h"

#include <algorithm>

namespace regvm {

bool AutoConverge::sample(std::uint64_t dirtied, std::uint64_t read) {
  if (dirtied * 2 <= read) return true;
  if (!canThrottleMore()) return false;
  throttle_ = throttle_ == 0 ? params_.throttle_initial
                             : std::min(throttle_ + params_.throttle_increment, params_.throttle_max);
  machine_.setThrottle(throttle_);
  if (on_change_) on_change_(throttle_);
  return false;
}

} // namespace regvm
