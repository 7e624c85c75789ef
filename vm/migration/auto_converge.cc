#include "auto_converge.h"

#include <algorithm>
#include <cmath>

namespace regvm {

bool AutoConverge::sample(std::uint64_t dirtied, std::uint64_t read) {
  if (dirtied * 2 <= read) return true;
  if (!canThrottleMore()) return false;
  const unsigned stepped = throttle_ == 0 ? params_.throttle_initial : throttle_ + params_.throttle_increment;
  // The guest ran (100 - throttle)% of the sample and dirtied `dirtied`
  // pages; it would dirty read / kTargetShare at (100 - needed)%.
  const double running = 100.0 - throttle_;
  const double wanted = running * static_cast<double>(read) / (kTargetShare * static_cast<double>(dirtied));
  const auto needed = static_cast<unsigned>(std::ceil(100.0 - wanted));
  throttle_ = std::min(std::max(stepped, needed), params_.throttle_max);
  machine_.setThrottle(throttle_);
  if (on_change_) on_change_(throttle_);
  return false;
}

} // namespace regvm
