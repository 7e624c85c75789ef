// x86_64 machine types (pc-X.Y) from database/real-policy-x86.yaml.
#include "generated_catalog.h"
#include "machine_types_x86_64.h"

namespace regvm {

const GeneratedCatalog &generatedX86_64Catalog() {
  static const GeneratedCatalog catalog =
      detail::fromGenerated("x86_64", generated::x86_64::kTables, generated::x86_64::kPlatforms);
  return catalog;
}

} // namespace regvm
