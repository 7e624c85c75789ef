#include "outgoing_migration.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>

#include "auto_converge.h"
#include "migration_trace.h"
#include "ram_checksum.h"
#include "ram_transfer.h"
#include "regcompat/runtime/save_side.h"

namespace regvm {

using regcompat::fail;
using regcompat::runtime::Status;

namespace {

std::uint64_t nowNs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// How often a pass samples the dirty log (AutoConverge): every 4 MiB read,
// if kSampleInterval has passed.
constexpr std::uint64_t kCheckpointPages = 1024;

std::uint64_t countPages(const std::vector<std::uint64_t> &bitmap) {
  std::uint64_t n = 0;
  for (auto w : bitmap) n += static_cast<std::uint64_t>(std::popcount(w));
  return n;
}

} // namespace

OutgoingMigration::OutgoingMigration(Machine &machine, const regcompat::runtime::CompatTable &table,
                                     stream::StreamHeader header, MigrationParameters params)
    : machine_(machine), table_(table), header_(std::move(header)), params_(params) {
  trace_ = migrationTraceEnabled();
  header_.ram_base = machine_.memory().base();
  header_.ram_size = machine_.memory().size();
  header_.page_size = static_cast<std::uint32_t>(GuestMemory::kPageSize);
}

OutgoingMigration::~OutgoingMigration() { join(); }

void OutgoingMigration::join() {
  if (thread_.joinable()) thread_.join();
}

void OutgoingMigration::update(const std::function<void(MigrationStats &)> &change) {
  std::lock_guard lock(mutex_);
  change(stats_);
}

MigrationStats OutgoingMigration::query() const {
  std::lock_guard lock(mutex_);
  MigrationStats s = stats_;
  if (s.status == MigrationStatus::Setup || s.status == MigrationStatus::Active)
    s.total_time_ms = (nowNs() - started_ns_) / 1000000;
  return s;
}

Status OutgoingMigration::start(const std::string &uri_text) {
  auto uri = parseMigrationUri(uri_text);
  if (!uri) return fail(uri.error());
  {
    std::lock_guard lock(mutex_);
    if (stats_.status == MigrationStatus::Setup || stats_.status == MigrationStatus::Active ||
        stats_.status == MigrationStatus::Cancelling)
      return fail("a migration is already in progress");
  }
  const RunState state = machine_.state();
  if (state != RunState::Running && state != RunState::Paused && state != RunState::Prelaunch)
    return fail("cannot migrate a machine in state " + std::string(toString(state)));
  join();
  {
    std::lock_guard lock(mutex_);
    stats_ = MigrationStats{};
    stats_.status = MigrationStatus::Setup;
    stats_.ram_total = machine_.memory().size();
    started_ns_ = nowNs();
    cancel_requested_ = false;
    end_sent_ = false;
  }
  thread_ = std::thread([this, target = *uri] {
    const std::uint64_t t0 = nowNs();
    auto channel = openOutgoing(target, static_cast<int>(params_.stall_timeout_ms));
    update([&](MigrationStats &s) { s.setup_time_ms = (nowNs() - t0) / 1000000; });
    Status result = channel ? runTo(**channel, target.hasReturnPath()) : Status(fail(channel.error()));
    if (!result)
      update([&](MigrationStats &s) {
        s.status = cancel_requested_ ? MigrationStatus::Cancelled : MigrationStatus::Failed;
        s.error = cancel_requested_ ? "cancelled" : result.error();
        s.total_time_ms = (nowNs() - started_ns_) / 1000000;
      });
  });
  return {};
}

Status OutgoingMigration::cancel(bool quitting) {
  std::lock_guard lock(mutex_);
  if (stats_.status != MigrationStatus::Setup && stats_.status != MigrationStatus::Active) return {};
  if (end_sent_ && !quitting)
    return fail("the whole stream has gone out: the destination may already run the guest, so the migration "
                "ends with its answer (within " + std::to_string(params_.return_path_timeout_ms / 1000) + " s)");
  cancel_requested_ = true;
  stats_.status = MigrationStatus::Cancelling;
  if (channel_) channel_->abort();
  return {};
}

Status OutgoingMigration::runTo(Channel &channel, bool wait_for_reply) {
  {
    std::lock_guard lock(mutex_);
    if (started_ns_ == 0) started_ns_ = nowNs();
    if (cancel_requested_) return fail("cancelled");
    stats_.status = MigrationStatus::Active;
    stats_.ram_total = machine_.memory().size();
    channel_ = &channel;
  }
  wait_for_reply_ = wait_for_reply;
  bool stopped = false, was_running = false;
  Status s = precopyAndSend(channel, stopped, was_running);
  sent_ns_ = nowNs();
  // A destination that never reads would otherwise hold the stopped guest
  // for the whole reply timeout: it must be taking the stream.
  if (s && wait_for_reply) s = channel.waitUntilDelivered();
  if (s && wait_for_reply) {
    s = awaitReply(channel, params_.return_path_timeout_ms);
    // The switch-over (STREAM.md): once `G` is written the destination may
    // run the guest, so this side never resumes after that point, even if
    // the byte is lost on the way.
    if (s) {
      const std::uint8_t go[1] = {stream::kSwitchOver};
      s = channel.writeAll(go);
      if (!s) s = fail("the destination loaded the guest but could not be told to run it: " + s.error());
    }
  } else if (!s && wait_for_reply && channel.waitReadable(0)) {
    // The destination stopped reading because it failed: its answer says why.
    Status reply = awaitReply(channel, 1000);
    if (!reply) s = reply;
  }
  machine_.dirtyLog().stop();
  {
    std::lock_guard lock(mutex_);
    channel_ = nullptr;
  }
  if (!s) {
    // Give the guest back to itself: it never left this side.
    channel.abort();
    if (stopped) machine_.endFinishMigrate(was_running);
    update([&](MigrationStats &st) {
      st.status = cancel_requested_ ? MigrationStatus::Cancelled : MigrationStatus::Failed;
      st.error = cancel_requested_ ? "cancelled" : s.error();
      st.total_time_ms = (nowNs() - started_ns_) / 1000000;
    });
    return s;
  }
  machine_.enterPostMigrate();
  update([&](MigrationStats &st) {
    st.status = MigrationStatus::Completed;
    st.total_time_ms = (nowNs() - started_ns_) / 1000000;
    st.downtime_ms = (sent_ns_ - stop_ns_) / 1000000;
    st.confirmed_downtime_ms = (nowNs() - stop_ns_) / 1000000;
    st.transferred = channel.bytesWritten();
  });
  if (on_completed_) on_completed_();
  return {};
}

Status OutgoingMigration::precopyAndSend(Channel &channel, bool &stopped, bool &was_running) {
  stream::SectionWriter writer(channel);
  if (auto s = writer.writePreamble(); !s) return s;
  {
    StateWriter w;
    stream::encodeHeader(w, header_);
    if (auto s = writer.write(stream::SectionType::Header, w.bytes()); !s) return s;
  }
  GuestMemory &memory = machine_.memory();
  RamChecksum checksum(memory.pageCount());
  RamSender sender(memory, writer, checksum);
  if (auto s = machine_.dirtyLog().start(); !s) return fail("cannot start dirty tracking: " + s.error());

  auto publish = [&](std::uint64_t iterations, std::uint64_t remaining) {
    update([&](MigrationStats &st) {
      st.transferred = channel.bytesWritten();
      st.pages_data = sender.counters().pages_data;
      st.pages_zero = sender.counters().pages_zero;
      st.iterations = iterations;
      st.remaining_pages = remaining;
    });
  };

  AutoConverge converge(machine_, params_, [&](unsigned percent) {
    update([&](MigrationStats &st) { st.cpu_throttle_percentage = percent; });
  });
  // `dirty`: what this pass sends; `next`: what the guest wrote since, which
  // the next pass sends. Mid-pass samples of the dirty log go into `next`.
  const std::size_t words = (memory.pageCount() + 63) / 64;
  std::vector<std::uint64_t> dirty(words, ~std::uint64_t{0}), next(words, 0);
  // Mid-pass samples: a long pass (the first one above all) reacts to a
  // guest that outruns it without waiting for its end.
  struct Sample {
    std::uint64_t ns = 0, read = 0, dirtied = 0;
  } last;
  unsigned pass_throttle = 0;  // the throttle when the pass started
  sender.setCheckpoint(
      [&]() -> Status {
        const std::uint64_t now = nowNs();
        if (now - last.ns < static_cast<std::uint64_t>(std::chrono::nanoseconds(AutoConverge::kSampleInterval).count()))
          return {};
        if (auto s = machine_.dirtyLog().collect(next); !s) return fail("dirty log: " + s.error());
        const std::uint64_t collect_ns = nowNs() - now;
        const Sample here{now, sender.counters().pages_read, countPages(next)};
        converge.sample(here.dirtied - last.dirtied, here.read - last.read);
        if (trace_)
          std::fprintf(stderr, "regvm: migration: sample after %.1f ms (dirty log read in %.1f ms): %llu pages dirtied, %llu read; throttle %u%%\n",
                       static_cast<double>(now - last.ns) / 1e6, static_cast<double>(collect_ns) / 1e6, static_cast<unsigned long long>(here.dirtied - last.dirtied),
                       static_cast<unsigned long long>(here.read - last.read), converge.throttle());
        last = here;
        return {};
      },
      kCheckpointPages);

  std::uint64_t previous = memory.pageCount();
  std::uint32_t stalled = 0;
  std::uint32_t passes = 0;
  for (std::uint32_t pass = 1;; ++pass) {  // pass 1: every page
    passes = pass;
    const std::uint64_t sent = std::min(countPages(dirty), memory.pageCount());
    const std::uint64_t bytes0 = channel.bytesWritten();
    const std::uint64_t read0 = sender.counters().pages_read;
    const std::uint64_t t0 = nowNs();
    last = {t0, read0, 0};
    pass_throttle = converge.throttle();
    if (auto s = pass == 1 ? sender.sendAll() : sender.sendDirty(dirty); !s) return s;
    if (auto s = sender.flush(); !s) return s;
    const double seconds = static_cast<double>(nowNs() - t0) / 1e9;
    const double bandwidth = static_cast<double>(channel.bytesWritten() - bytes0) / std::max(seconds, 1e-6);
    if (auto s = machine_.dirtyLog().collect(next); !s) return fail("dirty log: " + s.error());
    dirty.swap(next);
    std::fill(next.begin(), next.end(), 0);
    const std::uint64_t remaining = countPages(dirty);
    if (trace_)
      std::fprintf(stderr, "regvm: migration: pass %u: %llu pages read in %.1f ms (%.0f MB/s), %llu dirtied; throttle %u%%\n",
                   pass, static_cast<unsigned long long>(sender.counters().pages_read - read0), seconds * 1e3,
                   bandwidth / 1e6, static_cast<unsigned long long>(remaining), converge.throttle());
    {
      StateWriter w;
      stream::encodeIterationEnd(w, {pass, sent, remaining});
      if (auto s = writer.write(stream::SectionType::IterationEnd, w.bytes()); !s) return s;
    }
    publish(pass, remaining);
    update([&](MigrationStats &st) {
      st.mbps = bandwidth * 8 / 1e6;
      st.dirty_pages_rate = static_cast<std::uint64_t>(static_cast<double>(remaining) / std::max(seconds, 1e-6));
    });
    // A destination that already failed (wrong machine type, bad RAM size)
    // answered early: stop sending.
    if (wait_for_reply_ && channel.waitReadable(0)) return fail("the destination stopped the migration");
    const RunState state = machine_.state();
    if (state == RunState::Shutdown || state == RunState::InternalError)
      return fail("the guest ended (" + std::string(toString(state)) + ") during the migration");
    const double expected_ms = static_cast<double>(remaining * GuestMemory::kPageSize) / bandwidth * 1e3;
    stalled = remaining >= previous ? stalled + 1 : 0;
    previous = remaining;
    if (state != RunState::Running || expected_ms <= static_cast<double>(params_.negligible_downtime_ms) ||
        pass >= params_.max_iterations)
      break;
    // The whole pass as one sample, unless the throttle rose during it (the
    // pass then measured the guest partly at the old rate); pages never
    // touched cost nothing to send, so the pass is measured by the pages it
    // read.
    if (converge.throttle() == pass_throttle && converge.sample(remaining, sender.counters().pages_read - read0))
      continue;
    // A throttle that rose, in the pass or just now: look again.
    if (converge.throttle() != pass_throttle) {
      stalled = 0;
      continue;
    }
    if (expected_ms <= static_cast<double>(params_.downtime_limit_ms) || stalled >= params_.max_stalled) break;
  }
  sender.setCheckpoint({}, 1);

  // Stop and copy.
  // Downtime starts before the vCPU is asked to stop (QEMU: downtime_start
  // is taken before vm_stop_force_state()).
  stop_ns_ = nowNs();
  const std::uint64_t stop_bytes = channel.bytesWritten();
  auto running = machine_.enterFinishMigrate();
  if (!running) return fail("the guest ended during the migration (state " + std::string(toString(machine_.state())) + ")");
  stopped = true;
  was_running = *running;
  if (auto s = machine_.dirtyLog().collect(dirty); !s) return fail("dirty log: " + s.error());
  if (auto s = sender.sendDirty(dirty); !s) return s;
  if (auto s = sender.flush(); !s) return s;
  if (auto s = sendDeviceAndCpuState(writer); !s) return s;
  {
    // From here on cancel() is refused (see there), unless it came first.
    std::lock_guard lock(mutex_);
    if (cancel_requested_) return fail("cancelled");
    end_sent_ = true;
  }
  {
    StateWriter w;
    stream::encodeEnd(w, {memory.pageCount(), checksum.value(), was_running});
    if (auto s = writer.write(stream::SectionType::End, w.bytes()); !s) return s;
  }
  publish(passes + 1, 0);
  update([&](MigrationStats &st) { st.downtime_bytes = channel.bytesWritten() - stop_bytes; });
  if (trace_)
    std::fprintf(stderr, "regvm: migration: stop-and-copy: %llu pages, %llu bytes in %.1f ms\n",
                 static_cast<unsigned long long>(countPages(dirty)),
                 static_cast<unsigned long long>(channel.bytesWritten() - stop_bytes),
                 static_cast<double>(nowNs() - stop_ns_) / 1e6);
  return channel.finishWriting();
}

Status OutgoingMigration::sendDeviceAndCpuState(stream::SectionWriter &writer) {
  for (const auto &device : machine_.devices()) {
    StateWriter state;
    device->saveState(state);
    StateWriter w;
    w.str(device->name());
    w.blob(state.bytes());
    if (auto s = writer.write(stream::SectionType::Device, w.bytes()); !s) return s;
  }
  {
    StateWriter w;
    machine_.vcpu().saveArchState(w);
    if (auto s = writer.write(stream::SectionType::CpuArch, w.bytes()); !s) return s;
  }
  auto regs = regcompat::runtime::outgoing(machine_.vcpu().registerList(), table_);
  if (!regs) return fail("this side's CPU register list is invalid: " + regs.error());
  StateWriter w;
  stream::encodeRegisters(w, *regs);
  return writer.write(stream::SectionType::CpuRegisters, w.bytes());
}

Status OutgoingMigration::awaitReply(Channel &channel, std::uint32_t timeout_ms) {
  if (!channel.waitReadable(static_cast<int>(timeout_ms)))
    return fail("the destination did not confirm the load within " + std::to_string(timeout_ms / 1000) + " s");
  std::uint8_t head[5];
  auto got = channel.readFull(head, sizeof head);
  if (!got || *got < sizeof head)
    return fail("the destination closed the connection without confirming the load "
                "(it did not take over)");
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= std::uint32_t{head[1 + i]} << (8 * i);
  std::string message(std::min<std::uint32_t>(length, 1u << 20), '\0');
  auto text = channel.readFull(reinterpret_cast<std::uint8_t *>(message.data()), message.size());
  if (text) message.resize(*text);
  if (head[0] == 'O') return {};
  if (head[0] == 'E') return fail("the destination rejected the migration: " + message);
  return fail("the destination sent an unknown answer (byte " + std::to_string(head[0]) + ")");
}

} // namespace regvm
