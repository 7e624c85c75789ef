// The register database in memory: releases, the register catalogue and the
// register sets, with the lookups the CLI, extractor and generator need.
//
// On disk a database is a directory (see database/SCHEMA.md, loader.h,
// saver.h). In memory it is plain data: build or edit one, then save() it;
// save() validates before writing anything.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "regcompat/db/catalogue.h"
#include "regcompat/db/register_set.h"
#include "regcompat/db/release.h"
#include "regcompat/register_id.h"
#include "regcompat/result.h"

namespace regcompat::db {

inline constexpr int kSchemaVersion = 1;

struct Database {
  int schema_version = kSchemaVersion;
  std::string name;
  std::string description;
  std::vector<Release> releases;   // loader: sorted by compareReleases
  Catalogue catalogue;
  std::vector<RegisterSet> sets;   // loader: sorted by key

  const Release *findRelease(std::string_view component, std::string_view version) const;
  const RegisterSet *findSet(const SetKey &key) const;

  // Sets whose key matches `pattern` (empty field = any), in key order.
  // E.g. {.component = "qemu", .release = "10.0.13"}: every set of that release.
  std::vector<const RegisterSet *> query(const SetKey &pattern) const;

  // The catalogue's name, else the kernel-ABI name (wellKnownName()).
  std::optional<std::string> nameOf(RegisterId id) const;
  // The entry's own name, else nameOf(entry.id).
  std::optional<std::string> nameOf(const RegisterEntry &entry) const;
  // nameOf(), else the register's generic text form (S2_3_C0_C5_0, MSR 0x6a0...).
  std::string displayName(RegisterId id) const;

  // The catalogue entry with this name, else wellKnownByName(). Fails when no
  // register has the name, or when several architectures use it and `arch`
  // does not pick one.
  Result<RegisterId> findByName(std::string_view register_name,
                                std::optional<Arch> arch = std::nullopt) const;

  // What a user may type for a register: a hex index, any RegisterId::parse()
  // form, or a name (findByName()).
  Result<RegisterId> resolve(std::string_view text,
                             std::optional<Arch> arch = std::nullopt) const;

  bool operator==(const Database &) const = default;
};

} // namespace regcompat::db
