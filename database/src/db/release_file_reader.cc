#include "release_file_reader.h"

#include <algorithm>
#include <array>
#include <map>

#include "regcompat/db/vocabulary.h"
#include "regcompat/db/yaml_reader.h"

namespace regcompat::db {
namespace {

using yaml::KeySpec;
using yaml::MapFields;
using yaml::Node;

constexpr std::array<KeySpec, 3> kFileKeys = {{
    {"schema_version", true}, {"release", true}, {"register_sets", true}}};
constexpr std::array<KeySpec, 5> kReleaseKeys = {{
    {"component", true}, {"version", true}, {"distro_version"}, {"date"}, {"notes"}}};
constexpr std::array<KeySpec, 5> kSetKeys = {{
    {"arch", true}, {"accelerator", true}, {"profile", true}, {"description"}, {"registers", true}}};
constexpr std::array<KeySpec, 6> kRegisterKeys = {{
    {"index", true}, {"name"}, {"flags"}, {"value"}, {"source"}, {"probe"}}};

struct ReadRegister {
  RegisterEntry entry;
  TextPosition index_position;
};

class ReleaseFileReader {
 public:
  ReleaseFileReader(const std::filesystem::path &path, const Catalogue *catalogue,
                    FileDiagnostics &out)
      : path_(path), catalogue_(catalogue), out_(out) {}

  std::optional<ReleaseFile> read(const Node &root) {
    MapFields fields(root, "release file", kFileKeys, out_);
    if (!fields.isMap()) return std::nullopt;
    yaml::checkSchemaVersion(fields, out_);
    if (path_.extension() != ".yaml") {
      out_.error("release files are named releases/<component>/<version>.yaml");
    }
    std::optional<Release> release;
    if (const Node *node = fields.get("release")) release = readRelease(*node);

    ReleaseFile file;
    if (const Node *node = fields.get("register_sets")) {
      if (const auto *items = yaml::readList(*node, "register_sets", out_)) {
        std::map<std::string, unsigned> first_line;  // "arch/accelerator/profile"
        for (const Node &item : *items) {
          if (out_.full()) break;
          std::optional<RegisterSet> set = readSet(item, release ? *release : Release{});
          if (!set) continue;
          std::string local = set->key.arch + '/' + set->key.accelerator + '/' + set->key.profile;
          auto [it, fresh] = first_line.emplace(local, item.position.line);
          if (!fresh) {
            out_.error(item.position, "register set " + local + " is defined twice in this release "
                                      "(first at line " + std::to_string(it->second) + ")");
            continue;
          }
          file.sets.push_back(std::move(*set));
        }
      }
    }
    if (out_.errorCount() != 0 || !release) return std::nullopt;
    file.release = std::move(*release);
    std::sort(file.sets.begin(), file.sets.end(),
              [](const RegisterSet &a, const RegisterSet &b) { return a.key < b.key; });
    return file;
  }

 private:
  std::optional<Release> readRelease(const Node &node) {
    std::size_t errors = out_.errorCount();
    MapFields fields(node, "release", kReleaseKeys, out_);
    if (!fields.isMap()) return std::nullopt;
    Release release;
    if (const Node *value = fields.get("component")) {
      if (auto component = yaml::readChecked(*value, "component", checkComponent, out_)) {
        std::string directory = path_.parent_path().filename().string();
        if (*component != directory) {
          out_.error(value->position, "component " + *component + " disagrees with the file's "
                                      "directory '" + directory +
                                      "' (release files live in releases/<component>/<version>.yaml)");
        }
        release.component = std::move(*component);
      }
    }
    if (const Node *value = fields.get("version")) {
      if (auto version = yaml::readChecked(*value, "version", checkVersion, out_)) {
        std::string stem = path_.stem().string();
        if (*version != stem) {
          out_.error(value->position, "version " + *version + " disagrees with the file name '" +
                                      path_.filename().string() +
                                      "' (release files are named <version>.yaml)");
        }
        release.version = std::move(*version);
      }
    }
    if (const Node *value = fields.present("distro_version")) {
      release.distro_version = yaml::readChecked(*value, "distro_version", checkDistroVersion, out_);
    }
    if (const Node *value = fields.present("date")) {
      release.date = yaml::readChecked(*value, "date", checkDate, out_);
    }
    if (const Node *value = fields.present("notes")) {
      release.notes = yaml::readString(*value, "notes", out_).value_or("");
    }
    if (out_.errorCount() != errors) return std::nullopt;
    return release;
  }

