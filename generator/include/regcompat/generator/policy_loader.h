// Loading a policy file (format: generator/POLICY.md).
//
// Never throws, never crashes on any input: every problem (YAML syntax,
// unknown or missing keys, wrong types, bad versions, duplicates, references
// to undeclared accelerators or machine types, contradictions) becomes a
// diagnostic with file:line:col, and a load collects all of them before
// failing. Checks against a database are bindPolicy()'s (platform_set.h).
#pragma once

#include <filesystem>
#include <string_view>

#include "regcompat/db/diagnostic.h"
#include "regcompat/generator/policy.h"

namespace regcompat::generator {

// `virtual_path` names the text in diagnostics.
db::Outcome<Policy> loadPolicyFromString(std::string_view text, std::string_view virtual_path);
db::Outcome<Policy> loadPolicy(const std::filesystem::path &path);

// The version a machine type name implies: "virt-10.0" -> "10.0",
// "virt-rhel9.6.0" -> "rhel9.6.0"; empty when the name has no '-'.
std::string impliedIntroduction(std::string_view machine_type);

} // namespace regcompat::generator
