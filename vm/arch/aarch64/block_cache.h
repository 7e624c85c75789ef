// Translated blocks, keyed by guest PC: each instruction is decoded once,
// into an array of Ops run by threaded dispatch (exec_context.h).
//
// A block ends at a branch (or other block-ending instruction), at the end
// of its 4 KiB page, or after kMaxBlockOps instructions, so it lies in one
// page. Pages holding translated code are flagged; a store into such a page
// drops every block of the page (self-modifying code, code loaded by the
// guest). Dropped blocks are kept until the run loop is between blocks,
// because the store may come from the block being dropped.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "exec_context.h"
#include "guest_memory.h"

namespace regvm::aarch64 {

class SysregFile;

struct Block {
  std::uint64_t pc = 0;
  std::vector<Op> ops;
};

class BlockCache {
 public:
  static constexpr std::size_t kMaxBlockOps = 128;
  // Beyond this many blocks the whole cache is dropped and rebuilt.
  static constexpr std::size_t kMaxBlocks = 1 << 16;

  BlockCache(GuestMemory &memory, const SysregFile &sysregs);

  // The block starting at `pc`, translated on first use. Only between blocks.
  Block *get(std::uint64_t pc) {
    FastEntry &e = fast_[(pc >> 2) & kFastMask];
    if (e.pc == pc && e.block) [[likely]] return e.block;
    return getSlow(pc);
  }

  // Drops the blocks of RAM page `page` (index from the start of RAM).
  void invalidatePage(std::uint64_t page);
  // Drops every block: RAM was rewritten behind the CPU's back.
  void invalidateAll();
  // Frees dropped blocks. Only between blocks.
  void reclaim() {
    if (!retired_.empty()) [[unlikely]] retired_.clear();
  }

  const std::uint8_t *codePages() const { return code_pages_.data(); }
  std::size_t blockCount() const { return blocks_.size(); }
  // Instructions decoded so far (re-decoding after invalidation counts again).
  std::uint64_t decodedInstructions() const { return decoded_; }

 private:
  static constexpr std::size_t kFastSize = 1 << 14;
  static constexpr std::size_t kFastMask = kFastSize - 1;
  struct FastEntry {
    std::uint64_t pc = 0;
    Block *block = nullptr;
  };

  Block *getSlow(std::uint64_t pc);
  std::unique_ptr<Block> translate(std::uint64_t pc);

  GuestMemory &memory_;
  const SysregFile &sysregs_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Block>> blocks_;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> page_blocks_;
  std::vector<std::uint8_t> code_pages_;
  std::vector<std::unique_ptr<Block>> retired_;
  std::array<FastEntry, kFastSize> fast_{};
  std::uint64_t decoded_ = 0;
};

} // namespace regvm::aarch64
