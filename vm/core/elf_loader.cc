#include "elf_loader.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "regcompat/hex_format.h"

namespace regvm {

namespace {

// Field offsets of the ELF64 header, program and section headers (the
// System V gABI, "ELF Header", "Program Header", "Sections").
constexpr std::size_t kEhdrSize = 64, kPhdrSize = 56, kShdrSize = 64, kSymSize = 24;
constexpr std::uint32_t kPtLoad = 1, kShtSymtab = 2;

class Bytes {
 public:
  Bytes(const std::vector<std::uint8_t> &b) : b_(b) {}  // NOLINT
  bool has(std::uint64_t off, std::uint64_t len) const { return len <= b_.size() && off <= b_.size() - len; }
  template <typename T>
  T get(std::uint64_t off) const {
    T v{};
    for (std::size_t i = 0; i < sizeof(T); ++i)
      v = static_cast<T>(v | static_cast<T>(static_cast<T>(b_[off + i]) << (8 * i)));
    return v;
  }

 private:
  const std::vector<std::uint8_t> &b_;
};

regcompat::Error bad(const std::string &name, std::uint64_t off, const std::string &what) {
  return regcompat::fail(name + ": " + what + " (at byte offset " + std::to_string(off) + ")");
}

} // namespace

regcompat::Result<ElfImage> ElfImage::parse(std::vector<std::uint8_t> bytes, std::string name,
                                            std::uint16_t machine) {
  ElfImage img;
  img.name_ = std::move(name);
  img.bytes_ = std::move(bytes);
  Bytes b(img.bytes_);
  const std::string &n = img.name_;
  if (!b.has(0, kEhdrSize)) return bad(n, 0, "too short for an ELF64 header (" + std::to_string(img.bytes_.size()) + " bytes)");
  if (std::memcmp(img.bytes_.data(), "\x7f" "ELF", 4) != 0) return bad(n, 0, "not an ELF file");
  if (img.bytes_[4] != 2) return bad(n, 4, "not a 64-bit ELF file (EI_CLASS " + std::to_string(img.bytes_[4]) + ")");
  if (img.bytes_[5] != 1) return bad(n, 5, "not a little-endian ELF file");
  auto e_machine = b.get<std::uint16_t>(18);
  if (e_machine != machine)
    return bad(n, 18, "ELF machine " + std::to_string(e_machine) + ", expected " + std::to_string(machine));
  img.entry_ = b.get<std::uint64_t>(24);
  auto phoff = b.get<std::uint64_t>(32), shoff = b.get<std::uint64_t>(40);
  auto phentsize = b.get<std::uint16_t>(54), phnum = b.get<std::uint16_t>(56);
  auto shentsize = b.get<std::uint16_t>(58), shnum = b.get<std::uint16_t>(60);
  if (phnum && phentsize < kPhdrSize) return bad(n, 54, "program header size " + std::to_string(phentsize) + " < 56");
  for (std::uint64_t i = 0; i < phnum; ++i) {
    std::uint64_t at = phoff + i * phentsize;
    if (phoff > img.bytes_.size() || !b.has(at, kPhdrSize))
      return bad(n, 32, "program header " + std::to_string(i) + " at " + std::to_string(at) + " runs past the end of the file");
    if (b.get<std::uint32_t>(at) != kPtLoad) continue;
    ElfSegment s;
    s.offset = b.get<std::uint64_t>(at + 8);
    s.paddr = b.get<std::uint64_t>(at + 24);
    s.filesz = b.get<std::uint64_t>(at + 32);
    s.memsz = b.get<std::uint64_t>(at + 40);
    if (!b.has(s.offset, s.filesz))
      return bad(n, at + 8, "segment " + std::to_string(i) + "'s " + std::to_string(s.filesz) +
                                " bytes at file offset " + std::to_string(s.offset) + " run past the end of the file");
    if (s.filesz > s.memsz) return bad(n, at + 32, "segment " + std::to_string(i) + " has p_filesz > p_memsz");
    img.segments_.push_back(s);
  }
  if (img.segments_.empty()) return bad(n, 56, "no loadable (PT_LOAD) segment");
  // Symbols: optional; a malformed table is an error, a missing one is not.
  if (shnum && shentsize < kShdrSize) return bad(n, 58, "section header size " + std::to_string(shentsize) + " < 64");
  for (std::uint64_t i = 0; i < shnum; ++i) {
    std::uint64_t at = shoff + i * shentsize;
    if (shoff > img.bytes_.size() || !b.has(at, kShdrSize))
      return bad(n, 40, "section header " + std::to_string(i) + " runs past the end of the file");
    if (b.get<std::uint32_t>(at + 4) != kShtSymtab) continue;
    auto off = b.get<std::uint64_t>(at + 24), size = b.get<std::uint64_t>(at + 32);
    auto link = b.get<std::uint32_t>(at + 40);
    std::uint64_t str_at = shoff + std::uint64_t{link} * shentsize;
    if (link >= shnum || !b.has(str_at, kShdrSize) || !b.has(off, size))
      return bad(n, at, "symbol table section " + std::to_string(i) + " is out of bounds");
    auto str_off = b.get<std::uint64_t>(str_at + 24), str_size = b.get<std::uint64_t>(str_at + 32);
    if (!b.has(str_off, str_size)) return bad(n, str_at, "string table is out of bounds");
    for (std::uint64_t s = off; s + kSymSize <= off + size; s += kSymSize) {
      auto name_off = b.get<std::uint32_t>(s);
      if (name_off == 0) continue;
      if (name_off >= str_size) return bad(n, s, "symbol name offset past the string table");
      const char *start = reinterpret_cast<const char *>(img.bytes_.data() + str_off + name_off);
      std::size_t len = strnlen(start, str_size - name_off);
      if (len == str_size - name_off) return bad(n, s, "symbol name without a terminating NUL");
      img.symbols_.emplace(std::string(start, len), b.get<std::uint64_t>(s + 8));
    }
  }
  return img;
}

regcompat::Result<ElfImage> ElfImage::readFile(const std::string &path, std::uint16_t machine) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return regcompat::fail(path + ": cannot open: " + std::strerror(errno));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return regcompat::fail(path + ": read error");
  return parse(std::move(bytes), path, machine);
}

std::optional<std::uint64_t> ElfImage::symbol(std::string_view name) const {
  auto it = symbols_.find(name);
  if (it == symbols_.end()) return std::nullopt;
  return it->second;
}

regcompat::runtime::Status ElfImage::loadInto(GuestMemory &memory) const {
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const ElfSegment &s = segments_[i];
    if (s.memsz == 0) continue;
    if (!memory.contains(s.paddr, s.memsz))
      return regcompat::fail(name_ + ": segment " + std::to_string(i) + " (" + regcompat::hexValue(s.paddr) +
                             ", " + std::to_string(s.memsz) + " bytes) is outside guest RAM (" +
                             regcompat::hexValue(memory.base()) + ", " + std::to_string(memory.size()) + " bytes)");
    std::memcpy(memory.at(s.paddr), bytes_.data() + s.offset, s.filesz);
    std::memset(memory.at(s.paddr) + s.filesz, 0, s.memsz - s.filesz);
    memory.markDirty(s.paddr, s.memsz);
  }
  return {};
}

} // namespace regvm
