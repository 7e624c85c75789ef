#include "machine.h"

#include <algorithm>
#include <chrono>

#include "console_sink.h"

namespace regvm {

Machine::Machine(MachineParts parts, std::string arch, std::string machine_type,
                 std::string platform_id, RunState initial)
    : parts_(std::move(parts)), arch_(std::move(arch)), machine_type_(std::move(machine_type)),
      platform_id_(std::move(platform_id)), state_(initial) {}

Machine::~Machine() {
  setThrottle(0);
  quit();
  if (thread_.joinable()) thread_.join();
}

void Machine::start(bool running) {
  {
    std::lock_guard lock(mutex_);
    state_ = running ? RunState::Running : RunState::Paused;
  }
  thread_ = std::thread([this] { vcpuThread(); });
}

RunState Machine::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void Machine::vcpuThread() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return quit_requested_ || state_ == RunState::Running; });
    if (quit_requested_) break;
    in_run_ = true;
    run_since_ = std::chrono::steady_clock::now();
    changed_.notify_all();  // the throttle times its timeslice from here
    lock.unlock();
    RunOutcome outcome = parts_.vcpu->run();
    lock.lock();
    in_run_ = false;
    changed_.notify_all();
    if (outcome.reason == StopReason::GuestExit) {
      state_ = RunState::Shutdown;
      lock.unlock();
      finish({RunState::Shutdown, outcome.exit_status, {}});
      return;
    }
    if (outcome.reason == StopReason::Error) {
      state_ = RunState::InternalError;
      lock.unlock();
      finish({RunState::InternalError, 1, outcome.error});
      return;
    }
    // StopRequested: pause() changed the state, or the throttle asked for
    // a rest (taken here, outside run(), so that pause() and quit() are not
    // held up by it); a stray stop while still Running just resumes.
    if (throttle_sleep_.count() > 0) {
      const auto rest = throttle_sleep_;
      throttle_sleep_ = {};
      changed_.wait_for(lock, rest, [&] { return quit_requested_ || state_ != RunState::Running || throttle_percent_ == 0; });
    }
  }
  lock.unlock();
  RunState final_state = state();
  finish({final_state == RunState::PostMigrate ? RunState::PostMigrate : RunState::Shutdown, 0, {}});
}

void Machine::setThrottle(unsigned percent) {
  percent = std::min(percent, 99u);
  std::unique_lock lock(mutex_);
  throttle_percent_ = percent;
  changed_.notify_all();
  if (percent > 0 && !throttle_thread_.joinable()) {
    throttle_thread_ = std::thread([this] { throttleThread(); });
  } else if (percent == 0 && throttle_thread_.joinable()) {
    std::thread done = std::move(throttle_thread_);
    lock.unlock();
    done.join();
  }
}

unsigned Machine::throttle() const {
  std::lock_guard lock(mutex_);
  return throttle_percent_;
}

void Machine::throttleThread() {
  std::unique_lock lock(mutex_);
  for (;;) {
    const unsigned percent = throttle_percent_;
    auto done = [&] { return throttle_percent_ != percent || quit_requested_ || end_.has_value(); };
    if (percent == 0 || quit_requested_ || end_) return;
    // Timed from the vCPU's own entries into run(): it runs one timeslice,
    // then rests percent/(100 - percent) of it, as in QEMU (the period is
    // timeslice / (1 - percent/100)). A new percentage applies at the next
    // stop; a rest already under way keeps its length.
    if (state_ != RunState::Running || !in_run_) {
      changed_.wait(lock, [&] { return done() || (state_ == RunState::Running && in_run_); });
      continue;
    }
    const auto ran = std::chrono::steady_clock::now() - run_since_;
    if (ran < kThrottleTimeslice) {
      changed_.wait_for(lock, kThrottleTimeslice - ran, done);
      continue;
    }
    throttle_sleep_ = std::chrono::microseconds(kThrottleTimeslice) * percent / (100 - percent);
    const auto this_run = run_since_;
    stopVcpu(lock, [&] { return !done() && run_since_ == this_run; });
  }
}

void Machine::stopVcpu(std::unique_lock<std::mutex> &lock, const std::function<bool()> &still_wanted) {
  // requestStop() may land just before the vCPU thread enters run(); ask
  // again until it is out, so that no back end's handling of an early stop
  // request can make a caller hang.
  while (in_run_ && still_wanted()) {
    parts_.vcpu->requestStop();
    changed_.wait_for(lock, std::chrono::milliseconds(1));
  }
}

void Machine::finish(MachineEnd end) {
  flushConsole();
  std::lock_guard lock(mutex_);
  if (!end_) end_ = std::move(end);
  changed_.notify_all();
}

bool Machine::pause(RunState to) {
  std::unique_lock lock(mutex_);
  if (state_ != RunState::Running) return false;
  state_ = to;
  stopVcpu(lock, [] { return true; });
  lock.unlock();
  flushConsole();
  return true;
}

bool Machine::resume() {
  std::lock_guard lock(mutex_);
  if (end_ || quit_requested_) return false;
  switch (state_) {
  case RunState::Paused:
  case RunState::InMigrate:
  case RunState::Prelaunch:
    state_ = RunState::Running;
    changed_.notify_all();
    return true;
  case RunState::Running:
    return true;
  default:
    return false;
  }
}

std::optional<bool> Machine::enterFinishMigrate() {
  {
    std::lock_guard lock(mutex_);
    if (end_) return std::nullopt;
    if (state_ == RunState::Paused || state_ == RunState::Prelaunch) {
      state_ = RunState::FinishMigrate;
      return false;
    }
    if (state_ != RunState::Running) return std::nullopt;
  }
  if (pause(RunState::FinishMigrate)) return true;
  return std::nullopt;
}

void Machine::endFinishMigrate(bool run) {
  std::lock_guard lock(mutex_);
  if (end_ || state_ != RunState::FinishMigrate) return;
  state_ = run ? RunState::Running : RunState::Paused;
  changed_.notify_all();
}

void Machine::enterPostMigrate() {
  std::lock_guard lock(mutex_);
  if (!end_) state_ = RunState::PostMigrate;
  changed_.notify_all();
}

void Machine::quit() {
  std::unique_lock lock(mutex_);
  quit_requested_ = true;
  changed_.notify_all();
  stopVcpu(lock, [] { return true; });
  if (!thread_.joinable() && !end_) {
    // Never started (or --incoming that failed): end now.
    end_ = MachineEnd{state_ == RunState::PostMigrate ? RunState::PostMigrate : RunState::Shutdown,
                      0, {}};
    changed_.notify_all();
  }
}

MachineEnd Machine::waitUntilEnded() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return end_.has_value(); });
  return *end_;
}

std::optional<MachineEnd> Machine::ended() const {
  std::lock_guard lock(mutex_);
  return end_;
}

void Machine::flushConsole() {
  if (auto *fd_sink = dynamic_cast<FdConsoleSink *>(parts_.console.get())) fd_sink->flush();
}

} // namespace regvm
