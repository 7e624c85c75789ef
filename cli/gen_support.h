// Loading what `regcompat gen` and `regcompat check` share: the database, the
// policy bound to it, and the analysis. Diagnostics become CommandError with
// every file:line:col message.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "regcompat/db/database.h"
#include "regcompat/generator/analysis.h"
#include "regcompat/generator/platform_set.h"
#include "regcompat/generator/policy.h"
#include "regcompat/generator/release_gate.h"

namespace regcompat::cli {

struct GenerationInputs {
  std::shared_ptr<const db::Database> database;
  std::unique_ptr<generator::Policy> policy;
  std::unique_ptr<generator::PlatformSet> platforms;
  std::unique_ptr<generator::Analysis> analysis;
};

GenerationInputs loadGenerationInputs(const std::string &db, const std::string &policy, bool pools);

// The gate's record of what it judged: the database and the policy (and
// each --compat path), with their content digests (pipeline::InputDigest).
std::vector<generator::GateOptions::Input> gateInputs(const std::string &db, const std::string &policy,
                                                      const std::vector<std::string> &compat = {});

} // namespace regcompat::cli
