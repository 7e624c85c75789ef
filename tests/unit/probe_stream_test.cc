// The QEMU migration-stream reader: hand-built streams (valid, truncated,
// corrupted at chosen offsets) and a real stream written by Debian's
// qemu-system-aarch64 (7.2) during the test.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "regcompat/db/vocabulary.h"
#include "regcompat/probe/migration_stream.h"
#include "regcompat/probe/qemu_stream_saver.h"
#include "regcompat/probe/probe_sets.h"
#include "regcompat/register_id.h"
#include "real_inputs.h"

namespace {

using regcompat::probe::MigrationStream;
using regcompat::probe::parseMigrationStream;
using regcompat::probe::readMigrationStreamFile;
using regcompat::probe::StreamRegister;

// Writes streams byte by byte the way QEMU's savevm.c does.
class StreamBuilder {
 public:
  StreamBuilder &u8(std::uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  StreamBuilder &be32(std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b_.push_back(static_cast<std::uint8_t>(v >> s));
    return *this;
  }
  StreamBuilder &be64(std::uint64_t v) {
    for (int s = 56; s >= 0; s -= 8) b_.push_back(static_cast<std::uint8_t>(v >> s));
    return *this;
  }
  StreamBuilder &str(const std::string &s) {  // u8 length + bytes
    u8(static_cast<std::uint8_t>(s.size()));
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  StreamBuilder &raw(const std::string &s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  StreamBuilder &zeros(std::size_t n) {
    b_.insert(b_.end(), n, 0);
    return *this;
  }
  std::size_t size() const { return b_.size(); }
  const std::vector<std::uint8_t> &bytes() const { return b_; }

 private:
  std::vector<std::uint8_t> b_;
};

struct Offsets {
  std::size_t config, ram_start, ram_end, timer, cpu, cpu_list, eof, desc;
};

// A small stream shaped like QEMU 7.2's for `-M virt`: configuration with
// target-page-bits, a RAM section (block list, a zero page, a normal page,
// CONTINUE), a plain device, an Arm CPU section with a subsection, EOF and the
// JSON description.
std::vector<std::uint8_t> makeStream(const std::vector<StreamRegister> &regs, Offsets *off = nullptr) {
  const std::uint32_t page = 4096;
  StreamBuilder s;
  Offsets o{};
  s.be32(0x5145564d).be32(3);
  o.config = s.size();
  s.u8(0x07).be32(8).raw("virt-7.2");
  s.u8(0x05).str("configuration/target-page-bits").be32(1).be32(12);
  o.ram_start = s.size();
  s.u8(0x01).be32(2).str("ram").be32(0).be32(4);
  s.be64(2 * page | 0x04).str("mach-virt.ram").be64(2 * page);
  s.be64(0 | 0x02).str("mach-virt.ram").u8(0);   // zero page
  s.be64(page | 0x08 | 0x20).zeros(page);          // normal page, CONTINUE
  s.be64(0x10);                                    // EOS
  s.u8(0x7e).be32(2);
  o.ram_end = s.size();
  s.u8(0x03).be32(2).be64(0x10).u8(0x7e).be32(2);
  o.timer = s.size();
  s.u8(0x04).be32(3).str("timer").be32(0).be32(2).be64(7).zeros(8).be64(9);
  s.u8(0x7e).be32(3);
  o.cpu = s.size();
  s.u8(0x04).be32(4).str("cpu").be32(0).be32(22);
  s.zeros(16 * 4);  // env.regs
  s.be64(0x40000000);  // env.pc
  o.cpu_list = s.size();
  s.be32(static_cast<std::uint32_t>(regs.size()));
  for (const auto &r : regs) s.be64(r.index);
  for (const auto &r : regs) s.be64(r.value);
  s.u8(0x05).str("cpu/vfp").be32(3).be32(0x1234);
  s.u8(0x7e).be32(4);
  o.eof = s.size();
  s.u8(0x00);
  const std::string n = std::to_string(regs.size());
  std::string list = regs.size() == 1
      ? R"({"name": "cpreg_vmstate_indexes", "type": "uint64", "size": 8},
           {"name": "cpreg_vmstate_values", "type": "uint64", "size": 8},)"
      : regs.empty() ? std::string()
      : R"({"name": "cpreg_vmstate_indexes", "array_len": )" + n + R"(, "type": "uint64", "size": 8},
           {"name": "cpreg_vmstate_values", "array_len": )" + n + R"(, "type": "uint64", "size": 8},)";
  const std::string json = R"({"page_size": 4096, "devices": [
    {"name": "timer", "instance_id": 0, "vmsd_name": "timer", "version": 2, "fields": [
      {"name": "cpu_ticks_offset", "type": "int64", "size": 8},
      {"name": "unused", "type": "unused_buffer", "size": 8},
      {"name": "cpu_clock_offset", "type": "int64", "size": 8}]},
    {"name": "cpu", "instance_id": 0, "vmsd_name": "cpu", "version": 22, "fields": [
      {"name": "env.regs", "array_len": 16, "type": "uint32", "size": 4},
      {"name": "env.pc", "type": "uint64", "size": 8},
      {"name": "cpreg_vmstate_array_len", "type": "int32 le", "size": 4},
      )" + list + R"(
      {"name": "dummy", "type": "buffer", "size": 0}],
     "subsections": [{"vmsd_name": "cpu/vfp", "version": 3, "fields": [
      {"name": "fpscr", "type": "uint32", "size": 4}]}]}]})";
  o.desc = s.size();
  s.u8(0x06).be32(static_cast<std::uint32_t>(json.size())).raw(json);
  if (off != nullptr) *off = o;
  return s.bytes();
}

