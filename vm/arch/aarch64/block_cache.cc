#include "block_cache.h"

#include "decoder.h"
#include "regcompat/hex_format.h"

namespace regvm::aarch64 {

namespace {
// The block of a PC that holds no instruction: stops the VM when run.
const Op *opFetchFault(ExecContext &c, const Op *op) {
  return c.fail(op, op->pc & 3 ? "instruction fetch from a misaligned PC"
                               : "instruction fetch outside RAM (" + regcompat::hexValue(op->pc) + ")");
}
} // namespace

BlockCache::BlockCache(GuestMemory &memory, const SysregFile &sysregs)
    : memory_(memory), sysregs_(sysregs), code_pages_(memory.pageCount() + 1, 0) {}

Block *BlockCache::getSlow(std::uint64_t pc) {
  auto it = blocks_.find(pc);
  Block *block;
  if (it != blocks_.end()) {
    block = it->second.get();
  } else {
    if (blocks_.size() >= kMaxBlocks) invalidateAll();
    auto fresh = translate(pc);
    block = fresh.get();
    blocks_.emplace(pc, std::move(fresh));
  }
  if ((pc & 3) == 0) fast_[(pc >> 2) & kFastMask] = {pc, block};
  return block;
}

std::unique_ptr<Block> BlockCache::translate(std::uint64_t pc) {
  auto block = std::make_unique<Block>();
  block->pc = pc;
  if ((pc & 3) != 0 || !memory_.contains(pc, 4)) {
    Op op;
    op.pc = pc;
    op.fn = opFetchFault;
    block->ops.push_back(op);
    return block;
  }
  std::uint64_t page = (pc - memory_.base()) >> GuestMemory::kPageShift;
  std::uint64_t page_end = memory_.base() + ((page + 1) << GuestMemory::kPageShift);
  std::uint64_t at = pc;
  bool ended = false;
  while (!ended && at < page_end && block->ops.size() < kMaxBlockOps) {
    std::uint32_t insn;
    std::memcpy(&insn, memory_.at(at), 4);
    DecodedOp d = decodeInstruction(insn, at, sysregs_);
    block->ops.push_back(d.op);
    ended = d.ends_block;
    at += 4;
    ++decoded_;
  }
  if (!ended) {
    Op end;
    end.pc = at;
    end.imm = at;
    end.fn = opEndOfBlock;
    block->ops.push_back(end);
  }
  code_pages_[page] = 1;
  page_blocks_[page].push_back(pc);
  return block;
}

void BlockCache::invalidatePage(std::uint64_t page) {
  code_pages_[page] = 0;
  auto it = page_blocks_.find(page);
  if (it == page_blocks_.end()) return;
  for (std::uint64_t pc : it->second) {
    auto b = blocks_.find(pc);
    if (b == blocks_.end()) continue;
    FastEntry &e = fast_[(pc >> 2) & kFastMask];
    if (e.block == b->second.get()) e = {};
    retired_.push_back(std::move(b->second));
    blocks_.erase(b);
  }
  page_blocks_.erase(it);
}

void BlockCache::invalidateAll() {
  for (auto &[pc, block] : blocks_) retired_.push_back(std::move(block));
  blocks_.clear();
  page_blocks_.clear();
  fast_.fill({});
  std::fill(code_pages_.begin(), code_pages_.end(), 0);
}

} // namespace regvm::aarch64
