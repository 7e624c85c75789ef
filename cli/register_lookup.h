// Resolves register names and text forms for the command line: any text form
// RegisterId::parse() accepts, the kernel's fixed ABI names, and, when a
// database is given, the names of its register catalogue.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "regcompat/register_id.h"

namespace regcompat::db { struct Database; }

namespace regcompat::cli {

class RegisterLookup {
 public:
  RegisterLookup() = default;
  explicit RegisterLookup(std::shared_ptr<const db::Database> database)
      : database_(std::move(database)) {}

  // Text form or name -> register; throws CommandError(kExitBadInput).
  RegisterId resolve(std::string_view text) const;
  std::optional<std::string> nameOf(RegisterId id) const;

 private:
  std::shared_ptr<const db::Database> database_;
};

} // namespace regcompat::cli
