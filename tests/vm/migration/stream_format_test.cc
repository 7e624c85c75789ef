// The migration stream: a round trip through the format, every truncation
// point and every corrupted byte of a real stream, zero pages, the register
// list through the runtime library.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "crc32c.h"
#include "incoming_migration.h"
#include "outgoing_migration.h"
#include "ram_checksum.h"
#include "test_machine.h"

namespace regvm::test {
namespace {

using regcompat::runtime::CompatTable;
using regcompat::runtime::LocalRegisterList;

const std::uint64_t kBogusDbgdtrtx = 0x40200000200e0298ULL;
const std::uint64_t kSctlr = 0x603000000013c080ULL;
const std::uint64_t kMidr = 0x603000000013c000ULL;

LocalRegisterList sourceRegs() {
  return {{kBogusDbgdtrtx, 0, true}, {kMidr, 0x411fd070, true}, {kSctlr, 0x30d00800, false}};
}
LocalRegisterList destRegs() { return {{kMidr, 0x411fd070, true}, {kSctlr, 0, false}}; }

void fill(GuestMemory &memory, std::uint64_t page, std::uint8_t seed) {
  for (std::uint64_t i = 0; i < GuestMemory::kPageSize; ++i)
    memory.host()[page * GuestMemory::kPageSize + i] = static_cast<std::uint8_t>(seed + i * 7);
}

// A stream from a stopped source: pages 1 and 5 hold data, the others zero.
std::vector<std::uint8_t> makeStream(const CompatTable &table, std::uint64_t pages = 8) {
  TestMachine src = makeMachine(pages, sourceRegs(), 100, RunState::Prelaunch, 0x1234);
  fill(src.machine->memory(), 1, 3);
  fill(src.machine->memory(), 5, 9);
  src.machine->start(false);
  OutgoingMigration out(*src.machine, table, testHeader("10.2.2/6.12.107/tcg/max"));
  MemoryChannel channel;
  auto s = out.runTo(channel, false);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error());
  return channel.data();
}

regcompat::runtime::Status loadStream(const std::vector<std::uint8_t> &bytes, const CompatTable &table,
                                      TestMachine &dst) {
  MemoryChannel channel(bytes);
  IncomingMigration in(*dst.machine, table, testHeader("10.0.13/6.12.107/tcg/max"), true);
  return in.load(channel);
}

CompatTable hidingBogus() {
  return std::move(CompatTable::create({.machine_type = "virt-10.0", .hidden = {kBogusDbgdtrtx}})).value();
}

struct RawSection {
  std::uint8_t type;
  std::vector<std::uint8_t> payload;
};

std::uint32_t le32(const std::vector<std::uint8_t> &b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{b[at + static_cast<std::size_t>(i)]} << (8 * i);
  return v;
}

// A well-formed stream's sections, in order (after the 12-byte preamble).
std::vector<RawSection> splitSections(const std::vector<std::uint8_t> &bytes) {
  std::vector<RawSection> out;
  for (std::size_t at = stream::kPreambleSize; at < bytes.size();) {
    const std::uint32_t length = le32(bytes, at + 1);
    const auto begin = bytes.begin() + static_cast<std::ptrdiff_t>(at + 5);
    out.push_back({bytes[at], std::vector<std::uint8_t>(begin, begin + length)});
    at += 5 + length + 4;
  }
  return out;
}

// Sections back into a stream, with their checksums.
std::vector<std::uint8_t> joinSections(const std::vector<RawSection> &sections) {
  MemoryChannel channel;
  stream::SectionWriter writer(channel);
  EXPECT_TRUE(writer.writePreamble().ok());
  for (const auto &section : sections)
    EXPECT_TRUE(writer.write(static_cast<stream::SectionType>(section.type), section.payload).ok());
  return channel.data();
}

std::size_t offsetOfSection(const std::vector<RawSection> &sections, std::size_t index) {
  std::size_t at = stream::kPreambleSize;
  for (std::size_t i = 0; i < index; ++i) at += 5 + sections[i].payload.size() + 4;
  return at;
}

std::size_t firstOfType(const std::vector<RawSection> &sections, stream::SectionType type) {
  for (std::size_t i = 0; i < sections.size(); ++i)
    if (sections[i].type == static_cast<std::uint8_t>(type)) return i;
  return sections.size();
}

std::vector<std::uint8_t> ramMapPayload(std::uint64_t first, std::uint64_t count, std::size_t bitmap_bytes) {
  StateWriter w;
  w.u64(first);
  w.u64(count);
  w.raw(std::vector<std::uint8_t>(bitmap_bytes, 0xff));
  return w.bytes();
}

// Bit by bit, straight from the definition (reflected polynomial 0x82F63B78).
std::uint32_t crc32cReference(std::uint32_t crc, const std::uint8_t *p, std::size_t n) {
  crc = ~crc;
  while (n-- > 0) {
    crc ^= *p++;
    for (int k = 0; k < 8; ++k) crc = (crc & 1u) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

TEST(Crc32c, MatchesTheStandardCheckValue) {
  const std::string check = "123456789";
  EXPECT_EQ(0xE3069283u, crc32c(0, std::span(reinterpret_cast<const std::uint8_t *>(check.data()), check.size())));
}

// The three-way split (1 KiB and 128-byte blocks joined by zero operators)
// must give the plain CRC for every length, alignment and continuation.
TEST(Crc32c, EveryLengthAndAlignmentMatchesTheDefinition) {
  std::vector<std::uint8_t> data(3 * 4096 + 64);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 131 + (i >> 7));
  const std::size_t lengths[] = {0, 1, 7, 8, 383, 384, 385, 1000, 3071, 3072, 3073, 3456, 4095, 4096, 4105, 8192, 12288};
  const std::size_t offsets[] = {0, 1, 5, 8};
  for (std::size_t length : lengths) {
    for (std::size_t offset : offsets) {
      const std::uint8_t *p = data.data() + offset;
      ASSERT_EQ(crc32cReference(0, p, length), crc32c(0, std::span(p, length))) << length << " at +" << offset;
      const std::size_t half = length / 3;
      EXPECT_EQ(crc32cReference(0, p, length),
                crc32c(crc32c(0, std::span(p, half)), std::span(p + half, length - half)))
          << length << " split at " << half;
    }
  }
}

TEST(MigrationStream, RoundTripLoadsRamDevicesCpuAndRegisters) {
  const CompatTable table = hidingBogus();
  const auto bytes = makeStream(table);
  TestMachine dst = makeMachine(8, destRegs(), 100, RunState::InMigrate);
  auto s = loadStream(bytes, table, dst);
  ASSERT_TRUE(s.ok()) << s.error();
  TestMachine expect = makeMachine(8, {}, 0);
  fill(expect.machine->memory(), 1, 3);
  fill(expect.machine->memory(), 5, 9);
  EXPECT_EQ(0, std::memcmp(dst.machine->memory().host(), expect.machine->memory().host(), 8 * 4096));
  EXPECT_EQ(RamChecksum::compute(dst.machine->memory()), RamChecksum::compute(expect.machine->memory()));
  EXPECT_EQ(0x1234u, dst.device->value());
  // The hidden register never travelled; SCTLR's value did.
  ASSERT_EQ(2u, dst.vcpu->loaded().size());
  EXPECT_EQ(kMidr, dst.vcpu->loaded()[0].index);
  EXPECT_EQ(kSctlr, dst.vcpu->loaded()[1].index);
  EXPECT_EQ(0x30d00800u, dst.vcpu->loaded()[1].value);
}

TEST(MigrationStream, ZeroPagesTravelAsAFlagOnly) {
  const CompatTable table = hidingBogus();
  const auto bytes = makeStream(table, 256);
  // Two data pages; 254 zero pages cost 9 bytes each, not 4096.
  EXPECT_GT(bytes.size(), 2u * 4096);
  EXPECT_LT(bytes.size(), 2u * 4096 + 254u * 9 + 1024);
  TestMachine dst = makeMachine(256, destRegs(), 100, RunState::InMigrate);
  MemoryChannel channel(bytes);
  IncomingMigration in(*dst.machine, table, testHeader(), true);
  ASSERT_TRUE(in.load(channel).ok());
  EXPECT_EQ(2u, in.summary().ram.pages_data);
  EXPECT_EQ(254u, in.summary().ram.pages_zero);
}

TEST(MigrationStream, EveryTruncationPointFailsNamingTheOffset) {
  const CompatTable table = hidingBogus();
  const auto bytes = makeStream(table);
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    TestMachine dst = makeMachine(8, destRegs(), 100, RunState::InMigrate);
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
    auto s = loadStream(cut, table, dst);
    ASSERT_FALSE(s.ok()) << "a stream cut at " << len << " bytes loaded";
    EXPECT_NE(std::string::npos, s.error().find("truncated at byte offset " + std::to_string(len)))
        << len << ": " << s.error();
  }
}

TEST(MigrationStream, EveryCorruptedByteFailsNamingTheOffset) {
  const CompatTable table = hidingBogus();
  const auto bytes = makeStream(table);
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    TestMachine dst = makeMachine(8, destRegs(), 100, RunState::InMigrate);
    auto bad = bytes;
    bad[at] ^= 0x40;
    auto s = loadStream(bad, table, dst);
    ASSERT_FALSE(s.ok()) << "a stream with byte " << at << " flipped loaded";
    EXPECT_NE(std::string::npos, s.error().find("byte offset")) << at << ": " << s.error();
  }
}

