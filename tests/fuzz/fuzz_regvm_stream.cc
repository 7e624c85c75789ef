// libFuzzer target: regvm's incoming migration (vm/migration/STREAM.md) must
// load a stream or fail with an error for any input, never crash, hang, read
// out of bounds or write outside guest RAM. The destination is a test machine
// (tests/vm/migration/test_machine.h: 16 pages, a fake vCPU and device).
// Seed: corpus/regvm_stream/, a real stream of that machine (pages, device,
// CPU state, registers, end; a ram-map since stream format 3).
#include <cstddef>
#include <cstdint>

#include "incoming_migration.h"
#include "test_machine.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  using namespace regvm;
  static const auto table =
      std::move(regcompat::runtime::CompatTable::create({.machine_type = "virt-10.0"})).value();
  test::TestMachine dst = test::makeMachine(16, {{0x603000000013c000ULL, 0x411fd070, true}}, 0, RunState::InMigrate);
  MemoryChannel channel(std::vector<std::uint8_t>(data, data + size));
  IncomingMigration in(*dst.machine, table, test::testHeader(), true);
  (void)in.load(channel);
  return 0;
}
