// From a pipeline file to the list of stages that carry it out (stage.h).
//
//   fetch:<component>:<version>     release/fetch-sources (only with --refresh)
//   extract:<component>:<version>[:<arch>]
//                                   regcompat extract qemu|linux into OUT/extracted/...
//   probe:kvm                       regcompat probe kvm into OUT/probe
//   database                        regcompat db merge: shipped + extracted + probe -> OUT/database
//   generate:<policy>               regcompat gen -> OUT/generated/<policy>/
//   gate:<policy>                   regcompat check under the generated compat files -> OUT/gate/<policy>.json
//   vm:<migration>                  regcompat pipeline vm-run (two regvm processes, both directions,
//                                   with and without tables) -> OUT/vm/<migration>.json
//   report:<policy>                 regcompat report -> OUT/report/<policy>.html
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "regcompat/pipeline/pipeline_config.h"
#include "regcompat/pipeline/stage.h"

namespace regcompat::pipeline {

struct PlanOptions {
  std::filesystem::path out_dir;
  std::filesystem::path regcompat;      // this program
  std::filesystem::path regvm;          // empty: no VM stages (noted)
  std::filesystem::path guest_dir;      // <guest_dir>/<arch>/<guest>.elf (aarch64) or .bin (x86_64)
  std::filesystem::path fetch_sources;  // release/fetch-sources
  std::filesystem::path qemu_peers;     // release/qemu-peers
  std::filesystem::path real_qemu_matrix;  // release/real-qemu-matrix
  std::filesystem::path source_cache;   // where fetch-sources unpacks (<cache>/<component>-<version>)
  bool refresh = false;                 // fetch and extract the sources again
  bool probe = true;                    // false: leave out probe:kvm even when the file asks for it
  unsigned jobs = 2;
};

struct Plan {
  std::vector<Stage> stages;
  std::vector<std::string> notes;  // stages left out, and why
};

Plan planPipeline(const PipelineConfig &config, const PlanOptions &options);

} // namespace regcompat::pipeline
