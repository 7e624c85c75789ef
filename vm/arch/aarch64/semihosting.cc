// Arm semihosting, the subset regvm's guests use: console output and exit.
// Behaviour matches QEMU 7.2 (semihosting/arm-compat-semi.c,
// do_common_semihosting()), so that the same guest gives the same output
// and exit status on both.
#include "device.h"
#include "guest_calls.h"
#include "regcompat/hex_format.h"

namespace regvm::aarch64 {

namespace {
// QEMU returns this "corrupted" X0 for SYS_WRITEC/SYS_WRITE0
// (arm-compat-semi.c: common_semi_cb(cs, 0xdeadbeef, 0)): copy it so that
// register dumps after console output match.
constexpr std::uint64_t kCorruptedX0 = 0xdeadbeef;
// Longest string SYS_WRITE0 prints before giving up on a missing NUL.
constexpr std::uint64_t kMaxWrite0 = 1 << 20;
}

const Op *opSemihostingCall(ExecContext &c, const Op *op) {
  std::uint64_t nr = c.st.x[0] & 0xffffffffu;
  std::uint64_t arg = c.st.x[1];
  switch (nr) {
    case kSysWritec: {
      char ch = 0;
      if (!c.readRam(arg, &ch, 1))
        return c.fail(op, "semihosting SYS_WRITEC: character address " + regcompat::hexValue(arg) +
                              " is outside RAM");
      if (c.console) c.console->put(ch);
      c.st.x[0] = kCorruptedX0;
      return c.branchTo(op->pc + 4);  // HLT ends its block
    }
    case kSysWrite0: {
      for (std::uint64_t i = 0;; ++i) {
        char ch = 0;
        if (i == kMaxWrite0 || !c.readRam(arg + i, &ch, 1))
          return c.fail(op, "semihosting SYS_WRITE0: string at " + regcompat::hexValue(arg) +
                                " runs outside RAM or past 1 MiB without a NUL");
        if (ch == 0) break;
        if (c.console) c.console->put(ch);
      }
      c.st.x[0] = kCorruptedX0;
      return c.branchTo(op->pc + 4);  // HLT ends its block
    }
    case kSysExit:
    case kSysExitExtended: {
      // AArch64: X1 points to {reason, subcode}; an application exit returns
      // the subcode as the status, any other reason exits with 1.
      std::uint64_t block[2] = {};
      if (!c.readRam(arg, block, sizeof block))
        return c.fail(op, "semihosting SYS_EXIT: parameter block at " + regcompat::hexValue(arg) +
                              " is outside RAM");
      int status = block[0] == kAdpStoppedApplicationExit ? static_cast<int>(static_cast<std::uint32_t>(block[1])) : 1;
      return c.exitGuest(op, status);
    }
    default:
      return c.fail(op, "semihosting operation " + regcompat::hexValue(nr) + " is not supported");
  }
}

// PSCI as QEMU 7.2's virt machine answers it over HVC (target/arm/psci.c):
// version 1.1, migration not required (MIGRATE_INFO_TYPE 2), SYSTEM_OFF
// and SYSTEM_RESET end the run. Anything else is NOT_SUPPORTED (-1).
const Op *opPsciCall(ExecContext &c, const Op *op) {
  switch (c.st.x[0] & 0xffffffffu) {
    case kPsciVersion: c.st.x[0] = 0x10001; break;
    case kPsciMigrateInfoType: c.st.x[0] = 2; break;
    case kPsciSystemOff:
    case kPsciSystemReset: return c.exitGuest(op, 0);
    default: c.st.x[0] = ~std::uint64_t{0}; break;
  }
  return c.branchTo(op->pc + 4);
}

} // namespace regvm::aarch64
