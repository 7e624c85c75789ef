// A machine: guest RAM, one vCPU, its devices, a console sink and a dirty
// log, and the thread that runs the vCPU. The control socket and migration
// drive it through pause() / resume() and the run state; main() waits for it
// to end (waitUntilEnded) and exits with the guest's status.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "device.h"
#include "dirty_log.h"
#include "guest_memory.h"
#include "run_state.h"
#include "vcpu.h"

namespace regvm {

struct MachineParts {
  std::unique_ptr<GuestMemory> memory;
  std::unique_ptr<Vcpu> vcpu;
  // Saved and loaded in this order; names must be unique.
  std::vector<std::unique_ptr<Device>> devices;
  std::unique_ptr<DirtyLog> dirty_log;
  // Flushed before every pause (may be null).
  std::shared_ptr<ConsoleSink> console;
};

// How the machine ended.
struct MachineEnd {
  RunState state = RunState::Shutdown;  // Shutdown, InternalError or PostMigrate
  int exit_status = 0;                  // Shutdown: the guest's status
  std::string error;                    // InternalError: the vCPU's message
};

class Machine {
 public:
  // `initial`: Prelaunch (a fresh guest) or InMigrate (--incoming).
  Machine(MachineParts parts, std::string arch, std::string machine_type, std::string platform_id,
          RunState initial = RunState::Prelaunch);
  ~Machine();
  Machine(const Machine &) = delete;
  Machine &operator=(const Machine &) = delete;

  GuestMemory &memory() { return *parts_.memory; }
  Vcpu &vcpu() { return *parts_.vcpu; }
  DirtyLog &dirtyLog() { return *parts_.dirty_log; }
  const std::vector<std::unique_ptr<Device>> &devices() const { return parts_.devices; }
  const std::string &arch() const { return arch_; }
  const std::string &machineType() const { return machine_type_; }
  const std::string &platformId() const { return platform_id_; }

  // Starts the vCPU thread, running (or paused: `stop` before the first
  // instruction, as QEMU's -S).
  void start(bool running = true);

  RunState state() const;
  // Running -> `to` (Paused or FinishMigrate): stops the vCPU and waits until
  // it is out of run(). False, and nothing changes, when the machine is not
  // running (already paused, finished, ...).
  bool pause(RunState to = RunState::Paused);
  // Paused / InMigrate / Prelaunch -> Running (`cont`). False when the
  // machine has ended, is in postmigrate, or an outgoing migration holds it
  // in finish-migrate.
  bool resume();
  // Outgoing migration's stop-and-copy: Running or Paused -> FinishMigrate,
  // with the vCPU out of run(). Returns whether the guest was running, or
  // nullopt (nothing changes) when the machine cannot be migrated (ended,
  // postmigrate, already in finish-migrate).
  std::optional<bool> enterFinishMigrate();
  // A failed outgoing migration gives the guest back: FinishMigrate ->
  // Running, or Paused when it was paused before the migration stopped it.
  void endFinishMigrate(bool run);
  // After a completed outgoing migration: the guest now lives elsewhere.
  void enterPostMigrate();
  // Ends the machine (QMP `quit`): stops the vCPU, waitUntilEnded() returns.
  void quit();

  // Blocks until the guest exits, the vCPU fails, or quit() is called.
  MachineEnd waitUntilEnded();
  // Non-blocking form: set once the machine has ended.
  std::optional<MachineEnd> ended() const;

  void flushConsole();

  // Auto-converge (QEMU's cpu-throttle, migration/cpu-throttle.c): while
  // `percent` (0..99) is above 0 the vCPU is kept out of the guest for that
  // share of every period of kThrottleTimeslice run time, so that a guest
  // that dirties memory faster than the migration sends it slows down. 0
  // turns it off. The outgoing migration raises it pass by pass.
  void setThrottle(unsigned percent);
  unsigned throttle() const;
  static constexpr std::chrono::milliseconds kThrottleTimeslice{10};

 private:
  void vcpuThread();
  void throttleThread();
  // Asks the vCPU to leave run() until it has, or until `still_wanted`
  // (called under the lock) turns false. Called with `lock` held.
  void stopVcpu(std::unique_lock<std::mutex> &lock, const std::function<bool()> &still_wanted);
  void finish(MachineEnd end);

  MachineParts parts_;
  std::string arch_;
  std::string machine_type_;
  std::string platform_id_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  RunState state_;
  bool in_run_ = false;      // the vCPU thread is inside Vcpu::run()
  bool quit_requested_ = false;
  std::optional<MachineEnd> end_;
  std::thread thread_;
  unsigned throttle_percent_ = 0;
  std::chrono::microseconds throttle_sleep_{0};  // owed by the vCPU after its next stop
  std::chrono::steady_clock::time_point run_since_;  // the vCPU's last entry into run()
  std::thread throttle_thread_;
};

} // namespace regvm
