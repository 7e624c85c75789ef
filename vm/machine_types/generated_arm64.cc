// AArch64 machine types (virt-X.Y) from database/real-policy.yaml.
#include "generated_catalog.h"
#include "machine_types_arm64.h"

namespace regvm {

const GeneratedCatalog &generatedArm64Catalog() {
  static const GeneratedCatalog catalog =
      detail::fromGenerated("aarch64", generated::arm64::kTables, generated::arm64::kPlatforms);
  return catalog;
}

} // namespace regvm
