#include "stream_format.h"

#include <cstring>

#include "crc32c.h"
#include "regcompat/hex_format.h"

namespace regvm::stream {

using regcompat::fail;
using regcompat::runtime::Status;
using regcompat::runtime::StreamRegister;
using regcompat::runtime::StreamRegisterList;

std::string_view toString(SectionType type) {
  switch (type) {
  case SectionType::Header: return "header";
  case SectionType::RamPages: return "ram-pages";
  case SectionType::IterationEnd: return "iteration-end";
  case SectionType::Device: return "device";
  case SectionType::CpuArch: return "cpu-arch";
  case SectionType::CpuRegisters: return "cpu-registers";
  case SectionType::End: return "end";
  case SectionType::RamMap: return "ram-map";
  }
  return "unknown";
}

bool isKnown(std::uint8_t type) { return type >= 1 && type <= 8; }

namespace {
constexpr std::uint32_t kHeaderVersion = 1;
constexpr std::uint32_t kRegistersVersion = 1;

// A count read at `at` must describe exactly what is left of the section:
// a corrupt count is refused before anything is allocated for it.
bool countFitsRest(StateReader &in, std::uint64_t at, const std::string &what, std::uint64_t needed) {
  if (needed == in.remaining()) return true;
  in.failAt(at, what + " needs " + std::to_string(needed) + " bytes, the section has " +
                    std::to_string(in.remaining()));
  return false;
}
} // namespace

void encodeHeader(StateWriter &out, const StreamHeader &h) {
  out.version(kHeaderVersion);
  out.str(h.arch);
  out.str(h.machine_type);
  out.str(h.platform);
  out.str(h.backend);
  out.u8(h.compat_table ? 1 : 0);
  out.u64(h.ram_base);
  out.u64(h.ram_size);
  out.u32(h.page_size);
}

StreamHeader decodeHeader(StateReader &in) {
  StreamHeader h;
  in.version(kHeaderVersion);
  h.arch = in.str(64);
  h.machine_type = in.str(256);
  h.platform = in.str(256);
  h.backend = in.str(64);
  h.compat_table = in.u8() != 0;
  h.ram_base = in.u64();
  h.ram_size = in.u64();
  h.page_size = in.u32();
  return h;
}

void encodeRamMap(StateWriter &out, const RamMap &map) {
  out.u64(map.first_page);
  out.u64(map.page_count);
  out.raw(map.bits);
}

RamMap decodeRamMap(StateReader &in) {
  RamMap map;
  map.first_page = in.u64();
  const std::uint64_t at = in.offset();
  map.page_count = in.u64();
  if (!in.ok()) return {};
  if (map.page_count > kMaxPagesPerMap) {
    in.failAt(at, "ram-map section: " + std::to_string(map.page_count) + " pages exceed the limit of " +
                      std::to_string(kMaxPagesPerMap));
    return {};
  }
  const std::uint64_t bytes = (map.page_count + 7) / 8;
  if (!countFitsRest(in, at, "ram-map section: a bitmap of " + std::to_string(map.page_count) + " pages", bytes))
    return {};
  auto bits = in.raw(static_cast<std::size_t>(bytes));
  map.bits.assign(bits.begin(), bits.end());
  return map;
}

void encodeIterationEnd(StateWriter &out, const IterationEnd &m) {
  out.u32(m.iteration);
  out.u64(m.pages_sent);
  out.u64(m.dirty_after);
}

IterationEnd decodeIterationEnd(StateReader &in) {
  IterationEnd m;
  m.iteration = in.u32();
  m.pages_sent = in.u64();
  m.dirty_after = in.u64();
  return m;
}

void encodeRegisters(StateWriter &out, std::span<const StreamRegister> regs) {
  out.version(kRegistersVersion);
  out.u32(static_cast<std::uint32_t>(regs.size()));
  for (const auto &r : regs) out.u64(r.index);
  for (const auto &r : regs) out.u64(r.value);
}

StreamRegisterList decodeRegisters(StateReader &in) {
  in.version(kRegistersVersion);
  const std::uint64_t at = in.offset();
  const std::uint32_t count = in.u32();
  if (!in.ok()) return {};
  if (!countFitsRest(in, at, "cpu-registers section: count " + std::to_string(count), std::uint64_t{count} * 16))
    return {};
  StreamRegisterList regs(count);
  for (auto &r : regs) r.index = in.u64();
  for (auto &r : regs) r.value = in.u64();
  return regs;
}

void encodeEnd(StateWriter &out, const EndMarker &e) {
  out.u64(e.page_count);
  out.u64(e.ram_checksum);
  out.u8(e.running ? 1 : 0);
}

EndMarker decodeEnd(StateReader &in) {
  EndMarker e;
  e.page_count = in.u64();
  e.ram_checksum = in.u64();
  e.running = in.u8() != 0;
  return e;
}

Status SectionWriter::writePreamble() {
  StateWriter w;
  w.raw(kMagic);
  w.u32(kFormatVersion);
  return channel_.writeAll(w.bytes());
}

Status SectionWriter::write(SectionType type, std::span<const std::span<const std::uint8_t>> payload) {
  std::uint64_t length = 0;
  for (auto p : payload) length += p.size();
  if (length > kMaxSectionLength)
    return fail("internal error: " + std::string(toString(type)) + " section of " +
                std::to_string(length) + " bytes exceeds the format's limit");
  std::uint8_t head[kSectionHeaderSize];
  head[0] = static_cast<std::uint8_t>(type);
  for (int i = 0; i < 4; ++i) head[1 + i] = static_cast<std::uint8_t>(length >> (8 * i));
  std::uint32_t crc = crc32c(0, head);
  for (auto p : payload) crc = crc32c(crc, p);
  std::uint8_t tail[kSectionTrailerSize];
  for (int i = 0; i < 4; ++i) tail[i] = static_cast<std::uint8_t>(crc >> (8 * i));
  std::vector<std::span<const std::uint8_t>> parts;
  parts.reserve(payload.size() + 2);
  parts.emplace_back(head);
  parts.insert(parts.end(), payload.begin(), payload.end());
  parts.emplace_back(tail);
  return channel_.writeAll(std::span<const std::span<const std::uint8_t>>(parts));
}

Status SectionWriter::write(SectionType type, std::span<const std::uint8_t> payload) {
  std::span<const std::uint8_t> one[1] = {payload};
  return write(type, std::span<const std::span<const std::uint8_t>>(one));
}

Status SectionReader::readExactly(std::uint8_t *out, std::size_t n, std::uint64_t what_offset,
                                  const std::string &what) {
  auto got = channel_.readFull(out, n);
  if (!got) return fail(got.error());
  offset_ += *got;
  if (*got < n)
    return fail("stream truncated at byte offset " + std::to_string(offset_) + ": " + what +
                " at byte offset " + std::to_string(what_offset) + " needs " + std::to_string(n) +
                " bytes, the stream ended after " + std::to_string(*got));
  return {};
}

Status SectionReader::readPreamble() {
  std::uint8_t pre[kPreambleSize];
  if (auto s = readExactly(pre, sizeof pre, 0, "the preamble (magic and format version)"); !s) return s;
  if (std::memcmp(pre, kMagic, sizeof kMagic) != 0)
    return fail("not a regvm migration stream: bad magic at byte offset 0 (expected \"REGVMMIG\")");
  std::uint32_t version = 0;
  for (int i = 0; i < 4; ++i) version |= std::uint32_t{pre[8 + i]} << (8 * i);
  if (version != kFormatVersion)
    return fail("stream format version " + std::to_string(version) +
                " at byte offset 8 is not supported (this regvm reads version " +
                std::to_string(kFormatVersion) + ")");
  return {};
}

Status SectionReader::next(Section &section) {
  const std::uint64_t start = offset_;
  std::uint8_t head[kSectionHeaderSize];
  if (auto s = readExactly(head, sizeof head, start, "a section header"); !s) return s;
  if (!isKnown(head[0]))
    return fail("unknown section type " + std::to_string(head[0]) + " at byte offset " +
                std::to_string(start));
  const auto type = static_cast<SectionType>(head[0]);
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= std::uint32_t{head[1 + i]} << (8 * i);
  const std::string name = std::string(toString(type)) + " section";
  if (length > kMaxSectionLength)
    return fail(name + " at byte offset " + std::to_string(start) + ": length " +
                std::to_string(length) + " exceeds the limit of " + std::to_string(kMaxSectionLength) +
                " bytes (corrupt length at byte offset " + std::to_string(start + 1) + ")");
  section.type = type;
  section.offset = start;
  section.payload_offset = start + kSectionHeaderSize;
  section.payload.resize(length);
  if (auto s = readExactly(section.payload.data(), length, start, name + " (" + std::to_string(length) + "-byte payload)"); !s)
    return s;
  std::uint8_t tail[kSectionTrailerSize];
  if (auto s = readExactly(tail, sizeof tail, start, name + "'s checksum"); !s) return s;
  std::uint32_t stored = 0;
  for (int i = 0; i < 4; ++i) stored |= std::uint32_t{tail[i]} << (8 * i);
  const std::uint32_t computed = crc32c(crc32c(0, head), section.payload);
  if (stored != computed)
    return fail("checksum mismatch in the " + name + " at byte offset " + std::to_string(start) +
                " (bytes " + std::to_string(start) + ".." + std::to_string(offset_ - 1) +
                "): stored " + regcompat::hexValue(stored) + ", computed " +
                regcompat::hexValue(computed) + "; the stream is corrupt");
  return {};
}

Status writeReply(Channel &channel, bool ok, const std::string &message) {
  StateWriter w;
  w.u8(ok ? 'O' : 'E');
  w.str(message.size() > (1u << 20) ? message.substr(0, 1u << 20) : message);
  return channel.writeAll(w.bytes());
}

} // namespace regvm::stream