TEST(MigrationStream, CorruptPageDataNamesTheSection) {
  const CompatTable table = hidingBogus();
  auto bytes = makeStream(table);
  // The first data byte of page 1 in the first ram-pages section (5-byte
  // head, u32 count, zero page 0 entry, page 1 entry head).
  const auto sections = splitSections(bytes);
  const std::size_t ram_section = offsetOfSection(sections, firstOfType(sections, stream::SectionType::RamPages));
  bytes[ram_section + 5 + 4 + 9 + 9 + 100] ^= 1;
  TestMachine dst = makeMachine(8, destRegs(), 100, RunState::InMigrate);
  auto s = loadStream(bytes, table, dst);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.error().find("checksum mismatch in the ram-pages section at byte offset " +
                                              std::to_string(ram_section)))
      << s.error();
}

TEST(MigrationStream, TheFirstPassAnnouncesTheTouchedPagesInARamMap) {
  const auto sections = splitSections(makeStream(hidingBogus()));
  const std::size_t map_index = firstOfType(sections, stream::SectionType::RamMap);
  ASSERT_LT(map_index, sections.size()) << "no ram-map section";
  EXPECT_LT(map_index, firstOfType(sections, stream::SectionType::RamPages)) << "the map must come before the pages";
  EXPECT_EQ(1u, map_index) << "right after the header";
  StateReader in(sections[map_index].payload, 0, "ram-map section");
  const stream::RamMap map = stream::decodeRamMap(in);
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_EQ(0u, map.first_page);
  ASSERT_EQ(8u, map.page_count);
  for (std::uint64_t page = 0; page < 8; ++page)
    EXPECT_EQ(page == 1 || page == 5, map.has(page)) << "page " << page << " (only 1 and 5 were ever written)";
}

