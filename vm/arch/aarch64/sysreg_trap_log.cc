#include "sysreg_trap_log.h"

#include <cstdio>

#include "regcompat/hex_format.h"

namespace regvm::aarch64 {

SysregTrapLog::SysregTrapLog(Sink sink) : sink_(std::move(sink)) {
  if (!sink_) sink_ = [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); };
}

void SysregTrapLog::report(SysregEncoding enc, bool is_write, std::uint64_t pc) {
  if (seen_.test(enc)) return;
  seen_.set(enc);
  order_.push_back(enc);
  sink_("regvm: guest " + std::string(is_write ? "wrote" : "read") + " system register " +
        sysregName(enc) + " at PC " + regcompat::hexValue(pc) +
        ": not in this CPU's register list (trapped: reads as zero, writes ignored)");
}

} // namespace regvm::aarch64
