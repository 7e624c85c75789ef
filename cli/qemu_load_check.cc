// See qemu_load_check.h.
#include "qemu_load_check.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "command.h"
#include "database_loader.h"
#include "regcompat/db/release.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/generator/platform_set.h"
#include "regcompat/probe/migration_stream.h"

namespace regcompat::cli {
namespace {

namespace fs = std::filesystem;

std::string cpuOfProfile(const std::string &profile) { return profile.substr(0, profile.find('@')); }

}  // namespace

QemuEnd loadQemuEnd(const std::string &spec, const std::string &release, const std::string &cpu,
                    const std::shared_ptr<const db::Database> &database) {
  QemuEnd end;
  end.label = spec;
  std::string model = cpu;
  std::error_code ec;
  if (fs::is_regular_file(spec, ec)) {
    if (release.empty())
      throw CommandError(kExitUsage, spec + ": a stream does not name its QEMU release; give --source-release/--dest-release");
    auto stream = probe::readMigrationStreamFile(spec);
    if (!stream) throw CommandError(kExitBadInput, stream.error());
    if (stream->cpus.empty()) throw CommandError(kExitBadInput, spec + ": the stream has no Arm CPU section");
    const probe::StreamCpu &c = stream->cpus.front();
    for (const auto &r : c.registers) end.registers.push_back({r.index, r.value, false});
    end.subsections = c.subsections;
    end.release = release;
  } else {
    if (!database) throw CommandError(kExitUsage, "'" + spec + "' is neither a stream file nor usable without --db");
    const db::RegisterSet &set = findSetOrThrow(*database, spec);
    if (set.key.component != "qemu")
      throw CommandError(kExitUsage, spec + ": QEMU's loader rules judge QEMU sets; use --rules runtime for " +
                                         set.key.component + " sets");
    for (const auto &e : set.registers) end.registers.push_back({e.id.index(), e.value.value_or(0), false});
    end.release = release.empty() ? set.key.release : release;
    if (model.empty()) model = cpuOfProfile(set.key.profile);
  }
  if (auto bad = db::checkVersion(end.release)) throw CommandError(kExitUsage, "release '" + end.release + "': " + *bad);
  std::sort(end.registers.begin(), end.registers.end(),
            [](const auto &a, const auto &b) { return a.index < b.index; });
  if (database && !model.empty()) {
    // The same release's source extraction, else the closest older one (the
    // output says it was assumed).
    if (const db::RegisterSet *c = generator::constnessSourceOf(*database, "arm64", end.release, model)) {
      const bool assumed = c->key.release != end.release;
      std::map<std::uint64_t, bool> constant;
      for (const auto &e : c->registers) constant[e.id.index()] = e.hasFlag("const");
      for (auto &r : end.registers) {
        auto it = constant.find(r.index);
        r.constant = it != constant.end() && it->second;
      }
      end.constness_from = c->key.toString();
      end.constness_assumed = assumed;
    }
  }
  return end;
}

QemuPathResult predictQemuPath(const char *direction, const QemuEnd &source, const QemuEnd &dest,
                               const std::vector<generator::QemuTolerance> &extra_tolerances) {
  auto loader = generator::qemuLoaderOf(dest.release);
  if (!loader) throw CommandError(kExitUsage, loader.error());
  QemuPathResult r{direction, &source, &dest, loader.value(), {}};
  generator::QemuLoadInput in;
  in.loader = loader.value();
  for (const auto &s : source.registers) in.incoming.push_back({s.index, s.value});
  if (source.subsections) in.incoming_subsections = *source.subsections;
  in.destination = dest.registers;
  in.destination_subsections = dest.subsections;
  in.tolerances = generator::builtinTcgTolerances(in.loader);
  in.tolerances.insert(in.tolerances.end(), extra_tolerances.begin(), extra_tolerances.end());
  r.prediction = generator::predictQemuLoad(in);
  return r;
}

}  // namespace regcompat::cli
