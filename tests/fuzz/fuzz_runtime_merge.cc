// Fuzzes the runtime merge: the bytes become a compat table, a local register
// list and an incoming stream (indexes drawn mostly from a small pool of real
// registers so that lists overlap, sometimes raw 64-bit words). The merge
// must never crash, and its report must be consistent: ok exactly when no
// finding is an error, the merged list holds every visible local register
// once, and a register only the destination has keeps its reset value.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>

#include "regcompat/runtime/merge.h"
#include "regcompat/runtime/save_side.h"

namespace {

constexpr std::uint64_t kPool[] = {
    0x6030000000139828ULL, 0x6030000000139820ULL, 0x40200000200e0280ULL, 0x40200000200e0298ULL,
    0x603000000013c103ULL, 0x603000000013c512ULL, 0x603000000013c513ULL, 0x6030000000160003ULL,
    0x603000000013c028ULL, 0x603000000013c080ULL, 0x6030000000100000ULL, 0x2030000200000174ULL,
};

class Bytes {
 public:
  Bytes(const std::uint8_t *d, std::size_t n) : d_(d), n_(n) {}
  bool empty() const { return n_ == 0; }
  std::uint8_t byte() {
    if (n_ == 0) return 0;
    --n_;
    return *d_++;
  }
  std::uint64_t word() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return v;
  }
  std::uint64_t index() {
    const std::uint8_t b = byte();
    return b < 240 ? kPool[b % (sizeof kPool / sizeof kPool[0])] : word();
  }

 private:
  const std::uint8_t *d_;
  std::size_t n_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  using namespace regcompat::runtime;
  Bytes in(data, size);
  CompatTable table("virt-fuzz");
  for (int i = in.byte() % 6; i > 0; --i) (void)table.addHidden(in.index());
  for (int i = in.byte() % 6; i > 0; --i) (void)table.addSafeMissing(in.index());
  for (int i = in.byte() % 4; i > 0; --i) {
    const std::uint64_t idx = in.index();
    if (in.byte() & 1)
      (void)table.addRule(Pin{idx, in.byte()});
    else
      (void)table.addRule(Tolerate{idx});
  }
  LocalRegisterList local;
  for (int i = in.byte() % 16; i > 0; --i) local.push_back({in.index(), in.byte(), (in.byte() & 1) != 0});
  StreamRegisterList incoming;
  while (!in.empty()) incoming.push_back({in.index(), in.byte()});

  MergeOptions options;
  options.max_registers = 64;
  options.strict = (size & 1) != 0;
  const MergeReport report = merge(local, incoming, table, options);

  const bool anyError = report.count(Severity::Error) > 0;
  if (report.ok == anyError) std::abort();
  std::set<std::uint64_t> seen;
  for (const auto &r : report.merged) {
    if (table.isHidden(r.index)) std::abort();
    if (!seen.insert(r.index).second) std::abort();
  }
  (void)outgoing(local, table);
  return 0;
}
