// Transports and failure semantics with real sockets and files: the source
// keeps its guest whenever the destination does not take over.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <atomic>
#include <filesystem>
#include <thread>

#include "incoming_migration.h"
#include "outgoing_migration.h"
#include "test_machine.h"

namespace regvm::test {
namespace {

using regcompat::runtime::CompatTable;
using regcompat::runtime::LocalRegisterList;

const std::uint64_t kBogusDbgdtrtx = 0x40200000200e0298ULL;
const std::uint64_t kSctlr = 0x603000000013c080ULL;

LocalRegisterList sourceRegs() { return {{kBogusDbgdtrtx, 0, true}, {kSctlr, 5, false}}; }
LocalRegisterList destRegs() { return {{kSctlr, 0, false}}; }
const std::uint64_t kForever = ~std::uint64_t{0} >> 1;

std::string tempPath(const std::string &name) {
  return (std::filesystem::temp_directory_path() / ("regvm-test-" + std::to_string(::getpid()) + "-" + name)).string();
}

MigrationStats waitForEnd(const OutgoingMigration &out) {
  for (;;) {
    auto s = out.query();
    if (s.status == MigrationStatus::Completed || s.status == MigrationStatus::Failed ||
        s.status == MigrationStatus::Cancelled)
      return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

TEST(MigrationUri, ParsesTheThreeTransports) {
  auto u = parseMigrationUri("unix:/tmp/a b");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(MigrationUri::Kind::Unix, u->kind);
  EXPECT_EQ("/tmp/a b", u->path);
  auto t = parseMigrationUri("tcp:127.0.0.1:4444");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ("127.0.0.1", t->host);
  EXPECT_EQ(4444, t->port);
  auto f = parseMigrationUri("file:/tmp/s");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->hasReturnPath());
  for (const char *bad : {"exec:cat", "tcp:127.0.0.1", "tcp:127.0.0.1:99999", "unix:", "nocolon"})
    EXPECT_FALSE(parseMigrationUri(bad).ok()) << bad;
}

// Until the fake guest has written its 8 pages: every stream is then > 32 KiB.
void startGuest(TestMachine &t) {
  t.machine->start(true);
  while (t.vcpu->counter() < 1000) std::this_thread::yield();
}

struct Pair {
  CompatTable table = std::move(CompatTable::create({.machine_type = "virt-10.0", .hidden = {kBogusDbgdtrtx}})).value();
  TestMachine src = makeMachine(64, sourceRegs(), kForever);
  TestMachine dst = makeMachine(64, destRegs(), kForever, RunState::InMigrate);
};

void migrateOver(const std::string &uri_text) {
  Pair p;
  startGuest(p.src);
  auto uri = parseMigrationUri(uri_text);
  ASSERT_TRUE(uri.ok());
  auto listener = IncomingListener::open(*uri);
  ASSERT_TRUE(listener.ok()) << listener.error();
  std::string target = uri_text;
  if (uri->kind == MigrationUri::Kind::Tcp) target = "tcp:127.0.0.1:" + std::to_string((*listener)->port());
  IncomingMigration in(*p.dst.machine, p.table, testHeader(), true);
  regcompat::runtime::Status loaded;
  std::thread dst([&] { loaded = receiveMigration(in, **listener); });
  OutgoingMigration out(*p.src.machine, p.table, testHeader());
  ASSERT_TRUE(out.start(target).ok());
  auto stats = waitForEnd(out);
  dst.join();
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(MigrationStatus::Completed, stats.status) << stats.error;
  EXPECT_EQ(RunState::PostMigrate, p.src.machine->state());
  EXPECT_EQ(0, std::memcmp(p.src.machine->memory().host(), p.dst.machine->memory().host(), 64 * 4096));
  EXPECT_EQ(p.src.vcpu->counter(), p.dst.vcpu->counter());
  EXPECT_GT(stats.transferred, 8u * 4096);
  EXPECT_EQ(56u, stats.pages_zero >= 56 ? 56u : stats.pages_zero) << "untouched pages go as zero flags";
}

TEST(Transport, UnixSocket) { migrateOver("unix:" + tempPath("mig.sock")); }
TEST(Transport, TcpLoopback) { migrateOver("tcp:127.0.0.1:0"); }

TEST(Transport, FileThenLoad) {
  Pair p;
  startGuest(p.src);
  const std::string path = tempPath("mig.stream");
  OutgoingMigration out(*p.src.machine, p.table, testHeader());
  ASSERT_TRUE(out.start("file:" + path).ok());
  ASSERT_EQ(MigrationStatus::Completed, waitForEnd(out).status);
  // Guest memory is readable by its owner only.
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto listener = IncomingListener::open(*parseMigrationUri("file:" + path));
  ASSERT_TRUE(listener.ok());
  IncomingMigration in(*p.dst.machine, p.table, testHeader(), true);
  auto s = receiveMigration(in, **listener);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(p.src.vcpu->counter(), p.dst.vcpu->counter());
  std::filesystem::remove(path);
}

TEST(Transport, FileMigrationNeverWritesThroughAPlantedLink) {
  Pair p;
  startGuest(p.src);
  const std::string path = tempPath("planted.stream");
  const std::string victim = tempPath("victim.txt");
  { std::FILE *f = std::fopen(victim.c_str(), "w"); std::fputs("precious", f); std::fclose(f); }
  // The old fixed temporary name, planted as a link to another file.
  std::filesystem::create_symlink(victim, path + ".tmp");
  OutgoingMigration out(*p.src.machine, p.table, testHeader());
  ASSERT_TRUE(out.start("file:" + path).ok());
  ASSERT_EQ(MigrationStatus::Completed, waitForEnd(out).status);
  std::FILE *f = std::fopen(victim.c_str(), "r");
  char buf[16] = {};
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(std::fread(buf, 1, sizeof buf - 1, f), 8u);
  std::fclose(f);
  EXPECT_STREQ(buf, "precious");
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".tmp");
  std::filesystem::remove(victim);
}

TEST(Transport, NoListenerFailsAndTheGuestRuns) {
  Pair p;
  startGuest(p.src);
  OutgoingMigration out(*p.src.machine, p.table, testHeader());
  ASSERT_TRUE(out.start("unix:" + tempPath("nobody.sock")).ok());
  auto stats = waitForEnd(out);
  EXPECT_EQ(MigrationStatus::Failed, stats.status);
  EXPECT_NE(std::string::npos, stats.error.find("cannot connect")) << stats.error;
  EXPECT_EQ(RunState::Running, p.src.machine->state());
}

// The destination reads `cut` bytes and hangs up (killed): the source fails
// and resumes, whether it was still pre-copying or already stopped.
TEST(Transport, DestinationGoneAtAnyPointLeavesTheSourceRunning) {
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, std::size_t{100}, std::size_t{20000}}) {
    Pair p;
    startGuest(p.src);
    const std::string path = tempPath("cut.sock");
    auto listener = IncomingListener::open(*parseMigrationUri("unix:" + path));
    ASSERT_TRUE(listener.ok());
    std::thread dst([&] {
      auto ch = (*listener)->accept();
      std::vector<std::uint8_t> buf(cut);
      if (ch.ok() && cut > 0) (void)(*ch)->readFull(buf.data(), cut);
    });
    OutgoingMigration out(*p.src.machine, p.table, testHeader());
    ASSERT_TRUE(out.start("unix:" + path).ok());
    auto stats = waitForEnd(out);
    dst.join();
    EXPECT_EQ(MigrationStatus::Failed, stats.status) << "cut " << cut;
    EXPECT_EQ(RunState::Running, p.src.machine->state()) << "cut " << cut << ": " << stats.error;
    const std::uint64_t before = p.src.vcpu->counter();
    while (p.src.vcpu->counter() == before) std::this_thread::yield();
  }
}

