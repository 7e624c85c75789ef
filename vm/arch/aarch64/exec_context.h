// What decoded instructions execute against: the pre-decoded operation
// (Op), the handler signature, and the execution context with the memory
// fast paths every load/store handler inlines.
//
// Threaded dispatch: a block is an array of Ops; each handler does its work
// and returns the next Op to run (op + 1), or nullptr to leave the block
// (a branch set the PC, the guest exited, an error stopped the VM, or a
// store hit a page holding decoded code).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cpu_state.h"
#include "guest_memory.h"
#include "vcpu.h"

namespace regvm {
class MmioDevice;
class ConsoleSink;
}

namespace regvm::aarch64 {

static_assert(std::endian::native == std::endian::little,
              "guest memory is accessed with host loads: little-endian hosts only");

class ExecContext;
struct Op;
using Handler = const Op *(*)(ExecContext &, const Op *);

// One decoded instruction. Field meaning is per handler; registers are slot
// numbers (cpu_state.h), already resolved for SP/XZR.
struct Op {
  Handler fn = nullptr;
  std::uint64_t pc = 0;
  std::uint64_t imm = 0;
  std::uint8_t rd = 0, rn = 0, rm = 0, ra = 0;
  std::uint8_t a = 0, b = 0, c = 0, d = 0;
  std::uint32_t insn = 0;  // the raw word, for messages
  std::uint32_t aux = 0;
};

class SysregFile;
class BlockCache;
class SysregTrapLog;

class ExecContext {
 public:
  CpuState st;

  // Guest RAM, copied out of GuestMemory for the inlined fast paths.
  GuestMemory *mem = nullptr;
  std::uint8_t *ram = nullptr;
  std::uint64_t ram_base = 0;
  std::uint64_t ram_size = 0;
  // One byte per RAM page: 1 while the page holds decoded code.
  const std::uint8_t *code_pages = nullptr;

  std::vector<MmioDevice *> mmio;
  SysregFile *sysregs = nullptr;
  BlockCache *cache = nullptr;
  SysregTrapLog *trap_log = nullptr;
  ConsoleSink *console = nullptr;
  bool strict_sysregs = false;

  // Set when the run loop must stop after the current block.
  bool halted = false;
  RunOutcome outcome;

  // --- leaving a block --------------------------------------------------
  const Op *branchTo(std::uint64_t target) {
    st.pc = target;
    return nullptr;
  }
  const Op *fail(const Op *op, const std::string &what);
  const Op *exitGuest(const Op *op, int status);
  const Op *unimplemented(const Op *op);

  // --- memory -------------------------------------------------------------
  template <typename T>
  bool load(std::uint64_t addr, T &out, const Op *op) {
    std::uint64_t off = addr - ram_base;
    if (off <= ram_size - sizeof(T)) [[likely]] {
      std::memcpy(&out, ram + off, sizeof(T));
      return true;
    }
    std::optional<std::uint64_t> v = loadSlow(addr, sizeof(T), op);
    if (!v) return false;
    out = static_cast<T>(*v);
    return true;
  }
  template <typename T>
  bool store(std::uint64_t addr, T value, const Op *op) {
    std::uint64_t off = addr - ram_base;
    if (off <= ram_size - sizeof(T)) [[likely]] {
      std::memcpy(ram + off, &value, sizeof(T));
      mem->markDirty(addr, sizeof(T));  // after the store: guest_memory.h
      if (code_pages[off >> GuestMemory::kPageShift] |
          code_pages[(off + sizeof(T) - 1) >> GuestMemory::kPageShift]) [[unlikely]]
        codeWritten(off, sizeof(T));
      return true;
    }
    return storeSlow(addr, sizeof(T), value, op);
  }
  // Byte-wise helpers for semihosting and DC ZVA (bounds-checked, RAM only).
  bool readRam(std::uint64_t addr, void *out, std::uint64_t len) const;
  bool writeRam(std::uint64_t addr, const void *in, std::uint64_t len);

  // A store hit a page with decoded code: its blocks are dropped and the
  // current block must end after this instruction (the rest of it may be
  // stale). Handlers that store finish with `return next(op)`.
  bool block_dirty = false;
  const Op *next(const Op *op) {
    if (block_dirty) [[unlikely]] {
      block_dirty = false;
      return branchTo(op->pc + 4);
    }
    return op + 1;
  }

 private:
  std::optional<std::uint64_t> loadSlow(std::uint64_t addr, unsigned size, const Op *op);
  bool storeSlow(std::uint64_t addr, unsigned size, std::uint64_t value, const Op *op);
  MmioDevice *deviceAt(std::uint64_t addr, unsigned size) const;
  void codeWritten(std::uint64_t off, std::uint64_t len);
};

// A handler that falls through: the block's last Op when the block ends
// without a branch (page end, length limit). imm = the next PC.
const Op *opEndOfBlock(ExecContext &c, const Op *op);

} // namespace regvm::aarch64
