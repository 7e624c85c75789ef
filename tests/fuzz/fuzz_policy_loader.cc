// Fuzzes the support-policy reader (generator/POLICY.md) with arbitrary
// bytes: it must return a policy or diagnostics naming the file, never crash,
// hang or throw.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "regcompat/generator/policy_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  auto policy = regcompat::generator::loadPolicyFromString(text, "policy.yaml");
  if (!policy && policy.diagnostics().empty()) std::abort();
  return 0;
}