const std::vector<StreamRegister> kRegs = {
    {0x40200000000f0800, 1},  // an AArch32 cp15 register (SCTLR view)
    {0x603000000013c000, 0x411fd070},  // MIDR_EL1
    {0x603000000013c080, 0x00c50838},  // SCTLR_EL1
};

std::string errorOf(const std::vector<std::uint8_t> &b) {
  auto r = parseMigrationStream(b.data(), b.size());
  return r ? std::string() : r.error();
}

TEST(ProbeStream, ParsesHandBuiltStream) {
  const auto b = makeStream(kRegs);
  auto r = parseMigrationStream(b.data(), b.size());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->machine_type, "virt-7.2");
  EXPECT_EQ(r->page_size, 4096u);
  ASSERT_EQ(r->cpus.size(), 1u);
  EXPECT_EQ(r->cpus[0].section_version, 22u);
  EXPECT_EQ(r->cpus[0].registers, kRegs);
  EXPECT_TRUE(regcompat::probe::checkRegisterList(r->cpus[0]).empty());
  ASSERT_EQ(r->sections.size(), 3u);
  EXPECT_EQ(r->sections[0].name, "ram");
  EXPECT_EQ(r->sections[2].name, "cpu");
}

TEST(ProbeStream, ListsOfLengthZeroAndOne) {
  for (const auto &regs : {std::vector<StreamRegister>{}, std::vector<StreamRegister>{kRegs[1]}}) {
    const auto b = makeStream(regs);
    auto r = parseMigrationStream(b.data(), b.size());
    ASSERT_TRUE(r) << r.error();
    ASSERT_EQ(r->cpus.size(), 1u);
    EXPECT_EQ(r->cpus[0].registers, regs);
  }
}

TEST(ProbeStream, EveryTruncationFailsWithAnOffset) {
  const auto full = makeStream(kRegs);
  for (std::size_t len = 0; len < full.size(); ++len) {
    std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
    auto r = parseMigrationStream(cut.data(), cut.size());
    ASSERT_FALSE(r) << "prefix of " << len << " bytes parsed";
    ASSERT_NE(r.error().find("offset 0x"), std::string::npos) << r.error();
  }
}

