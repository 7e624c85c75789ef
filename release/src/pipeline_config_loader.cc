// Reads release/pipeline.yaml (format: release/PIPELINE.md) with the
// database's schema-checked YAML readers, so that a pipeline file gets the
// same file:line:col diagnostics as a database file.
#include <set>

#include "regcompat/db/vocabulary.h"
#include "regcompat/db/file_text.h"
#include "regcompat/db/yaml_reader.h"
#include "regcompat/pipeline/pipeline_config.h"

namespace regcompat::pipeline {
namespace {

namespace yaml = db::yaml;
using yaml::KeySpec;
using yaml::MapFields;
using yaml::Node;

constexpr KeySpec kTopKeys[] = {{"schema_version", true}, {"name", true},
                                {"description", false},   {"database", true},
                                {"policies", true},       {"sources", false},
                                {"probe", false},         {"vm_migrations", false},
                                {"qemu_peers", false}};
constexpr KeySpec kPeerKeys[] = {{"suite", true}, {"release", true}};
constexpr KeySpec kSourcesKeys[] = {{"qemu", false}, {"linux", false}};
constexpr KeySpec kSourceKeys[] = {{"version", true}, {"arch", false}};
constexpr KeySpec kProbeKeys[] = {{"kvm", false}};
constexpr KeySpec kVmKeys[] = {{"name", true},    {"arch", true},  {"accel", true},
                               {"machine", true}, {"cpu", true},   {"guest", true},
                               {"source", true},  {"destination", true}};
constexpr KeySpec kPlatformKeys[] = {{"release", true}, {"kernel", true}};

std::optional<std::string> checkVersionText(std::string_view v) {
  if (v.empty()) return std::string("is empty");
  for (char c : v)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.'))
      return "'" + std::string(v) + "' is not a release version (digits and dots)";
  return std::nullopt;
}

std::optional<std::string> checkName(std::string_view v) {
  if (v.empty()) return std::string("is empty");
  for (char c : v)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return "'" + std::string(v) + "' may hold only letters, digits, '-', '_' and '.'";
  return std::nullopt;
}

class ConfigReader {
 public:
  ConfigReader(db::FileDiagnostics &out, std::filesystem::path base) : out_(out), base_(std::move(base)) {}

  std::filesystem::path path(const Node &node, std::string_view what) {
    auto text = yaml::readString(node, what, out_);
    if (!text) return {};
    if (text->empty()) {
      out_.error(node.position, std::string(what) + ": is empty");
      return {};
    }
    std::filesystem::path p(*text);
    return (p.is_absolute() ? p : std::filesystem::absolute(base_ / p)).lexically_normal();
  }

  std::string text(const Node *node, std::string_view what, yaml::TextCheck check = nullptr) {
    if (!node) return {};
    auto v = check ? yaml::readChecked(*node, what, check, out_) : yaml::readString(*node, what, out_);
    return v ? *v : std::string();
  }

  void sources(const Node &node, PipelineConfig &config) {
    MapFields f(node, "sources", kSourcesKeys, out_);
    for (const char *component : {"qemu", "linux"}) {
      const Node *list_node = f.present(component);
      if (!list_node) continue;
      const auto *list = yaml::readList(*list_node, std::string("sources.") + component, out_);
      if (!list) continue;
      for (const Node &item : *list) {
        MapFields s(item, std::string("a ") + component + " source", kSourceKeys, out_);
        if (!s.isMap()) continue;
        SourceRelease release;
        release.component = component;
        release.version = text(s.get("version"), "version", checkVersionText);
        if (const Node *arch = s.present("arch")) {
          if (std::string_view(component) == "qemu") {
            out_.error(s.keyPosition("arch"), "arch: qemu sources are scanned for the aarch64 target only; remove 'arch'");
          } else if (const auto *arches = yaml::readList(*arch, "arch", out_)) {
            for (const Node &a : *arches) {
              std::string value = text(&a, "arch");
              if (!value.empty() && value != "arm64" && value != "x86_64")
                out_.error(a.position, "arch: '" + value + "' is not arm64 or x86_64");
              else if (!value.empty())
                release.arches.push_back(value);
            }
          }
        } else if (std::string_view(component) == "linux") {
          out_.error(item.position, "a linux source needs 'arch' (arm64, x86_64 or both)");
        }
        config.sources.push_back(std::move(release));
      }
    }
  }

  VmPlatform platform(const Node &node, std::string_view what) {
    MapFields f(node, what, kPlatformKeys, out_);
    VmPlatform p;
    p.release = text(f.get("release"), "release", checkVersionText);
    p.kernel = text(f.get("kernel"), "kernel", checkVersionText);
    return p;
  }