TEST(Transport, RegisterMismatchComesBackOnTheReturnPath) {
  Pair p;
  const CompatTable none("virt-10.0");
  startGuest(p.src);
  const std::string path = tempPath("reject.sock");
  auto listener = IncomingListener::open(*parseMigrationUri("unix:" + path));
  ASSERT_TRUE(listener.ok());
  IncomingMigration in(*p.dst.machine, none, testHeader(), false);
  regcompat::runtime::Status loaded;
  std::thread dst([&] { loaded = receiveMigration(in, **listener); });
  OutgoingMigration out(*p.src.machine, none, testHeader());
  ASSERT_TRUE(out.start("unix:" + path).ok());
  auto stats = waitForEnd(out);
  dst.join();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(std::string::npos, loaded.error().find("0x40200000200e0298")) << loaded.error();
  EXPECT_EQ(MigrationStatus::Failed, stats.status);
  EXPECT_NE(std::string::npos, stats.error.find("the destination rejected the migration")) << stats.error;
  EXPECT_NE(std::string::npos, stats.error.find("0x40200000200e0298")) << stats.error;
  EXPECT_EQ(RunState::Running, p.src.machine->state());
}

// A destination that accepts and never reads a byte.
struct SilentDestination {
  explicit SilentDestination(const std::string &uri_text) {
    auto uri = parseMigrationUri(uri_text);
    listener = std::move(IncomingListener::open(*uri)).value();
    target = uri->kind == MigrationUri::Kind::Tcp ? "tcp:127.0.0.1:" + std::to_string(listener->port()) : uri_text;
    thread = std::thread([this] {
      auto ch = listener->accept();
      if (ch.ok()) held = std::move(ch).value();
    });
  }
  ~SilentDestination() {
    listener->abort();
    thread.join();
  }
  std::unique_ptr<IncomingListener> listener;
  std::string target;
  std::unique_ptr<Channel> held;
  std::thread thread;
};

