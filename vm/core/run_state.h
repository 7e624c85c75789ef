// The machine's run state, named as QEMU names them (qapi/run-state.json,
// RunState) so that tools written against QEMU's query-status read regvm's.
#pragma once

#include <cstdint>
#include <string_view>

namespace regvm {

enum class RunState : std::uint8_t {
  Prelaunch,      // created, vCPU not started yet
  Running,
  Paused,         // `stop`, or migration's stop-and-copy (QEMU: finish-migrate)
  FinishMigrate,  // stopped for the last phase of an outgoing migration
  InMigrate,      // destination: waiting for or loading an incoming migration
  PostMigrate,    // source after a completed migration: paused for good
  Shutdown,       // the guest exited (semihosting exit, exit port)
  InternalError,  // the vCPU stopped with an error (unimplemented instruction, ...)
};

constexpr std::string_view toString(RunState s) {
  switch (s) {
  case RunState::Prelaunch: return "prelaunch";
  case RunState::Running: return "running";
  case RunState::Paused: return "paused";
  case RunState::FinishMigrate: return "finish-migrate";
  case RunState::InMigrate: return "inmigrate";
  case RunState::PostMigrate: return "postmigrate";
  case RunState::Shutdown: return "shutdown";
  case RunState::InternalError: return "internal-error";
  }
  return "unknown";
}

} // namespace regvm
