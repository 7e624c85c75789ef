// Shared fixtures of the generator tests: a database, a policy bound to it
// and the analysis, owned together (the analysis points into the others).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "regcompat/db/loader.h"
#include "regcompat/generator/analysis.h"
#include "regcompat/generator/platform_set.h"
#include "regcompat/generator/policy_loader.h"

namespace regcompat::generator::testing {

inline std::filesystem::path sourceDir() { return REGCOMPAT_SOURCE_DIR; }
inline std::filesystem::path fixtureDir() { return sourceDir() / "tests" / "fixtures" / "generator"; }

inline std::string readFile(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Loaded {
  std::unique_ptr<db::Database> database;
  std::unique_ptr<Policy> policy;
  std::unique_ptr<PlatformSet> set;
  std::unique_ptr<Analysis> analysis;

  const MachineTypeResult &machineType(std::string_view name) const {
    const MachineTypeResult *m = analysis->find(name);
    if (!m) throw std::runtime_error("no machine type " + std::string(name));
    return *m;
  }
  const Platform &platform(std::string_view id) const {
    for (const Platform &p : set->platforms)
      if (p.id == id) return p;
    throw std::runtime_error("no platform " + std::string(id));
  }
  // The required migration source -> dest of a machine type (its index).
  std::size_t edge(std::string_view machine_type, std::string_view source, std::string_view dest) const {
    const MachineTypeResult &m = machineType(machine_type);
    for (std::size_t e = 0; e < m.graph.edges.size(); ++e) {
      if (set->platforms[m.graph.edges[e].source].id == source && set->platforms[m.graph.edges[e].dest].id == dest)
        return e;
    }
    throw std::runtime_error("no required migration " + std::string(source) + " -> " + std::string(dest));
  }
};

inline std::unique_ptr<db::Database> loadDb(const std::filesystem::path &dir) {
  auto loaded = db::loadDatabase(dir);
  if (!loaded) throw std::runtime_error(loaded.errorText());
  return std::make_unique<db::Database>(std::move(loaded).value());
}

// Loads `policy_text` against `database` and runs the whole analysis.
inline Loaded analyzeText(std::unique_ptr<db::Database> database, const std::string &policy_text,
                          bool pools = true) {
  Loaded l;
  l.database = std::move(database);
  auto policy = loadPolicyFromString(policy_text, "policy.yaml");
  if (!policy) throw std::runtime_error(policy.errorText());
  l.policy = std::make_unique<Policy>(std::move(policy).value());
  auto set = bindPolicy(*l.policy, *l.database);
  if (!set) throw std::runtime_error(set.errorText());
  l.set = std::make_unique<PlatformSet>(std::move(set).value());
  auto analysis = analyze(*l.set, {pools});
  if (!analysis) throw std::runtime_error(analysis.error());
  l.analysis = std::make_unique<Analysis>(std::move(analysis).value());
  return l;
}

// The shipped sample database with its example policy (the README's job).
inline Loaded loadSample() {
  return analyzeText(loadDb(sourceDir() / "database" / "sample"),
                     readFile(sourceDir() / "database" / "sample-policy.yaml"));
}

// The generator's own fixture database and policy (golden outputs).
inline Loaded loadFixture() {
  return analyzeText(loadDb(fixtureDir() / "db"), readFile(fixtureDir() / "policy.yaml"));
}

// `text` with the first occurrence of `from` replaced (test policy variants).
inline std::string replaced(std::string text, const std::string &from, const std::string &to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("'" + from + "' not in the text");
  return text.replace(at, from.size(), to);
}

} // namespace regcompat::generator::testing