// Guest RAM full of data: a stream far larger than the sockets' buffers.
void fillRam(TestMachine &t) {
  auto *bytes = t.machine->memory().host();
  for (std::uint64_t i = 0; i < t.machine->memory().size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 2654435761u >> 13);
}

// Each case: the stall timeout fails the migration within a bound, and the
// guest runs on here. Small stream: every byte fits the socket buffers and
// the End section goes out, so it is the wait for delivery that notices.
TEST(Transport, DestinationThatNeverReadsFailsAfterTheStallTimeout) {
  struct Case {
    std::string uri;
    std::uint64_t pages;
  } cases[] = {{"unix:" + tempPath("silent-small.sock"), 64},
               {"unix:" + tempPath("silent-large.sock"), 8192},
               {"tcp:127.0.0.1:0", 8192}};
  for (const auto &c : cases) {
    Pair p;
    p.src = makeMachine(c.pages, sourceRegs(), kForever);
    fillRam(p.src);
    startGuest(p.src);
    SilentDestination dst(c.uri);
    MigrationParameters params;
    params.stall_timeout_ms = 300;
    OutgoingMigration out(*p.src.machine, p.table, testHeader(), params);
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(out.start(dst.target).ok());
    auto stats = waitForEnd(out);
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(MigrationStatus::Failed, stats.status) << c.uri;
    EXPECT_NE(std::string::npos, stats.error.find("(stall timeout)")) << c.uri << ": " << stats.error;
    EXPECT_LT(took, std::chrono::seconds(10)) << c.uri;
    EXPECT_EQ(RunState::Running, p.src.machine->state()) << c.uri;
    const std::uint64_t before = p.src.vcpu->counter();
    while (p.src.vcpu->counter() == before) std::this_thread::yield();
  }
}