TEST(ProbeStream, TruncationMessagesNameThePlace) {
  Offsets o{};
  const auto full = makeStream(kRegs, &o);
  auto cut = [&](std::size_t n) {
    return errorOf(std::vector<std::uint8_t>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
  };
  EXPECT_EQ(cut(2), "offset 0x0 (0): truncated stream: file magic needs 4 byte(s), 2 left");
  // Without the description at the end, decoding stops at the first device.
  EXPECT_NE(cut(o.timer + 3).find("truncated stream: section id needs 4 byte(s)"), std::string::npos);
  EXPECT_NE(cut(o.ram_start + 40).find("truncated stream"), std::string::npos);
  const std::string at_timer = cut(o.cpu + 20);
  EXPECT_NE(at_timer.find("offset 0x" + [&] {
              char buf[32];
              std::snprintf(buf, sizeof buf, "%zx", o.timer);
              return std::string(buf);
            }()),
            std::string::npos)
      << at_timer;
  EXPECT_NE(at_timer.find("no VM description"), std::string::npos) << at_timer;
  EXPECT_NE(cut(o.desc + 30).find("no VM description"), std::string::npos);
}

TEST(ProbeStream, CorruptionAtChosenOffsets) {
  Offsets o{};
  const auto good = makeStream(kRegs, &o);
  auto with = [&](std::size_t at, std::uint8_t v) {
    auto b = good;
    b[at] = v;
    return errorOf(b);
  };
  EXPECT_NE(with(0, 'X').find("not a QEMU migration stream"), std::string::npos);
  EXPECT_NE(with(7, 2).find("version 2"), std::string::npos);
  EXPECT_NE(with(o.ram_start, 0x09).find("unknown record type 0x09"), std::string::npos);
  // Section name "ram" -> "rbm": an unknown iterative section.
  EXPECT_NE(with(o.ram_start + 7, 'b').find("iterative section 'rbm'"), std::string::npos);
  // cpreg_vmstate_array_len larger than the arrays: like QEMU, the reader
  // takes the count from the stream, and runs out of bytes.
  const std::string len_err = with(o.cpu_list + 3, 7);
  EXPECT_NE(len_err.find("field 'cpreg_vmstate_values' needs 7 x 8 byte(s)"), std::string::npos) << len_err;
  // The subsection marker of cpu/vfp.
  const std::size_t sub = o.eof - 5 - 4 - 4 - 7 - 1 - 1;  // footer, fpscr, version, name, len
  EXPECT_NE(with(sub, 0x06).find("expected 0x05 for subsection 'cpu/vfp'"), std::string::npos)
      << with(sub, 0x06);
  // A footer naming another section.
  EXPECT_NE(with(o.cpu - 1, 9).find("section footer for section id 9"), std::string::npos);
  // A bad JSON description.
  EXPECT_NE(with(o.desc + 6, 'x').find("VM description (JSON)"), std::string::npos);
  // Bytes between EOF and the description.
  auto b = good;
  b.insert(b.begin() + static_cast<std::ptrdiff_t>(o.desc), 0x00);
  EXPECT_NE(errorOf(b).find("after QEMU_VM_EOF"), std::string::npos) << errorOf(b);
}

TEST(ProbeStream, EverySingleByteCorruptionTerminates) {
  // Mini fuzz: flip each byte to a few values; the parser must return
  // (value or error) without crashing. Under ASan this also checks bounds.
  const auto good = makeStream(kRegs);
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0xff}, std::uint8_t{0x7f},
                           static_cast<std::uint8_t>(good[at] ^ 0x01)}) {
      auto b = good;
      b[at] = v;
      auto r = parseMigrationStream(b.data(), b.size());
      if (!r) {
        EXPECT_NE(r.error().find("offset 0x"), std::string::npos) << r.error();
      }
    }
  }
  auto r = parseMigrationStream(nullptr, 0);
  EXPECT_FALSE(r);
}

TEST(ProbeStream, HandWrittenFixtureFile) {
  // tests/fixtures/stream/minimal.qevm is makeStream(kRegs) as committed; if
  // the builder and the file drift apart, one of them changed the format.
  // REGCOMPAT_REGEN_FIXTURES=1 rewrites the file from the builder.
  const std::string path = std::string(REGCOMPAT_SOURCE_DIR) + "/tests/fixtures/stream/minimal.qevm";
  if (std::getenv("REGCOMPAT_REGEN_FIXTURES") != nullptr) {
    const auto b = makeStream(kRegs);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  auto r = readMigrationStreamFile(path);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->cpus.size(), 1u);
  EXPECT_EQ(r->cpus[0].registers, kRegs);
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, makeStream(kRegs));
  auto missing = readMigrationStreamFile(path + ".absent");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("cannot read: No such file"), std::string::npos);
}