TEST(MigrationStream, ABadRamMapIsRefusedNamingItsOffset) {
  const CompatTable table = hidingBogus();
  const auto good = splitSections(makeStream(table));
  const std::size_t map_index = firstOfType(good, stream::SectionType::RamMap);
  ASSERT_LT(map_index, good.size());
  struct Case {
    const char *what;
    std::vector<std::uint8_t> payload;
    bool after_pages;
    const char *expected;
  };
  const Case cases[] = {
      {"past the end of RAM", ramMapPayload(4, 8, 1), false, "lie outside guest RAM (8 pages)"},
      {"a first page far past RAM", ramMapPayload(~std::uint64_t{0} - 2, 8, 1), false, "lie outside guest RAM"},
      {"a bitmap one byte short", ramMapPayload(0, 8 * 3, 2), false, "a bitmap of 24 pages needs 3 bytes, the section has 2"},
      {"a bitmap one byte long", ramMapPayload(0, 8, 2), false, "a bitmap of 8 pages needs 1 bytes, the section has 2"},
      {"a count over the limit", ramMapPayload(0, stream::kMaxPagesPerMap + 1, 0), false, "exceed the limit"},
      {"a map after the pages", ramMapPayload(0, 8, 1), true, "a ram-map section after the first ram-pages section"},
  };
  for (const auto &c : cases) {
    auto sections = good;
    if (c.after_pages) {
      const std::size_t pages = firstOfType(sections, stream::SectionType::RamPages);
      sections.insert(sections.begin() + static_cast<std::ptrdiff_t>(pages + 1), {8, c.payload});
    } else {
      sections[map_index].payload = c.payload;
    }
    std::size_t bad_index = c.after_pages ? firstOfType(sections, stream::SectionType::RamPages) + 1 : map_index;
    TestMachine dst = makeMachine(8, destRegs(), 100, RunState::InMigrate);
    auto s = loadStream(joinSections(sections), table, dst);
    ASSERT_FALSE(s.ok()) << c.what << " loaded";
    EXPECT_NE(std::string::npos, s.error().find(c.expected)) << c.what << ": " << s.error();
    const std::size_t section_offset = offsetOfSection(sections, bad_index);
    // Errors from the payload name a byte inside it; the others the section.
    EXPECT_TRUE(s.error().find("byte offset " + std::to_string(section_offset)) != std::string::npos ||
                s.error().find("byte offset " + std::to_string(section_offset + 5 + 8)) != std::string::npos)
        << c.what << ": " << s.error();
  }
}