TEST(Transport, MigrateCancelGivesTheGuestBackAtOnce) {
  Pair p;
  p.src = makeMachine(8192, sourceRegs(), kForever);
  fillRam(p.src);
  startGuest(p.src);
  SilentDestination dst("unix:" + tempPath("cancel.sock"));
  OutgoingMigration out(*p.src.machine, p.table, testHeader());  // default stall timeout: 30 s
  ASSERT_TRUE(out.start(dst.target).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(MigrationStatus::Active, out.query().status);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(out.cancel().ok());
  auto stats = waitForEnd(out);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(MigrationStatus::Cancelled, stats.status) << stats.error;
  EXPECT_EQ(RunState::Running, p.src.machine->state());
  EXPECT_TRUE(out.cancel().ok()) << "no migration running: nothing to do";
  // The next migration starts afresh.
  ASSERT_TRUE(out.start("unix:" + tempPath("nobody-after-cancel.sock")).ok());
  EXPECT_EQ(MigrationStatus::Failed, waitForEnd(out).status);
}

// Once the whole stream went out, the destination may run the guest:
// migrate_cancel is refused (the guest must not run twice); quitting this
// side cancels it anyway.
TEST(Transport, CancelAfterTheEndSectionIsRefusedButQuitEndsIt) {
  Pair p;
  startGuest(p.src);
  const std::string path = tempPath("mute.sock");
  auto listener = IncomingListener::open(*parseMigrationUri("unix:" + path));
  ASSERT_TRUE(listener.ok());
  std::atomic<bool> stop{false};
  std::thread dst([&] {  // reads everything, never answers
    auto ch = (*listener)->accept();
    std::vector<std::uint8_t> sink(1 << 16);
    while (ch.ok() && !stop) {
      if (!(*ch)->waitReadable(20)) continue;
      auto n = (*ch)->readFull(sink.data(), 1);
      if (!n.ok() || *n == 0) break;
    }
  });
  OutgoingMigration out(*p.src.machine, p.table, testHeader());
  ASSERT_TRUE(out.start("unix:" + path).ok());
  while (out.query().downtime_bytes == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto refused = out.cancel();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string::npos, refused.error().find("the destination may already run the guest")) << refused.error();
  EXPECT_EQ(MigrationStatus::Active, out.query().status);
  ASSERT_TRUE(out.cancel(true).ok());
  EXPECT_EQ(MigrationStatus::Cancelled, waitForEnd(out).status);
  stop = true;
  dst.join();
}

// A connection that sends nothing is dropped after the stall timeout and
// the real source that comes next loads.
TEST(Transport, SilentConnectionDoesNotHoldTheIncomingSlot) {
  Pair p;
  startGuest(p.src);
  const std::string path = tempPath("handshake.sock");
  auto listener = IncomingListener::open(*parseMigrationUri("unix:" + path));
  ASSERT_TRUE(listener.ok());
  IncomingMigration in(*p.dst.machine, p.table, testHeader(), true);
  regcompat::runtime::Status loaded;
  std::vector<std::string> notes;
  std::thread dst([&] {
    loaded = receiveMigration(in, **listener, 300, [&](const std::string &n) { notes.push_back(n); });
  });
  auto squatter = openOutgoing(*parseMigrationUri("unix:" + path));
  ASSERT_TRUE(squatter.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  OutgoingMigration out(*p.src.machine, p.table, testHeader());
  ASSERT_TRUE(out.start("unix:" + path).ok());
  auto stats = waitForEnd(out);
  dst.join();
  EXPECT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(MigrationStatus::Completed, stats.status) << stats.error;
  ASSERT_EQ(1u, notes.size());
  EXPECT_NE(std::string::npos, notes[0].find("sent nothing for 300 ms")) << notes[0];
}

// A source that stops mid-stream: the destination's load fails after the
// stall timeout, naming the offset, instead of waiting forever.
TEST(Transport, SourceThatStopsSendingFailsTheLoad) {
  Pair p;
  const std::string path = tempPath("stalled-source.sock");
  auto listener = IncomingListener::open(*parseMigrationUri("unix:" + path));
  ASSERT_TRUE(listener.ok());
  IncomingMigration in(*p.dst.machine, p.table, testHeader(), true);
  regcompat::runtime::Status loaded;
  std::thread dst([&] { loaded = receiveMigration(in, **listener, 300); });
  auto source = openOutgoing(*parseMigrationUri("unix:" + path));
  ASSERT_TRUE(source.ok());
  const std::uint8_t some[3] = {'R', 'E', 'G'};
  ASSERT_TRUE((*source)->writeAll(some).ok());
  dst.join();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(std::string::npos, loaded.error().find("the peer sent nothing for 300 ms (stall timeout) at byte offset 3"))
      << loaded.error();
}

// The destination runs the guest only once the source handed it over: a
// source that reads the destination's OK and then goes (it gave up, was
// cancelled or died) keeps the guest, and the destination must not run it.
TEST(Transport, LoadedGuestWithoutTheSwitchOverDoesNotRun) {
  Pair p;
  startGuest(p.src);
  const std::string file = tempPath("switch-over.stream");
  {
    OutgoingMigration out(*p.src.machine, p.table, testHeader());
    ASSERT_TRUE(out.start("file:" + file).ok());
    ASSERT_EQ(MigrationStatus::Completed, waitForEnd(out).status);
  }
  std::vector<std::uint8_t> stream_bytes(std::filesystem::file_size(file));
  {
    std::FILE *f = std::fopen(file.c_str(), "rb");
    ASSERT_EQ(stream_bytes.size(), std::fread(stream_bytes.data(), 1, stream_bytes.size(), f));
    std::fclose(f);
  }
  std::filesystem::remove(file);
  const std::string path = tempPath("switch-over.sock");
  auto listener = IncomingListener::open(*parseMigrationUri("unix:" + path));
  ASSERT_TRUE(listener.ok());
  IncomingMigration in(*p.dst.machine, p.table, testHeader(), true);
  regcompat::runtime::Status loaded;
  std::thread dst([&] { loaded = receiveMigration(in, **listener, 5000); });
  {
    auto source = openOutgoing(*parseMigrationUri("unix:" + path));
    ASSERT_TRUE(source.ok());
    ASSERT_TRUE((*source)->writeAll(stream_bytes).ok());
    std::uint8_t answer = 0;
    auto got = (*source)->readFull(&answer, 1);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ('O', answer);
  }  // gone without the go
  dst.join();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(std::string::npos, loaded.error().find("the source did not hand the guest over")) << loaded.error();
}

TEST(Transport, AbortEndsAWaitingListener) {
  const std::string path = tempPath("abort.sock");
  auto listener = IncomingListener::open(*parseMigrationUri("unix:" + path));
  ASSERT_TRUE(listener.ok());
  regcompat::Result<std::unique_ptr<Channel>> got = regcompat::fail("not yet");
  std::thread waiter([&] { got = (*listener)->accept(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*listener)->abort();
  waiter.join();
  ASSERT_FALSE(got.ok());
  EXPECT_NE(std::string::npos, got.error().find("abandoned")) << got.error();
}

// The incoming socket carries guest memory: owner only; another process's
// live socket is never taken over; the file goes with the listener.
TEST(Transport, IncomingUnixSocketIsPrivateAndNeverTakenOver) {
  const std::string path = tempPath("private.sock");
  {
    auto first = IncomingListener::open(*parseMigrationUri("unix:" + path));
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto second = IncomingListener::open(*parseMigrationUri("unix:" + path));
    ASSERT_FALSE(second.ok());
    EXPECT_NE(std::string::npos, second.error().find("another process listens there")) << second.error();
  }
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(path)));
}

TEST(Machine, PauseResumeAndGuestExit) {
  TestMachine t = makeMachine(8, {}, 2000000);
  t.machine->start(true);
  ASSERT_TRUE(t.machine->pause());
  EXPECT_EQ(RunState::Paused, t.machine->state());
  const std::uint64_t c = t.vcpu->counter();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(c, t.vcpu->counter()) << "a paused vCPU does not run";
  EXPECT_FALSE(t.machine->pause());
  ASSERT_TRUE(t.machine->resume());
  const MachineEnd end = t.machine->waitUntilEnded();
  EXPECT_EQ(RunState::Shutdown, end.state);
  EXPECT_EQ(0, end.exit_status);
  EXPECT_EQ(2000000u, t.vcpu->counter());
  EXPECT_FALSE(t.machine->resume());
}

} // namespace
} // namespace regvm::test
