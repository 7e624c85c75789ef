#include "gen_support.h"

#include "command.h"
#include "database_loader.h"
#include "regcompat/generator/policy_loader.h"
#include "regcompat/pipeline/input_digest.h"

namespace regcompat::cli {

GenerationInputs loadGenerationInputs(const std::string &db, const std::string &policy_path, bool pools) {
  GenerationInputs in;
  in.database = loadDatabaseOrThrow(databasePath(db));
  auto policy = generator::loadPolicy(policy_path);
  if (!policy) throw CommandError(kExitBadInput, "invalid policy " + policy_path + ":\n" + policy.errorText());
  in.policy = std::make_unique<generator::Policy>(std::move(policy).value());
  auto bound = generator::bindPolicy(*in.policy, *in.database);
  if (!bound)
    throw CommandError(kExitBadInput, "policy " + policy_path + " does not match the database:\n" +
                                          bound.errorText());
  in.platforms = std::make_unique<generator::PlatformSet>(std::move(bound).value());
  auto analysis = generator::analyze(*in.platforms, {pools});
  if (!analysis) throw CommandError(kExitInternal, analysis.error());
  in.analysis = std::make_unique<generator::Analysis>(std::move(analysis).value());
  return in;
}

std::vector<generator::GateOptions::Input> gateInputs(const std::string &db, const std::string &policy,
                                                      const std::vector<std::string> &compat) {
  std::vector<generator::GateOptions::Input> out;
  auto add = [&out](const std::string &role, const std::filesystem::path &path) {
    pipeline::InputDigest d;
    try {
      d.addPath(path);
    } catch (const std::exception &e) {
      throw CommandError(kExitBadInput, e.what());
    }
    out.push_back({role, path.string(), d.hex()});
  };
  add("database", databasePath(db));
  add("policy", policy);
  for (const std::string &c : compat) add("compat", c);
  return out;
}

} // namespace regcompat::cli
