#include "exec_context.h"

#include <cstdio>

#include "block_cache.h"
#include "device.h"
#include "regcompat/hex_format.h"

namespace regvm::aarch64 {

const Op *ExecContext::fail(const Op *op, const std::string &what) {
  st.pc = op->pc;
  halted = true;
  outcome = RunOutcome{StopReason::Error, 0, what + " at PC " + regcompat::hexValue(op->pc)};
  return nullptr;
}

const Op *ExecContext::exitGuest(const Op *op, int status) {
  st.pc = op->pc + 4;
  halted = true;
  outcome = RunOutcome{StopReason::GuestExit, status, {}};
  return nullptr;
}

const Op *ExecContext::unimplemented(const Op *op) {
  char word[16];
  std::snprintf(word, sizeof word, "0x%08x", op->insn);
  return fail(op, std::string("unimplemented instruction ") + word);
}

MmioDevice *ExecContext::deviceAt(std::uint64_t addr, unsigned size) const {
  for (MmioDevice *d : mmio) {
    std::uint64_t off = addr - d->mmioBase();
    if (addr >= d->mmioBase() && off < d->mmioSize() && size <= d->mmioSize() - off) return d;
  }
  return nullptr;
}

std::optional<std::uint64_t> ExecContext::loadSlow(std::uint64_t addr, unsigned size, const Op *op) {
  if (MmioDevice *d = deviceAt(addr, size)) return d->read(addr - d->mmioBase(), size);
  fail(op, "data abort: " + std::to_string(size) + "-byte load from " + regcompat::hexValue(addr) +
               ", which is neither RAM nor a device");
  return std::nullopt;
}

bool ExecContext::storeSlow(std::uint64_t addr, unsigned size, std::uint64_t value, const Op *op) {
  if (MmioDevice *d = deviceAt(addr, size)) {
    d->write(addr - d->mmioBase(), size, value);
    return true;
  }
  fail(op, "data abort: " + std::to_string(size) + "-byte store to " + regcompat::hexValue(addr) +
               ", which is neither RAM nor a device");
  return false;
}

bool ExecContext::readRam(std::uint64_t addr, void *out, std::uint64_t len) const {
  if (!mem->contains(addr, len)) return false;
  std::memcpy(out, ram + (addr - ram_base), len);
  return true;
}

bool ExecContext::writeRam(std::uint64_t addr, const void *in, std::uint64_t len) {
  if (!mem->contains(addr, len)) return false;
  std::uint64_t off = addr - ram_base;
  std::memcpy(ram + off, in, len);
  mem->markDirty(addr, len);
  for (std::uint64_t p = off >> GuestMemory::kPageShift; p <= (off + len - 1) >> GuestMemory::kPageShift; ++p)
    if (code_pages[p]) codeWritten(p << GuestMemory::kPageShift, 1);
  return true;
}

void ExecContext::codeWritten(std::uint64_t off, std::uint64_t len) {
  for (std::uint64_t p = off >> GuestMemory::kPageShift; p <= (off + len - 1) >> GuestMemory::kPageShift; ++p)
    if (code_pages[p]) cache->invalidatePage(p);
  block_dirty = true;
}

const Op *opEndOfBlock(ExecContext &c, const Op *op) { return c.branchTo(op->imm); }

} // namespace regvm::aarch64
