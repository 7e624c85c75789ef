#include "story.h"

#include <algorithm>
#include <map>
#include <optional>

#include "identifiers.h"
#include "regcompat/db/release.h"

namespace regcompat::generator {
namespace {

// One register's state in one component release of one group.
struct ReleaseState {
  std::string release;
  bool present = false;
  std::uint64_t value = 0;
};

// The group's distinct component releases, oldest first (platforms are in
// product, kernel order; a kvm group's kernels are sorted separately).
std::vector<ReleaseState> history(const PlatformSet &set, const std::vector<std::size_t> &group,
                                  RegisterId id) {
  std::vector<std::pair<std::string, const Platform *>> releases;
  for (std::size_t p : group) {
    const Platform &platform = set.platforms[p];
    const std::string &release = set.componentRelease(platform);
    bool seen = false;
    for (const auto &r : releases) seen = seen || r.first == release;
    if (!seen) releases.emplace_back(release, &platform);
  }
  std::stable_sort(releases.begin(), releases.end(), [](const auto &a, const auto &b) {
    return db::compareVersions(a.first, b.first) < 0;
  });
  std::vector<ReleaseState> out;
  for (const auto &[release, platform] : releases) {
    const runtime::LocalRegister *reg = platform->find(id.index());
    out.push_back({release, reg != nullptr, reg ? reg->value : 0});
  }
  return out;
}

// Appends `group` to the story `text`, merging groups that tell the same one.
void addStory(std::vector<std::pair<std::string, std::vector<std::string>>> &stories,
              const std::string &text, const std::string &group) {
  for (auto &[story, groups] : stories) {
    if (story == text) {
      groups.push_back(group);
      return;
    }
  }
  stories.push_back({text, {group}});
}

std::string joinStories(const std::vector<std::pair<std::string, std::vector<std::string>>> &stories) {
  std::string out;
  for (const auto &[story, groups] : stories) {
    if (!out.empty()) out += "; ";
    out += story + " [";
    for (std::size_t i = 0; i < groups.size(); ++i) out += (i ? ", " : "") + groups[i];
    out += "]";
  }
  return out;
}

} // namespace

std::string presenceStory(const PlatformSet &set, const MachineTypeGraph &graph, RegisterId id) {
  std::vector<std::pair<std::string, std::vector<std::string>>> stories;
  for (const std::string &g : graph.groups(set)) {
    const auto group = graph.group(set, g);
    const std::string component(set.platforms[group.front()].component());
    const auto h = history(set, group, id);
    std::string text;
    for (std::size_t i = 1; i < h.size(); ++i) {
      if (h[i].present == h[i - 1].present) continue;
      if (!text.empty()) text += "; ";
      text += component + " " + h[i].release + (h[i].present ? " added it (" : " dropped it (") +
              component + " " + h[i - 1].release + (h[i].present ? " lacks it)" : " has it)");
    }
    if (!text.empty()) addStory(stories, text, g);
  }
  return stories.empty() ? "present on some platforms only" : joinStories(stories);
}

std::string valueStory(const PlatformSet &set, const MachineTypeGraph &graph, RegisterId id) {
  std::vector<std::pair<std::string, std::vector<std::string>>> stories;
  for (const std::string &g : graph.groups(set)) {
    const auto group = graph.group(set, g);
    const std::string component(set.platforms[group.front()].component());
    std::string text;
    std::optional<std::uint64_t> last;
    bool changed = false;
    for (const ReleaseState &s : history(set, group, id)) {
      if (!s.present || (last && *last == s.value)) continue;
      changed = changed || last.has_value();
      text += (text.empty() ? "" : ", ") + component + " " + s.release + " " + hexValue(s.value);
      last = s.value;
    }
    if (changed) addStory(stories, text, g);
  }
  return stories.empty() ? "value differs between platforms" : joinStories(stories);
}

std::string edgeLabel(const PlatformSet &set, const MigrationEdge &edge) {
  return set.platforms[edge.source].id + " -> " + set.platforms[edge.dest].id;
}

std::string neededBy(const PlatformSet &set, const MachineTypeGraph &graph,
                     const std::vector<std::size_t> &edges) {
  if (edges.empty()) return "";
  const std::string first = edgeLabel(set, graph.edges[edges.front()]);
  if (edges.size() == 1) return "so that " + first + " loads";
  return "so that " + std::to_string(edges.size()) + " required migrations load, e.g. " + first;
}

std::string baselineText(const PlatformSet &set, const MachineTypeGraph &graph) {
  std::vector<std::pair<std::string, std::vector<std::string>>> bases;
  for (const std::string &g : graph.groups(set)) {
    const Platform &p = set.platforms[*graph.baseline(set, g)];
    addStory(bases, set.products[p.product]->release + "/" + p.kernel, g);
  }
  if (bases.size() == 1) return graph.name() + " baseline " + bases.front().first;
  return graph.name() + " baseline " + joinStories(bases);
}

} // namespace regcompat::generator