TEST(MigrationStream, AStreamWithoutARamMapStillLoads) {
  // The map is a hint: a source that could not tell which pages it touched
  // (no pagemap) sends none.
  const CompatTable table = hidingBogus();
  auto sections = splitSections(makeStream(table));
  sections.erase(sections.begin() + static_cast<std::ptrdiff_t>(firstOfType(sections, stream::SectionType::RamMap)));
  TestMachine dst = makeMachine(8, destRegs(), 100, RunState::InMigrate);
  MemoryChannel channel(joinSections(sections));
  IncomingMigration in(*dst.machine, table, testHeader(), true);
  auto s = in.load(channel);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(0u, in.summary().pages_prefaulted);
  EXPECT_EQ(2u, in.summary().ram.pages_data);
}

// The fuzz target's seed (tests/fuzz/corpus/regvm_stream) must be a stream of
// the current format that loads into the fuzz target's destination, or the
// fuzzer starts from a stream refused at its preamble. REGVM_WRITE_FUZZ_SEED=1
// rewrites it after a format change.
TEST(MigrationStream, TheFuzzSeedIsAStreamOfTheCurrentFormat) {
  const CompatTable table = std::move(CompatTable::create({.machine_type = "virt-10.0"})).value();
  const regcompat::runtime::LocalRegisterList regs = {{kMidr, 0x411fd070, true}};
  if (std::getenv("REGVM_WRITE_FUZZ_SEED") != nullptr) {
    TestMachine src = makeMachine(16, regs, 100, RunState::Prelaunch, 0x1234);
    fill(src.machine->memory(), 2, 5);
    src.machine->start(false);
    OutgoingMigration out(*src.machine, table, testHeader());
    MemoryChannel channel;
    ASSERT_TRUE(out.runTo(channel, false).ok());
    std::FILE *f = std::fopen(REGVM_FUZZ_SEED, "wb");
    ASSERT_NE(nullptr, f) << REGVM_FUZZ_SEED;
    EXPECT_EQ(channel.data().size(), std::fwrite(channel.data().data(), 1, channel.data().size(), f));
    std::fclose(f);
  }
  std::FILE *f = std::fopen(REGVM_FUZZ_SEED, "rb");
  ASSERT_NE(nullptr, f) << REGVM_FUZZ_SEED;
  std::vector<std::uint8_t> bytes;
  for (int c; (c = std::fgetc(f)) != EOF;) bytes.push_back(static_cast<std::uint8_t>(c));
  std::fclose(f);
  TestMachine dst = makeMachine(16, regs, 0, RunState::InMigrate);
  MemoryChannel channel(bytes);
  IncomingMigration in(*dst.machine, table, testHeader(), true);
  auto s = in.load(channel);
  ASSERT_TRUE(s.ok()) << REGVM_FUZZ_SEED << ": " << s.error();
  EXPECT_EQ(1u, in.summary().ram.pages_data);
  EXPECT_LT(firstOfType(splitSections(bytes), stream::SectionType::RamMap), splitSections(bytes).size())
      << "the seed has no ram-map section";
}

