// The destination side (--incoming URI): read the stream, load RAM, devices
// and CPU state, verify the End section's RAM checksum, and answer the
// source on the return path. The CPU register list goes through the runtime
// library: runtime::merge(local, incoming, table), then
// Vcpu::loadRegisterList(report.merged); a rejected list fails the load with
// every error finding, each naming its register.
//
// The guest does not run until the whole stream loaded and verified, so a
// failed load leaves nothing half-started: regvm exits non-zero and the
// source, told on the return path (or seeing the connection close), resumes.
#pragma once

#include <functional>
#include <string>

#include "channel.h"
#include "machine.h"
#include "ram_transfer.h"
#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/status.h"
#include "stream_format.h"

namespace regvm {

struct IncomingSummary {
  stream::StreamHeader source;  // who sent it
  RamCounters ram;
  std::uint64_t pages_prefaulted = 0;  // by RamPrefaulter, ahead of the first pass
  std::uint32_t iterations = 0;
  std::uint64_t bytes = 0;
  std::size_t registers = 0;
  bool guest_running = true;  // the source had the guest running
  // Warnings and notes of the register merge (the load succeeded).
  std::vector<std::string> merge_notes;
};

class IncomingMigration {
 public:
  // `expected`: this side's arch, machine type, platform, backend (RAM
  // fields from the machine).
  IncomingMigration(Machine &machine, const regcompat::runtime::CompatTable &table,
                    stream::StreamHeader expected, bool compat_table_used);

  // Loads a whole stream from `channel`. The error names the byte offset, or
  // every offending register.
  regcompat::runtime::Status load(Channel &channel);
  const IncomingSummary &summary() const { return summary_; }

 private:
  regcompat::runtime::Status checkHeader(const stream::Section &section);
  regcompat::runtime::Status loadDevice(const stream::Section &section);
  regcompat::runtime::Status loadRegisters(const stream::Section &section);

  Machine &machine_;
  const regcompat::runtime::CompatTable &table_;
  stream::StreamHeader expected_;
  bool compat_table_used_;
  IncomingSummary summary_;
};

// Waits for the source on `listener`, loads one migration and answers the
// source on the return path. Returns the load's result. `stall_timeout_ms`
// bounds the handshake and every read (IncomingListener::accept);
// `on_note` hears of connections dropped on the way.
regcompat::runtime::Status receiveMigration(IncomingMigration &incoming, IncomingListener &listener,
                                            int stall_timeout_ms = 0,
                                            const std::function<void(const std::string &)> &on_note = {});

} // namespace regvm
