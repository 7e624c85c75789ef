// What query-migrate reports, with QEMU's field names (qapi/migration.json,
// MigrationInfo / MigrationStats) so that one client drives both.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace regvm {

// QEMU's names (qapi/migration.json MigrationStatus); `cancelling` lasts
// until the migration thread has given the guest back.
enum class MigrationStatus : std::uint8_t { None, Setup, Active, Completed, Failed, Cancelling, Cancelled };

constexpr std::string_view toString(MigrationStatus s) {
  switch (s) {
  case MigrationStatus::None: return "none";
  case MigrationStatus::Setup: return "setup";
  case MigrationStatus::Active: return "active";
  case MigrationStatus::Completed: return "completed";
  case MigrationStatus::Failed: return "failed";
  case MigrationStatus::Cancelling: return "cancelling";
  case MigrationStatus::Cancelled: return "cancelled";
  }
  return "none";
}

struct MigrationStats {
  MigrationStatus status = MigrationStatus::None;
  std::string error;                 // "error-desc" when failed
  std::uint64_t total_time_ms = 0;   // start to completion (or failure), or so far
  // Guest stopped until the last byte of the stream went out: QEMU's
  // definition (migration/migration.c, migration_calculate_complete()), so
  // that the two compare. The guest may run again only once the
  // destination loaded everything: that longer figure is
  // confirmed_downtime_ms ("x-downtime-confirmed").
  std::uint64_t downtime_ms = 0;
  std::uint64_t confirmed_downtime_ms = 0;
  std::uint64_t setup_time_ms = 0;   // connecting
  std::uint64_t transferred = 0;     // bytes written to the stream
  std::uint64_t ram_total = 0;       // guest RAM size
  std::uint64_t pages_data = 0;      // "normal"
  std::uint64_t pages_zero = 0;      // "duplicate"
  std::uint64_t iterations = 0;      // "dirty-sync-count": dirty-log passes
  std::uint64_t remaining_pages = 0; // dirty after the last pass
  unsigned cpu_throttle_percentage = 0;  // auto-converge's current throttle
  double mbps = 0;                    // the last pass's throughput, megabits/s
  std::uint64_t dirty_pages_rate = 0; // pages/s the guest dirtied during the last pass
  std::uint64_t downtime_bytes = 0;   // sent after the vCPU stopped
};

struct MigrationParameters {
  // The longest acceptable downtime: stop and copy only once the dirty set
  // would go out in this time at the bandwidth measured on the previous pass
  // (QEMU's downtime-limit, default 300 ms: migration/options.c
  // DEFAULT_MIGRATE_SET_DOWNTIME). Unlike QEMU, regvm does not stop as soon
  // as it is under the limit: while each pass at least halves the dirty set
  // (the guest dirties slower than we send), another pass costs less time
  // than it saves in downtime, so it goes on until the set stops halving or
  // would go out in `negligible_downtime_ms`.
  std::uint64_t downtime_limit_ms = 300;
  std::uint64_t negligible_downtime_ms = 5;
  // Auto-converge (QEMU's capability of that name, off by default there, on
  // here): when a sample does not halve the dirty set, throttle the vCPU
  // (Machine::setThrottle) to what the sample calls for (auto_converge.h),
  // at least throttle_initial percent, then at least throttle_increment
  // more per such sample, up to throttle_max. Without it, such a
  // guest is stopped with its whole working set still to send.
  bool auto_converge = true;
  unsigned throttle_initial = 50;
  unsigned throttle_increment = 20;
  unsigned throttle_max = 99;
  // ... or after this many passes, or when the dirty set stopped shrinking
  // for `max_stalled` passes (the guest dirties faster than we send).
  std::uint32_t max_iterations = 30;
  std::uint32_t max_stalled = 3;
  // How long the source waits for the destination's answer after the End
  // section before it gives the guest back to itself.
  std::uint32_t return_path_timeout_ms = 120000;
  // The longest the migration waits on its peer without progress: a
  // connect, a write the peer takes nothing of, the peer's reading of the
  // stream's tail, a read (destination), and the incoming handshake (a
  // connection that sends nothing is closed). QEMU has no such bound (a
  // wedged peer holds its migration until migrate_cancel); regvm bounds it
  // so that an unattended source always gets its guest back.
  std::uint32_t stall_timeout_ms = 30000;
};

} // namespace regvm