TEST(ProbeStream, RegisterSetFromStream) {
  const auto b = makeStream(kRegs);
  auto r = parseMigrationStream(b.data(), b.size());
  ASSERT_TRUE(r) << r.error();
  regcompat::db::SetKey key{"qemu", "7.2", "arm64", "tcg", "cortex-a57"};
  auto set = regcompat::probe::streamRegisterSet(r->cpus[0], key, "a57.qevm");
  ASSERT_TRUE(set) << set.error();
  EXPECT_EQ(set->key, key);
  ASSERT_EQ(set->registers.size(), 3u);
  for (const auto &e : set->registers) {
    EXPECT_EQ(e.provenance.where, "stream:a57.qevm");
    EXPECT_EQ(regcompat::db::checkProvenance(e.provenance), std::nullopt);
    EXPECT_TRUE(regcompat::db::setArchitectureHolds("arm64", e.id));
  }
  EXPECT_EQ(set->registers[1].value, std::optional<std::uint64_t>(0x411fd070));  // sorted by index
  auto cpu = r->cpus[0];
  cpu.registers.push_back(cpu.registers[0]);
  auto dup = regcompat::probe::streamRegisterSet(cpu, key, "a57.qevm");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().find("appears twice"), std::string::npos);
  cpu.registers.back().index = 0x4020000000110000;  // coprocessor 17: not a register id
  auto bad = regcompat::probe::streamRegisterSet(cpu, key, "a57.qevm");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("0x4020000000110000"), std::string::npos) << bad.error();
}

// --- real QEMU --------------------------------------------------------------

