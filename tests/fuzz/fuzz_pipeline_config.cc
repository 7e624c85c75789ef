// Fuzzes the pipeline-file reader (release/PIPELINE.md) with arbitrary
// bytes: it must return a configuration or diagnostics naming the file,
// never crash, hang or throw.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "regcompat/pipeline/pipeline_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  auto config = regcompat::pipeline::loadPipelineConfigFromString(text, "/fuzz/pipeline.yaml");
  if (!config && config.diagnostics().empty()) std::abort();
  return 0;
}
