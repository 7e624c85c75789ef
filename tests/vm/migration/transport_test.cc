// Transports and failure semantics with real sockets and files: the source
// keeps its guest whenever the destination does not take over.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
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
    if (s.status == MigrationStatus::Completed || s.status == MigrationStatus::Failed) return s;
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
