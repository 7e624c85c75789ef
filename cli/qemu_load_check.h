// The QEMU side of `regcompat migrate-check`: would real QEMU load this CPU
// state, judged with the destination release's own loader rules
// (regcompat/generator/qemu_load_model.h). Either end is a database set or a
// real migration stream file.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "regcompat/db/database.h"
#include "regcompat/generator/qemu_load_model.h"

namespace regcompat::cli {

// One end of a migration as QEMU sees it.
struct QemuEnd {
  std::string label;    // the set key or the stream file
  std::string release;  // QEMU release ("10.0.13")
  std::vector<generator::QemuDestRegister> registers;  // sorted; constness below
  std::optional<std::vector<std::string>> subsections;  // streams only
  // Where the registers' constness came from ("qemu/10.2.2/arm64/tcg/max",
  // or the set itself); empty when nothing in the database said.
  std::string constness_from;
  bool constness_assumed = false;  // taken from another release's set
};

// SPEC is a set key of `database` or the path of a QEMU migration stream
// (then `release` must be given). The CPU model for constness lookups is the
// set's profile (before any "@machine") or `cpu`. Throws CommandError.
QemuEnd loadQemuEnd(const std::string &spec, const std::string &release, const std::string &cpu,
                    const std::shared_ptr<const db::Database> &database);

struct QemuPathResult {
  std::string direction;
  const QemuEnd *source = nullptr;
  const QemuEnd *dest = nullptr;
  generator::QemuLoader loader = generator::QemuLoader::Capped;
  generator::QemuLoadPrediction prediction;
};

QemuPathResult predictQemuPath(const char *direction, const QemuEnd &source, const QemuEnd &dest,
                               const std::vector<generator::QemuTolerance> &extra_tolerances);

}  // namespace regcompat::cli