TEST(MigrationStream, RegisterMismatchNamesEveryOffendingRegister) {
  const CompatTable none("virt-10.0");
  const auto bytes = makeStream(none);
  TestMachine dst = makeMachine(8, destRegs(), 100, RunState::InMigrate);
  auto s = loadStream(bytes, none, dst);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.error().find("0x40200000200e0298")) << s.error();
  EXPECT_NE(std::string::npos, s.error().find("under machine type virt-10.0")) << s.error();
  EXPECT_TRUE(dst.vcpu->loaded().empty()) << "a rejected list must not be loaded";
}

TEST(MigrationStream, WrongMachineTypeOrRamSizeIsRefused) {
  const CompatTable table = hidingBogus();
  const auto bytes = makeStream(table);
  TestMachine dst = makeMachine(16, destRegs(), 100, RunState::InMigrate);
  auto s = loadStream(bytes, table, dst);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.error().find("guest RAM")) << s.error();
}

TEST(MigrationStream, RunningGuestMigratesWithItsDirtyPages) {
  // The source runs during pre-copy; the destination must end up with the
  // RAM the source had when it stopped.
  const CompatTable table = hidingBogus();
  TestMachine src = makeMachine(64, sourceRegs(), ~std::uint64_t{0} >> 1);
  src.machine->start(true);
  OutgoingMigration out(*src.machine, table, testHeader(), {.downtime_limit_ms = 0, .max_iterations = 5});
  MemoryChannel channel;
  ASSERT_TRUE(out.runTo(channel, false).ok());
  EXPECT_EQ(RunState::PostMigrate, src.machine->state());
  const auto stats = out.query();
  EXPECT_EQ(MigrationStatus::Completed, stats.status);
  EXPECT_GE(stats.iterations, 2u);
  TestMachine dst = makeMachine(64, destRegs(), 0, RunState::InMigrate);
  MemoryChannel in_channel(channel.data());
  IncomingMigration in(*dst.machine, table, testHeader(), true);
  auto s = in.load(in_channel);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(0, std::memcmp(dst.machine->memory().host(), src.machine->memory().host(), 64 * 4096));
  EXPECT_EQ(src.vcpu->counter(), dst.vcpu->counter());
}

TEST(MigrationStream, CutConnectionLeavesTheSourceRunning) {
  const CompatTable table = hidingBogus();
  TestMachine src = makeMachine(64, sourceRegs(), ~std::uint64_t{0} >> 1);
  src.machine->start(true);
  while (src.vcpu->counter() < 1000) std::this_thread::yield();  // 8 pages hold data: the stream is > 32 KiB
  for (std::uint64_t cut : {0ull, 5ull, 12ull, 100ull, 3000ull}) {
    OutgoingMigration out(*src.machine, table, testHeader());
    MemoryChannel channel;
    channel.failWritesAfter(cut);
    auto s = out.runTo(channel, false);
    ASSERT_FALSE(s.ok()) << cut;
    EXPECT_EQ(MigrationStatus::Failed, out.query().status);
    EXPECT_NE(std::string::npos, out.query().error.find("connection lost")) << out.query().error;
    EXPECT_EQ(RunState::Running, src.machine->state()) << "cut at " << cut;
  }
  const std::uint64_t before = src.vcpu->counter();
  while (src.vcpu->counter() == before) std::this_thread::yield();  // still making progress
}

} // namespace
} // namespace regvm::test
