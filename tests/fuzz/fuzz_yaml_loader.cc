// Fuzzes the YAML loaders with arbitrary bytes: a release file, a catalogue
// file and a compat file. Each must return a value or diagnostics naming the
// file, never crash, hang or throw; an accepted release file must render back
// to a form that loads to the same value (canonical save is a fixed point).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "regcompat/db/compat_file.h"
#include "regcompat/db/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  using namespace regcompat::db;
  const std::string_view text(reinterpret_cast<const char *>(data), size);

  auto release = loadReleaseFromString(text, "releases/qemu/10.0.13.yaml");
  if (!release && release.diagnostics().empty()) std::abort();

  auto catalogue = loadCatalogueFromString(text, "catalogue/arm64.yaml");
  if (!catalogue && catalogue.diagnostics().empty()) std::abort();

  auto compat = loadCompatFileFromString(text, "virt-10.0.yaml");
  if (!compat) {
    if (compat.diagnostics().empty()) std::abort();
    return 0;
  }
  // Canonical form is a fixed point: render, load, compare.
  const std::string rendered = renderCompatFile(compat.value());
  auto again = loadCompatFileFromString(rendered, "virt-10.0.yaml");
  if (!again || !(again.value() == compat.value())) std::abort();
  return 0;
}