  void vmMigrations(const Node &node, PipelineConfig &config) {
    const auto *list = yaml::readList(node, "vm_migrations", out_);
    if (!list) return;
    std::set<std::string> names;
    for (const Node &item : *list) {
      MapFields f(item, "a vm migration", kVmKeys, out_);
      if (!f.isMap()) continue;
      VmMigration m;
      m.line = item.position.line;
      m.name = text(f.get("name"), "name", checkName);
      if (!m.name.empty() && !names.insert(m.name).second)
        out_.error(f.keyPosition("name"), "name: '" + m.name + "' is used by two vm migrations");
      m.arch = text(f.get("arch"), "arch");
      m.accel = text(f.get("accel"), "accel");
      if (!m.arch.empty() && m.arch != "aarch64" && m.arch != "x86_64")
        out_.error(f.keyPosition("arch"), "arch: '" + m.arch + "' is not aarch64 or x86_64");
      if (!m.accel.empty() && m.accel != "tcg" && m.accel != "kvm")
        out_.error(f.keyPosition("accel"), "accel: '" + m.accel + "' is not tcg or kvm");
      if (m.arch == "x86_64" && m.accel == "tcg")
        out_.error(f.keyPosition("accel"), "accel: regvm runs x86_64 guests under kvm only");
      m.machine = text(f.get("machine"), "machine", checkName);
      m.cpu = text(f.get("cpu"), "cpu", checkName);
      m.guest = text(f.get("guest"), "guest", checkName);
      if (const Node *s = f.get("source")) m.source = platform(*s, "source");
      if (const Node *d = f.get("destination")) m.destination = platform(*d, "destination");
      config.vm_migrations.push_back(std::move(m));
    }
  }

 private:
  db::FileDiagnostics &out_;
  std::filesystem::path base_;
};

} // namespace

db::Outcome<PipelineConfig> loadPipelineConfigFromString(std::string_view text,
                                                         const std::filesystem::path &path) {
  db::DiagnosticList list;
  db::FileDiagnostics out(list, path.string());
  auto root = yaml::parseDocument(text, out);
  if (!root) return db::Outcome<PipelineConfig>::failure(list.take());

  PipelineConfig config;
  config.file = path;
  ConfigReader r(out, path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
  MapFields f(*root, "pipeline", kTopKeys, out);
  if (f.isMap()) {
    if (const Node *v = f.get("schema_version")) {
      auto n = yaml::readUnsigned(*v, "schema_version", out);
      if (n && *n != kPipelineSchemaVersion)
        out.error(v->position, "schema_version " + std::to_string(*n) +
                                   " is not supported (this regcompat reads version " +
                                   std::to_string(kPipelineSchemaVersion) + ")");
    }
    config.name = r.text(f.get("name"), "name", checkName);
    config.description = r.text(f.present("description"), "description");
    if (const Node *v = f.get("database")) config.database = r.path(*v, "database");
    if (const Node *v = f.get("policies")) {
      if (const auto *policies = yaml::readList(*v, "policies", out)) {
        if (policies->empty()) out.error(v->position, "policies: at least one policy is needed");
        for (const Node &p : *policies) config.policies.push_back(r.path(p, "policy"));
      }
    }
    if (const Node *v = f.present("sources")) r.sources(*v, config);
    if (const Node *v = f.present("probe")) {
      MapFields p(*v, "probe", kProbeKeys, out);
      if (const Node *k = p.present("kvm")) {
        auto b = yaml::readBool(*k, "probe.kvm", out);
        config.probe_kvm = b && *b;
      }
    }
    if (const Node *v = f.present("vm_migrations")) r.vmMigrations(*v, config);
    if (const Node *v = f.present("qemu_peers")) {
      if (const auto *peers = yaml::readList(*v, "qemu_peers", out)) {
        for (const Node &n : *peers) {
          MapFields p(n, "qemu_peers entry", kPeerKeys, out);
          QemuPeer peer;
          peer.suite = r.text(p.get("suite"), "suite", checkName);
          peer.release = r.text(p.get("release"), "release", db::checkVersion);
          for (const QemuPeer &other : config.qemu_peers)
            if (other.suite == peer.suite && !peer.suite.empty())
              out.error(n.position, "qemu_peers: suite '" + peer.suite + "' is listed twice");
          config.qemu_peers.push_back(peer);
        }
      }
    }
  }
  if (out.errorCount() > 0) return db::Outcome<PipelineConfig>::failure(list.take());
  return config;
}

db::Outcome<PipelineConfig> loadPipelineConfig(const std::filesystem::path &path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return db::Outcome<PipelineConfig>::failure({db::Diagnostic{path.string(), 0, 0, "is a directory, not a pipeline file"}});
  auto text = db::readInputFile(path);
  if (!text)
    return db::Outcome<PipelineConfig>::failure(
        {db::Diagnostic{path.string(), 0, 0, "cannot read the pipeline file: " + db::withoutPath(text.error(), path)}});
  return loadPipelineConfigFromString(*text, path);
}

} // namespace regcompat::pipeline