  std::optional<RegisterSet> readSet(const Node &node, const Release &release) {
    std::size_t errors = out_.errorCount();
    MapFields fields(node, "register set", kSetKeys, out_);
    if (!fields.isMap()) return std::nullopt;
    RegisterSet set;
    set.key.component = release.component;
    set.key.release = release.version;
    if (const Node *value = fields.get("arch")) {
      set.key.arch = yaml::readChecked(*value, "arch", checkArchitecture, out_).value_or("");
    }
    if (const Node *value = fields.get("accelerator")) {
      set.key.accelerator =
          yaml::readChecked(*value, "accelerator", checkAccelerator, out_).value_or("");
    }
    if (const Node *value = fields.get("profile")) {
      set.key.profile = yaml::readChecked(*value, "profile", checkProfile, out_).value_or("");
    }
    if (const Node *value = fields.present("description")) {
      set.description = yaml::readString(*value, "description", out_).value_or("");
    }
    if (const Node *value = fields.get("registers")) {
      if (const auto *items = yaml::readList(*value, "registers", out_)) {
        std::map<RegisterId, unsigned> first_line;
        set.registers.reserve(items->size());
        for (const Node &item : *items) {
          if (out_.full()) break;
          std::optional<ReadRegister> read = readRegister(item, set.key.arch);
          if (!read) continue;
          auto [it, fresh] = first_line.emplace(read->entry.id, read->index_position.line);
          if (!fresh) {
            out_.error(read->index_position,
                       "register " + read->entry.id.hex() +
                           " appears twice in this register set (first at line " +
                           std::to_string(it->second) + ")");
            continue;
          }
          set.registers.push_back(std::move(read->entry));
        }
      }
    }
    if (out_.errorCount() != errors) return std::nullopt;
    std::sort(set.registers.begin(), set.registers.end(),
              [](const RegisterEntry &a, const RegisterEntry &b) { return a.id < b.id; });
    return set;
  }

  // `arch` is empty when the set's own arch was invalid (already reported).
  std::optional<ReadRegister> readRegister(const Node &node, std::string_view arch) {
    std::size_t errors = out_.errorCount();
    MapFields fields(node, "register entry", kRegisterKeys, out_);
    if (!fields.isMap()) return std::nullopt;
    ReadRegister read;
    RegisterEntry &entry = read.entry;
    bool have_id = false;
    if (const Node *value = fields.get("index")) {
      read.index_position = value->position;
      if (std::optional<std::uint64_t> raw = yaml::readHex(*value, "index", out_)) {
        Result<RegisterId> id = RegisterId::fromIndex(*raw);
        if (!id) {
          out_.error(value->position,
                     "index " + value->text + " is not a valid register index: " + id.error());
        } else if (!arch.empty() && !setArchitectureHolds(arch, *id)) {
          out_.error(value->position, "register " + id->hex() + " is an " +
                                          std::string(architectureName(id->arch())) +
                                          " register, which an " + std::string(arch) +
                                          " register set cannot hold");
        } else {
          entry.id = *id;
          have_id = true;
        }
      }
    }
    if (const Node *value = fields.present("name")) {
      if (auto name = yaml::readChecked(*value, "name", checkRegisterName, out_)) {
        const CatalogueEntry *known = (catalogue_ != nullptr && have_id) ? catalogue_->find(entry.id)
                                                                         : nullptr;
        if (known != nullptr && known->name != *name) {
          out_.error(value->position, "name " + *name + " contradicts the catalogue, which names " +
                                          entry.id.hex() + " " + known->name);
        }
        entry.name = std::move(*name);
      }
    }
    if (const Node *value = fields.present("flags")) readFlags(*value, entry);
    if (const Node *value = fields.present("value")) entry.value = yaml::readHex(*value, "value", out_);
    readProvenance(fields, entry);
    if (out_.errorCount() != errors) return std::nullopt;
    return read;
  }

  void readFlags(const Node &node, RegisterEntry &entry) {
    const auto *items = yaml::readList(node, "flags", out_);
    if (items == nullptr) return;
    for (const Node &item : *items) {
      std::optional<std::string> flag = yaml::readChecked(item, "flag", checkFlag, out_);
      if (!flag) continue;
      if (entry.hasFlag(*flag)) {
        out_.error(item.position, "flag " + *flag + " is given twice");
        continue;
      }
      entry.flags.push_back(std::move(*flag));
    }
    std::sort(entry.flags.begin(), entry.flags.end());
  }

  void readProvenance(const MapFields &fields, RegisterEntry &entry) {
    const Node *source = fields.present("source");
    const Node *probe = fields.present("probe");
    if (source != nullptr && probe != nullptr) {
      out_.error(fields.keyPosition("probe"),
                 "a register entry has one provenance: source or probe, not both");
      return;
    }
    if (source == nullptr && probe == nullptr) {
      out_.error(fields.node().position, "register entry lacks its provenance "
                                         "(source: FILE:LINE or probe: KIND:DETAIL)");
      return;
    }
    const Node &value = source != nullptr ? *source : *probe;
    entry.provenance.kind = source != nullptr ? Provenance::Kind::Source : Provenance::Kind::Probe;
    std::optional<std::string> where =
        yaml::readString(value, toString(entry.provenance.kind), out_);
    if (!where) return;
    entry.provenance.where = std::move(*where);
    if (std::optional<std::string> problem = checkProvenance(entry.provenance)) {
      out_.error(value.position, *problem);
    }
  }

  const std::filesystem::path &path_;
  const Catalogue *catalogue_;
  FileDiagnostics &out_;
};

} // namespace

std::optional<ReleaseFile> readReleaseFile(const yaml::Node &root,
                                           const std::filesystem::path &path,
                                           const Catalogue *catalogue, FileDiagnostics &out) {
  return ReleaseFileReader(path, catalogue, out).read(root);
}

} // namespace regcompat::db