std::string findQemu() {
  for (const char *dir : {"/usr/bin", "/usr/local/bin"}) {
    std::string p = std::string(dir) + "/qemu-system-aarch64";
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

TEST(ProbeStream, RealQemu72CortexA57Stream) {
  const std::string qemu = findQemu();
  ASSERT_FALSE(qemu.empty()) << "qemu-system-aarch64 is not installed (scripts/install-deps installs "
                                "qemu-system-arm)";
  char tmpl[] = "/tmp/regcompat-stream-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir = tmpl;
  const auto out = dir / "cortex-a57.qevm";
  auto saved = regcompat::probe::saveQemuStream({qemu, "virt", "cortex-a57", "16M", 60}, out);
  ASSERT_TRUE(saved) << saved.error();

  auto r = readMigrationStreamFile(out.string());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->machine_type, "virt-7.2");
  EXPECT_EQ(r->page_size, 4096u);
  ASSERT_EQ(r->cpus.size(), 1u);
  const auto &cpu = r->cpus[0];
  EXPECT_EQ(cpu.section_version, 22u);
  EXPECT_GE(cpu.registers.size(), 250u);
  EXPECT_LE(cpu.registers.size(), 360u);
  EXPECT_TRUE(regcompat::probe::checkRegisterList(cpu).empty());
  auto valueOf = [&](std::uint64_t index) -> std::optional<std::uint64_t> {
    for (const auto &reg : cpu.registers)
      if (reg.index == index) return reg.value;
    return std::nullopt;
  };
  auto sysreg = [](unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
    return regcompat::RegisterId::encode(regcompat::Arm64SysregFields{op0, op1, crn, crm, op2})->index();
  };
  // QEMU 7.2 defines MIDR_EL1, MPIDR_EL1 and ID_AA64PFR0_EL1 as NO_RAW
  // (read through accessors), so they are not on its stream; the constant ID
  // registers are, with cortex-a57's values (target/arm/cpu64.c
  // aarch64_a57_initfn): CTR_EL0, CLIDR_EL1, ID_AA64DFR0/ISAR0/MMFR0_EL1.
  EXPECT_FALSE(valueOf(sysreg(3, 0, 0, 0, 0)).has_value()) << "MIDR_EL1 unexpectedly migrated";
  EXPECT_EQ(valueOf(sysreg(3, 3, 0, 0, 1)), std::optional<std::uint64_t>(0x8444c004));  // CTR_EL0
  EXPECT_EQ(valueOf(sysreg(3, 1, 0, 0, 1)), std::optional<std::uint64_t>(0x0a200023));  // CLIDR_EL1
  EXPECT_EQ(valueOf(sysreg(3, 0, 0, 5, 0)), std::optional<std::uint64_t>(0x10305106));  // ID_AA64DFR0_EL1
  EXPECT_EQ(valueOf(sysreg(3, 0, 0, 6, 0)), std::optional<std::uint64_t>(0x00011120));  // ID_AA64ISAR0_EL1
  EXPECT_EQ(valueOf(sysreg(3, 0, 0, 7, 0)), std::optional<std::uint64_t>(0x00001124));  // ID_AA64MMFR0_EL1
  const auto sctlr = valueOf(sysreg(3, 0, 1, 0, 0));
  ASSERT_TRUE(sctlr.has_value()) << "SCTLR_EL1 missing";
  // Reset value: MMU and caches off, RES1 bits set (cortex-a57 reset_sctlr
  // 0x00c50838).
  EXPECT_EQ(*sctlr, 0x00c50838u);
  // Both views are there: AArch32 cp15 registers too.
  EXPECT_TRUE(std::any_of(cpu.registers.begin(), cpu.registers.end(),
                          [](const StreamRegister &reg) { return (reg.index >> 56) == 0x40; }));

  // Every prefix at a few hundred offsets fails cleanly; so do corruptions.
  std::ifstream in(out, std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t len = 0; len < bytes.size(); len += 1 + bytes.size() / 300) {
    auto t = parseMigrationStream(bytes.data(), len);
    ASSERT_FALSE(t) << len;
    EXPECT_NE(t.error().find("offset 0x"), std::string::npos);
  }
  const std::size_t list_at = static_cast<std::size_t>(cpu.list_offset);
  for (std::size_t at : {std::size_t{9}, std::size_t{40}, list_at, list_at + 3, list_at + 9, bytes.size() - 3}) {
    auto b = bytes;
    b[at] ^= 0x5a;
    auto t = parseMigrationStream(b.data(), b.size());
    if (!t) {
      EXPECT_NE(t.error().find("offset 0x"), std::string::npos);
    }
  }
  std::filesystem::remove_all(dir);
}

// Real streams of every Debian release (release/qemu-peers): QEMU 7.2 under
// virt-7.2, 10.0.13 and 11.1.3 under virt-7.2 and virt-10.0 (whose
// migration object sends SWITCHOVER_START, a QEMU_VM_COMMAND record).
TEST(ProbeStream, RealStreamsOfEveryRelease) {
  struct Peer {
    const char *suite, *release;
    std::vector<const char *> machines;
  };
  const std::vector<Peer> peers = {{"bookworm", "7.2", {"virt-7.2"}},
                                   {"trixie", "10.0.13", {"virt-7.2", "virt-10.0"}},
                                   {"sid", "11.1.3", {"virt-7.2", "virt-10.0"}}};
  char tmpl[] = "/tmp/regcompat-streams-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir = tmpl;
  for (const Peer &peer : peers) {
    const auto qemu = regcompat::testing::qemuPeer(peer.suite);
    if (qemu.empty()) REGCOMPAT_REAL_INPUT_MISSING("the QEMU peer of " << peer.suite);
    for (const char *machine : peer.machines) {
      SCOPED_TRACE(std::string(peer.release) + " " + machine);
      const auto out = dir / (std::string(peer.release) + "-" + machine + ".qevm");
      auto saved = regcompat::probe::saveQemuStream({qemu.string(), machine, "max", "16M", 120}, out);
      ASSERT_TRUE(saved) << saved.error();
      auto r = readMigrationStreamFile(out.string());
      ASSERT_TRUE(r) << r.error();
      EXPECT_EQ(r->machine_type, machine);
      ASSERT_EQ(r->cpus.size(), 1u);
      EXPECT_EQ(r->cpus[0].section_version, 22u);
      EXPECT_GE(r->cpus[0].registers.size(), 300u);
      EXPECT_LE(r->cpus[0].registers.size(), 400u);
      EXPECT_TRUE(regcompat::probe::checkRegisterList(r->cpus[0]).empty());
      EXPECT_FALSE(r->cpus[0].subsections.empty());
      const bool switchover = std::string(machine) == "virt-10.0";
      EXPECT_EQ(r->commands, switchover ? std::vector<std::string>{"SWITCHOVER_START"} : std::vector<std::string>{});
      // Truncated anywhere, the stream fails with the offset.
      std::ifstream in(out, std::ios::binary);
      std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      for (std::size_t len = 0; len < bytes.size(); len += 1 + bytes.size() / 60) {
        auto t = parseMigrationStream(bytes.data(), len);
        ASSERT_FALSE(t) << len;
        EXPECT_NE(t.error().find("offset 0x"), std::string::npos) << t.error();
      }
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
