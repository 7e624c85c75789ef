#include "regcompat/db/set_key.h"

#include <array>
#include <optional>
#include <vector>

#include "regcompat/db/release.h"
#include "regcompat/db/vocabulary.h"

namespace regcompat::db {
namespace {

constexpr std::size_t kFields = 5;

std::vector<std::string_view> splitOnSlash(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (true) {
    std::size_t slash = text.find('/', begin);
    parts.push_back(text.substr(begin, slash == std::string_view::npos ? slash : slash - begin));
    if (slash == std::string_view::npos) return parts;
    begin = slash + 1;
  }
}

using Check = std::optional<std::string> (*)(std::string_view);
constexpr std::array<Check, kFields> kChecks = {checkComponent, checkVersion, checkArchitecture,
                                                checkAccelerator, checkProfile};

std::array<std::string *, kFields> fieldsOf(SetKey &key) {
  return {&key.component, &key.release, &key.arch, &key.accelerator, &key.profile};
}

// Fills `key` from `parts`; wildcards ("*" or "") are left empty when allowed.
Result<SetKey> build(std::string_view text, const std::vector<std::string_view> &parts,
                     bool wildcards) {
  SetKey key;
  auto fields = fieldsOf(key);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (wildcards && (parts[i].empty() || parts[i] == "*")) continue;
    if (auto problem = kChecks[i](parts[i])) {
      return fail("bad register set key '" + std::string(text) + "': " + *problem);
    }
    *fields[i] = std::string(parts[i]);
  }
  return key;
}

} // namespace

std::string SetKey::toString() const {
  return component + '/' + release + '/' + arch + '/' + accelerator + '/' + profile;
}

Result<SetKey> SetKey::parse(std::string_view text) {
  std::vector<std::string_view> parts = splitOnSlash(text);
  if (parts.size() != kFields) {
    return fail("bad register set key '" + std::string(text) +
                "': expected component/release/arch/accelerator/profile, "
                "e.g. qemu/10.0.13/arm64/tcg/cortex-a57");
  }
  return build(text, parts, false);
}

Result<SetKey> SetKey::parsePattern(std::string_view text) {
  if (text.empty()) return SetKey{};
  std::vector<std::string_view> parts = splitOnSlash(text);
  if (parts.size() > kFields) {
    return fail("bad register set pattern '" + std::string(text) +
                "': at most component/release/arch/accelerator/profile");
  }
  return build(text, parts, true);
}

bool SetKey::matches(const SetKey &pattern) const {
  auto field = [](const std::string &value, const std::string &wanted) {
    return wanted.empty() || value == wanted;
  };
  return field(component, pattern.component) && field(release, pattern.release) &&
         field(arch, pattern.arch) && field(accelerator, pattern.accelerator) &&
         field(profile, pattern.profile);
}

std::strong_ordering operator<=>(const SetKey &a, const SetKey &b) {
  if (auto order = a.component <=> b.component; order != 0) return order;
  if (auto order = compareVersions(a.release, b.release); order != 0) return order;
  if (auto order = a.arch <=> b.arch; order != 0) return order;
  if (auto order = a.accelerator <=> b.accelerator; order != 0) return order;
  return a.profile <=> b.profile;
}

} // namespace regcompat::db
