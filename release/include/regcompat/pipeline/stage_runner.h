// Runs a pipeline's stages: in dependency order, independent ones in
// parallel, each skipped when its stamp says nothing it depends on changed.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "regcompat/pipeline/stage.h"

namespace regcompat::pipeline {

enum class StageStatus { Ran, Skipped, Failed, NotRun };
// The enumerated name, as the pipeline's JSON carries it: ran, skipped,
// failed, not-run.
std::string_view toString(StageStatus status);
// For people: "skipped (unchanged)", "FAILED", ...
std::string_view describe(StageStatus status);

struct StageResult {
  std::string id;
  std::string title;
  StageStatus status = StageStatus::NotRun;
  double seconds = 0;
  std::filesystem::path log;
  std::string error;  // Failed: what happened, with the stage's inputs and log
  // Each input's content digest (InputDigest::hex) and the stamp over them,
  // the command and the tool version: what the stage ran (or was skipped) on.
  std::vector<std::pair<std::filesystem::path, std::string>> inputs;
  std::string input_digest;
};

struct RunSummary {
  std::vector<StageResult> stages;  // in plan order
  bool ok = true;
  std::string failure;              // the first failure, one paragraph
};

struct RunnerOptions {
  // Stamps and logs live here (OUT/.pipeline/{stamps,logs}).
  std::filesystem::path state_dir;
  unsigned jobs = 2;
  bool force = false;  // run every stage, stamps or not
  // Mixed into every stamp: a new regcompat version re-runs everything.
  std::string tool_version;
  // Progress events, one line each ("[3/9] generate real-distro: ran (1.2 s)").
  std::function<void(const std::string &)> progress;
  // A stage still running reports every this many seconds (0: never).
  double heartbeat_seconds = 5;
};

// Validates the plan first (unique ids, known `after` ids, no cycle): a bad
// plan is a failure before anything runs. After a failure no new stage
// starts; running ones finish; what earlier stages wrote stays.
RunSummary runStages(const std::vector<Stage> &stages, const RunnerOptions &options);

} // namespace regcompat::pipeline
