// PL011 registers and saved state; the ELF loader's bounds checks.
#include <gtest/gtest.h>

#include <cstring>

#include "assembler_support.h"
#include "elf_loader.h"
#include "pl011.h"

namespace regvm::aarch64::testing {
namespace {

TEST(Pl011, OutputFlagsIdsAndStateRoundTrip) {
  StringConsole console;
  Pl011 uart(Pl011::kVirtBase, &console);
  EXPECT_EQ(uart.name(), "pl011@09000000");
  uart.write(Pl011::kDr, 4, 'A');
  EXPECT_EQ(console.text, "A");
  EXPECT_EQ(uart.read(Pl011::kFr, 4), Pl011::kFrTxfe | Pl011::kFrRxfe);
  EXPECT_EQ(uart.read(0xfe0, 4), 0x11u);
  EXPECT_EQ(uart.read(0xffc, 4), 0xb1u);
  uart.write(Pl011::kIbrd, 4, 13);
  uart.write(Pl011::kCr, 4, 0x301);
  StateWriter w;
  uart.saveState(w);
  Pl011 other(Pl011::kVirtBase, &console);
  StateReader r(w.bytes());
  ASSERT_TRUE(other.loadState(r).ok());
  EXPECT_EQ(other.read(Pl011::kIbrd, 4), 13u);
  EXPECT_EQ(other.read(Pl011::kCr, 4), 0x301u);
  std::vector<std::uint8_t> cut(w.bytes().begin(), w.bytes().end() - 2);
  StateReader rc(cut, 500, "pl011");
  auto st = other.loadState(rc);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error(), "pl011: u32 expected, 2 bytes left (at byte offset 532)");
}

// A minimal ELF64 with one PT_LOAD of 8 bytes at 0x40000000.
std::vector<std::uint8_t> tinyElf() {
  std::vector<std::uint8_t> b(64 + 56 + 8, 0);
  auto put = [&](std::size_t off, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b[off + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  std::memcpy(b.data(), "\x7f" "ELF", 4);
  b[4] = 2;
  b[5] = 1;
  put(18, kElfMachineAarch64, 2);
  put(24, 0x40000000, 8);  // entry
  put(32, 64, 8);          // phoff
  put(54, 56, 2);
  put(56, 1, 2);
  put(64, 1, 4);           // PT_LOAD
  put(64 + 8, 120, 8);     // offset
  put(64 + 24, 0x40000000, 8);
  put(64 + 32, 8, 8);
  put(64 + 40, 16, 8);
  put(120, 0xd503201fd503201fULL, 8);
  return b;
}

TEST(ElfLoader, LoadsSegmentsAndZeroFills) {
  auto img = ElfImage::parse(tinyElf(), "tiny.elf", kElfMachineAarch64);
  ASSERT_TRUE(img.ok()) << img.error();
  auto mem = GuestMemory::create(kRamBase, 1 << 20);
  ASSERT_TRUE(mem.ok());
  std::memset((*mem)->host(), 0xff, 32);
  ASSERT_TRUE(img->loadInto(**mem).ok());
  EXPECT_EQ(img->entry(), 0x40000000u);
  EXPECT_EQ((*mem)->host()[0], 0x1f);
  EXPECT_EQ((*mem)->host()[8], 0);
  EXPECT_EQ((*mem)->host()[15], 0);
  EXPECT_EQ((*mem)->host()[16], 0xff);
}

TEST(ElfLoader, BadImagesNameTheFileAndOffset) {
  auto bytes = tinyElf();
  bytes.resize(100);
  auto r = ElfImage::parse(bytes, "cut.elf", kElfMachineAarch64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "cut.elf: program header 0 at 64 runs past the end of the file (at byte offset 32)");

  bytes = tinyElf();
  bytes[64 + 8] = 200;  // segment data past the end
  r = ElfImage::parse(bytes, "seg.elf", kElfMachineAarch64);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("seg.elf: segment 0's 8 bytes at file offset 200 run past the end"), std::string::npos);

  r = ElfImage::parse(tinyElf(), "x86.elf", kElfMachineX86_64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "x86.elf: ELF machine 183, expected 62 (at byte offset 18)");

  auto img = ElfImage::parse(tinyElf(), "far.elf", kElfMachineAarch64);
  ASSERT_TRUE(img.ok());
  auto mem = GuestMemory::create(0x80000000, 1 << 20);
  ASSERT_TRUE(mem.ok());
  auto st = img->loadInto(**mem);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("far.elf: segment 0 (0x40000000, 16 bytes) is outside guest RAM"), std::string::npos);
}

} // namespace
} // namespace regvm::aarch64::testing
