// Auto-converge: QEMU's capability of that name (migration/ram.c,
// mig_throttle_guest_down), on by default here. A guest that dirties pages
// faster than half the rate at which pre-copy reads them will never let the
// dirty set shrink: then the vCPU is throttled (Machine::setThrottle), first
// to `throttle_initial` percent, then `throttle_increment` more per further
// sample that still does not halve, up to `throttle_max`. Samples come
// during a pass (every kSampleInterval, so that a long first pass already
// reacts) and at its end.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "machine.h"
#include "migration_stats.h"

namespace regvm {

class AutoConverge {
 public:
  static constexpr std::chrono::milliseconds kSampleInterval{50};

  AutoConverge(Machine &machine, const MigrationParameters &params, std::function<void(unsigned)> on_change)
      : machine_(machine), params_(params), on_change_(std::move(on_change)) {}
  ~AutoConverge() { machine_.setThrottle(0); }
  AutoConverge(const AutoConverge &) = delete;
  AutoConverge &operator=(const AutoConverge &) = delete;

  // `dirtied` pages were written while `read` pages were read and sent:
  // throttles harder unless dirtied is at most half of read. Returns whether
  // the dirty set halves (true also for an empty sample).
  bool sample(std::uint64_t dirtied, std::uint64_t read);
  // Whether a further sample could still raise the throttle.
  bool canThrottleMore() const { return params_.auto_converge && throttle_ < params_.throttle_max; }
  unsigned throttle() const { return throttle_; }

 private:
  Machine &machine_;
  const MigrationParameters &params_;
  std::function<void(unsigned)> on_change_;
  unsigned throttle_ = 0;
};

} // namespace regvm
