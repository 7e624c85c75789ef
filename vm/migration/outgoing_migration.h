// The source side of a live migration (QMP `migrate`), on its own thread:
//   1. connect, write the preamble and the Header section;
//   2. pre-copy: send all RAM, then the pages dirtied meanwhile, pass after
//      pass, while the vCPU runs;
//   3. stop-and-copy: stop the vCPU, send the last dirty pages, the devices,
//      the CPU's architecture state and register list (runtime::outgoing
//      under the machine type's table), and the End section;
//   4. wait for the destination's answer on the return path (sockets).
// Any failure (connect, write, destination's ERROR, connection closed, time
// out) gives the guest back: the vCPU resumes if it was running and
// query-migrate reports "failed" with the error. Nothing of the guest's state
// was touched, so nothing is lost. On success the machine enters postmigrate.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "channel.h"
#include "machine.h"
#include "migration_stats.h"
#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/status.h"
#include "stream_format.h"

namespace regvm {

class OutgoingMigration {
 public:
  // `header`: arch, machine type, platform and backend of this side; RAM
  // fields are filled in from the machine.
  OutgoingMigration(Machine &machine, const regcompat::runtime::CompatTable &table,
                    stream::StreamHeader header, MigrationParameters params = {});
  ~OutgoingMigration();
  OutgoingMigration(const OutgoingMigration &) = delete;
  OutgoingMigration &operator=(const OutgoingMigration &) = delete;

  // Starts a migration to `uri` on a thread. Error (nothing started): a bad
  // URI, a migration already active, a machine that cannot be migrated.
  regcompat::runtime::Status start(const std::string &uri);
  MigrationStats query() const;
  // QMP migrate_cancel: the migration stops at once and the guest stays
  // here (resumed if it was running); status `cancelled`. Refused once the
  // End section has gone out: the destination may already run the guest,
  // and the outcome is its answer. `quitting` (quit, SIGTERM) cancels even
  // then: this side's guest ends with the process, so it cannot run twice.
  // No migration running: nothing to do (as in QEMU).
  regcompat::runtime::Status cancel(bool quitting = false);
  // Waits for the current migration's thread.
  void join();
  // Called on the migration thread when a migration completes.
  void onCompleted(std::function<void()> callback) { on_completed_ = std::move(callback); }

  // Runs a migration to `channel` on the calling thread (tests, file
  // streams). Returns the error that failed it.
  regcompat::runtime::Status runTo(Channel &channel, bool wait_for_reply);

 private:
  regcompat::runtime::Status precopyAndSend(Channel &channel, bool &stopped, bool &was_running);
  regcompat::runtime::Status sendDeviceAndCpuState(stream::SectionWriter &writer);
  regcompat::runtime::Status awaitReply(Channel &channel, std::uint32_t timeout_ms);
  void update(const std::function<void(MigrationStats &)> &change);

  Machine &machine_;
  const regcompat::runtime::CompatTable &table_;
  stream::StreamHeader header_;
  MigrationParameters params_;
  std::function<void()> on_completed_;

  mutable std::mutex mutex_;
  MigrationStats stats_;
  std::uint64_t started_ns_ = 0;
  std::uint64_t stop_ns_ = 0;
  std::uint64_t sent_ns_ = 0;  // the End section went out
  bool trace_ = false;
  bool wait_for_reply_ = false;  // when stop-and-copy stopped the vCPU
  // Under mutex_: the channel of the running migration (for cancel()),
  // whether cancel() asked it to stop, whether the End section went out.
  Channel *channel_ = nullptr;
  bool cancel_requested_ = false;
  bool end_sent_ = false;
  std::thread thread_;
};


} // namespace regvm
