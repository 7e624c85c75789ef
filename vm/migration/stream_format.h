// regvm's migration stream, version 3 (documented in vm/migration/STREAM.md):
//
//   preamble   "REGVMMIG" u32:format-version
//   sections   u8:type u32:length payload[length] u32:crc32c(type, length, payload)
//
// in the order Header, RamMap*, (RamPages* IterationEnd)*, RamPages*,
// Device*, CpuArch, CpuRegisters, End. All integers little-endian (saved_state.h).
// A reader checks each section's checksum before it decodes the payload, and
// every error names the byte offset in the stream.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "channel.h"
#include "regcompat/result.h"
#include "regcompat/runtime/register_list.h"
#include "regcompat/runtime/status.h"
#include "saved_state.h"

namespace regvm::stream {

inline constexpr std::uint8_t kMagic[8] = {'R', 'E', 'G', 'V', 'M', 'M', 'I', 'G'};
// 2: the RAM checksum hashes pages with CRC-32C (1: a multiply-xor hash), so
// a version-1 stream would fail the checksum: it is refused by version.
// 3: the ram-map section.
inline constexpr std::uint32_t kFormatVersion = 3;
inline constexpr std::size_t kPreambleSize = 12;
inline constexpr std::size_t kSectionHeaderSize = 5;  // type + length
inline constexpr std::size_t kSectionTrailerSize = 4;  // crc32c
// The largest payload a reader accepts: a RAM batch is at most
// kMaxPagesPerBatch pages; device and CPU state are far smaller.
inline constexpr std::uint32_t kMaxSectionLength = 16u << 20;
inline constexpr std::uint32_t kMaxPagesPerBatch = 1024;

enum class SectionType : std::uint8_t {
  Header = 1,
  RamPages = 2,
  IterationEnd = 3,
  Device = 4,
  CpuArch = 5,
  CpuRegisters = 6,
  End = 7,
  RamMap = 8,
};
std::string_view toString(SectionType type);
bool isKnown(std::uint8_t type);

struct StreamHeader {
  std::string arch;          // "aarch64", "x86_64"
  std::string machine_type;  // "virt-10.0"
  std::string platform;      // the source's release profile, "10.2.2/6.12.107/tcg/max"
  std::string backend;       // "interpreter", "kvm"
  bool compat_table = true;  // false: the source ran with --no-compat-table
  std::uint64_t ram_base = 0;
  std::uint64_t ram_size = 0;
  std::uint32_t page_size = 4096;
};
void encodeHeader(StateWriter &out, const StreamHeader &header);
StreamHeader decodeHeader(StateReader &in);

// RamPages entry flags (the u8 after the page number).
inline constexpr std::uint8_t kPageData = 0;  // 4096 bytes follow
inline constexpr std::uint8_t kPageZero = 1;  // the page is all zero: nothing follows

// The pages the first pass will send with their bytes (the pages the
// source's guest ever touched), one bit per page from `first_page`, least
// significant bit first: the destination faults them in ahead of the data
// (ram_prefaulter.h). A hint only: the RAM pages and their checksums stay
// what the load checks.
struct RamMap {
  std::uint64_t first_page = 0;
  std::uint64_t page_count = 0;
  std::vector<std::uint8_t> bits;  // (page_count + 7) / 8 bytes

  bool has(std::uint64_t i) const { return (bits[i / 8] >> (i % 8) & 1) != 0; }
};
// 8 MiB of bitmap: a section stays under kMaxSectionLength; larger RAM
// takes several.
inline constexpr std::uint64_t kMaxPagesPerMap = std::uint64_t{1} << 26;
void encodeRamMap(StateWriter &out, const RamMap &map);
RamMap decodeRamMap(StateReader &in);

struct IterationEnd {
  std::uint32_t iteration = 0;
  std::uint64_t pages_sent = 0;   // in this iteration
  std::uint64_t dirty_after = 0;  // pages dirtied while it was sent
};
void encodeIterationEnd(StateWriter &out, const IterationEnd &marker);
IterationEnd decodeIterationEnd(StateReader &in);

// The CPU register list as QEMU's `cpu` section carries it
// (target/arm/machine.c, cpreg_vmstate_indexes / _values): a count, the
// indexes, then the values.
void encodeRegisters(StateWriter &out, std::span<const regcompat::runtime::StreamRegister> regs);
regcompat::runtime::StreamRegisterList decodeRegisters(StateReader &in);

struct EndMarker {
  std::uint64_t page_count = 0;
  std::uint64_t ram_checksum = 0;  // RamChecksum::value() (ram_checksum.h)
  // Whether the guest was running when the source stopped it: the
  // destination resumes it, or leaves it paused as the source had it.
  bool running = true;
};
void encodeEnd(StateWriter &out, const EndMarker &end);
EndMarker decodeEnd(StateReader &in);

// Writes the preamble and sections to a channel.
class SectionWriter {
 public:
  explicit SectionWriter(Channel &channel) : channel_(channel) {}
  regcompat::runtime::Status writePreamble();
  // The payload may be given in pieces (a RAM batch's entries); they are
  // written with one gathered write.
  regcompat::runtime::Status write(SectionType type,
                                   std::span<const std::span<const std::uint8_t>> payload);
  regcompat::runtime::Status write(SectionType type, std::span<const std::uint8_t> payload);

 private:
  Channel &channel_;
};

struct Section {
  SectionType type = SectionType::End;
  std::uint64_t offset = 0;          // of the section's first byte
  std::uint64_t payload_offset = 0;  // of its payload
  std::vector<std::uint8_t> payload;
  // A reader over the payload whose offsets are stream offsets.
  StateReader reader() const {
    return StateReader(payload, payload_offset, std::string(toString(type)) + " section");
  }
};

// Reads the preamble and sections, checking lengths and checksums. Errors
// name the byte offset: "stream truncated at byte offset 1234: ...".
class SectionReader {
 public:
  explicit SectionReader(Channel &channel) : channel_(channel) {}
  regcompat::runtime::Status readPreamble();
  regcompat::runtime::Status next(Section &section);
  std::uint64_t offset() const { return offset_; }

 private:
  regcompat::runtime::Status readExactly(std::uint8_t *out, std::size_t n, std::uint64_t what_offset,
                                         const std::string &what);
  Channel &channel_;
  std::uint64_t offset_ = 0;
};

// The return path (sockets only): after the End section the destination
// answers u8 'O' (loaded, it runs the guest now) or 'E' (failed), then a
// u32-length message.
regcompat::runtime::Status writeReply(Channel &channel, bool ok, const std::string &message);
// After 'O' the source commits with one byte: the destination may run the
// guest only once it has read it (STREAM.md, "Return path").
inline constexpr std::uint8_t kSwitchOver = 'G';

} // namespace regvm::stream
