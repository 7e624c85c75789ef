#include "cli_options.h"

#include <iostream>

#include <charconv>

namespace regvm::cli {

int exitStatusOfGuest(int status) {
  const int byte = status & 0xff;  // what the shell would see of the guest's status
  if (byte < kExitReservedFirst || byte > kExitReservedLast) return byte;
  std::cerr << "regvm: the guest exited with status " << byte << ", inside the range regvm keeps for itself, "
            << kExitReservedFirst << ".." << kExitReservedLast << ": exit status " << kExitGuestStatusReserved
            << "\n";
  return kExitGuestStatusReserved;
}

regcompat::Result<std::uint64_t> parseMemorySize(const std::string &text) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string suffix(end, text.data() + text.size());
  unsigned shift = 0;
  if (suffix.empty() || suffix == "B") shift = 0;
  else if (suffix == "K" || suffix == "k") shift = 10;
  else if (suffix == "M" || suffix == "m") shift = 20;
  else if (suffix == "G" || suffix == "g") shift = 30;
  else ec = std::errc::invalid_argument;
  if (ec != std::errc() || end == text.data() || n == 0 || n > (std::uint64_t{1} << (40 - shift)))
    return regcompat::fail("--memory '" + text + "': expected a size such as 256M or 1G (at most 1T)");
  const std::uint64_t bytes = n << shift;
  if (bytes % 4096 != 0) return regcompat::fail("--memory '" + text + "' is not a multiple of 4 KiB");
  return bytes;
}

} // namespace regvm::cli
