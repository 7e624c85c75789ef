// Loading what `regcompat gen` and `regcompat check` share: the database, the
// policy bound to it, and the analysis. Diagnostics become CommandError with
// every file:line:col message.
#pragma once

#include <memory>
#include <string>

#include "regcompat/db/database.h"
#include "regcompat/generator/analysis.h"
#include "regcompat/generator/platform_set.h"
#include "regcompat/generator/policy.h"

namespace regcompat::cli {

struct GenerationInputs {
  std::shared_ptr<const db::Database> database;
  std::unique_ptr<generator::Policy> policy;
  std::unique_ptr<generator::PlatformSet> platforms;
  std::unique_ptr<generator::Analysis> analysis;
};

GenerationInputs loadGenerationInputs(const std::string &db, const std::string &policy, bool pools);

} // namespace regcompat::cli
