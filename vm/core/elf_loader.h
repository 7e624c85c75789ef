// A small ELF64 little-endian loader for guest images: the PT_LOAD segments
// go to guest-physical memory at their p_paddr (as QEMU's -kernel loads a
// bare-metal ELF), the entry point is e_entry, and symbols can be looked up
// (tests patch a guest's parameters, e.g. `iterations`). Every offset and
// size in the file is bounds-checked; errors name the file and byte offset.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guest_memory.h"
#include "regcompat/result.h"
#include "regcompat/runtime/status.h"

namespace regvm {

inline constexpr std::uint16_t kElfMachineX86_64 = 62;
inline constexpr std::uint16_t kElfMachineAarch64 = 183;

struct ElfSegment {
  std::uint64_t paddr = 0;
  std::uint64_t offset = 0;  // in the file
  std::uint64_t filesz = 0;
  std::uint64_t memsz = 0;
};

class ElfImage {
 public:
  // `name` is used in messages (usually the path).
  static regcompat::Result<ElfImage> parse(std::vector<std::uint8_t> bytes, std::string name,
                                           std::uint16_t machine);
  static regcompat::Result<ElfImage> readFile(const std::string &path, std::uint16_t machine);

  std::uint64_t entry() const { return entry_; }
  const std::vector<ElfSegment> &segments() const { return segments_; }
  // st_value of a symbol of .symtab, if the image has it.
  std::optional<std::uint64_t> symbol(std::string_view name) const;

  // Copies the segments into `memory` (zero-filling memsz beyond filesz).
  // Fails, naming the segment, if one does not fit in RAM.
  regcompat::runtime::Status loadInto(GuestMemory &memory) const;

 private:
  std::string name_;
  std::vector<std::uint8_t> bytes_;
  std::uint64_t entry_ = 0;
  std::vector<ElfSegment> segments_;
  std::map<std::string, std::uint64_t, std::less<>> symbols_;
};

} // namespace regvm
