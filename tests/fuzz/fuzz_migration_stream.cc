// libFuzzer target: the QEMU migration-stream reader must return a value or
// an error for any input, never crash, hang or read out of bounds.
// Seed: tests/fixtures/stream/minimal.qevm.
#include <cstddef>
#include <cstdint>

#include "regcompat/probe/migration_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  auto result = regcompat::probe::parseMigrationStream(data, size);
  if (result) {
    for (const auto &cpu : result->cpus) (void)regcompat::probe::checkRegisterList(cpu);
  }
  return 0;
}
