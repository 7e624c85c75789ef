// Accesses to system registers the release's register list does not hold
// "trap to the VMM": each such register is reported once (its S3_x_Cx_Cx_x
// name, read or write, and the PC of the first access), then reads as zero
// and ignores writes, or stops the VM under strict_sysregs.
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sysreg_file.h"

namespace regvm::aarch64 {

class SysregTrapLog {
 public:
  using Sink = std::function<void(const std::string &line)>;
  // Default sink: one line on stderr.
  explicit SysregTrapLog(Sink sink = {});

  // Reports the first access to `enc`; later ones are only counted.
  void report(SysregEncoding enc, bool is_write, std::uint64_t pc);
  // Encodings reported so far, in first-access order.
  const std::vector<SysregEncoding> &reported() const { return order_; }

 private:
  Sink sink_;
  std::bitset<65536> seen_;
  std::vector<SysregEncoding> order_;
};

} // namespace regvm::aarch64
