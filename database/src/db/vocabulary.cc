#include "regcompat/db/vocabulary.h"

#include <algorithm>
#include <array>

namespace regcompat::db {
namespace {

constexpr std::array<std::string_view, 2> kComponents = {"linux", "qemu"};
constexpr std::array<std::string_view, 2> kAccelerators = {"kvm", "tcg"};

struct ArchitectureInfo {
  std::string_view name;
  Arch index_arch;         // catalogue/<name>.yaml holds indexes of this arch
  bool holds_arm32_view;   // its CPUs also migrate arm32-format indexes
};
constexpr std::array<ArchitectureInfo, 3> kArchitectureInfo = {{
    {"arm32", Arch::Arm32, false},
    {"arm64", Arch::Arm64, true},
    {"x86_64", Arch::X86, false},
}};
constexpr std::array<std::string_view, 3> kArchitectures = {"arm32", "arm64", "x86_64"};

// QEMU's ARM_CP_* register types (target/arm/cpregs.h), lower-case without
// the prefix. The extractor copies them; kernel and probe sets carry none.
constexpr std::array<std::string_view, 25> kFlags = {
    "64bit",           "add_tlbi_nxs",     "alias",  "const",     "currentel",
    "dc_gva",          "dc_gzva",          "dc_zva", "el3_no_el2_c_nz",
    "el3_no_el2_keep", "el3_no_el2_undef", "fpu",    "io",        "newel",
    "no_gdb",          "no_raw",           "nop",    "nzcv",      "override",
    "raises_exc",      "sme",              "special", "suppress_tb_end",
    "sve",             "wfi",
};

// kvm: an ioctl of the running host (KVM_GET_REG_LIST, KVM_GET_MSR_INDEX_LIST);
// stream: a QEMU migration stream file that was read; qemu: a real QEMU
// binary run by `regcompat probe qemu` (package version and arguments,
// comma-separated: qemu:1:11.1.3+ds-1,-M,virt-10.0,-cpu,max).
constexpr std::array<std::string_view, 3> kProbeKinds = {"kvm", "qemu", "stream"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N> &words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

template <std::size_t N>
std::string oneOf(const std::array<std::string_view, N> &words) {
  std::string list;
  for (std::string_view word : words) {
    if (!list.empty()) list += ", ";
    list += word;
  }
  return list;
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlnum(char c) { return isLower(c) || isUpper(c) || isDigit(c); }

// [A-Za-z0-9] then [A-Za-z0-9 and `extra`]*, at most `max` characters.
std::optional<std::string> checkWord(std::string_view what, std::string_view text,
                                     std::string_view extra, std::size_t max) {
  if (text.empty()) return std::string(what) + " is empty";
  if (text.size() > max) {
    return std::string(what) + " " + quoted(text) + " is longer than " + std::to_string(max) +
           " characters";
  }
  if (!isAlnum(text.front())) {
    return std::string(what) + " " + quoted(text) + " must start with a letter or digit";
  }
  for (char c : text) {
    if (!isAlnum(c) && extra.find(c) == std::string_view::npos) {
      return std::string(what) + " " + quoted(text) + " may only hold letters, digits and " +
             quoted(extra);
    }
  }
  return std::nullopt;
}

bool isLeapYear(unsigned year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

bool hasControlOrSpace(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

} // namespace

std::span<const std::string_view> components() { return kComponents; }
std::span<const std::string_view> architectures() { return kArchitectures; }
std::span<const std::string_view> accelerators() { return kAccelerators; }
std::span<const std::string_view> knownFlags() { return kFlags; }
std::span<const std::string_view> probeKinds() { return kProbeKinds; }

std::optional<Arch> indexArchOf(std::string_view architecture) {
  for (const ArchitectureInfo &info : kArchitectureInfo) {
    if (info.name == architecture) return info.index_arch;
  }
  return std::nullopt;
}

std::string_view architectureName(Arch arch) {
  for (const ArchitectureInfo &info : kArchitectureInfo) {
    if (info.index_arch == arch) return info.name;
  }
  return "unknown";
}

bool setArchitectureHolds(std::string_view architecture, RegisterId id) {
  for (const ArchitectureInfo &info : kArchitectureInfo) {
    if (info.name != architecture) continue;
    return id.arch() == info.index_arch || (info.holds_arm32_view && id.arch() == Arch::Arm32);
  }
  return false;
}

std::optional<std::string> checkComponent(std::string_view text) {
  if (contains(kComponents, text)) return std::nullopt;
  return "unknown component " + quoted(text) + " (expected one of: " + oneOf(kComponents) + ")";
}

std::optional<std::string> checkArchitecture(std::string_view text) {
  if (contains(kArchitectures, text)) return std::nullopt;
  return "unknown architecture " + quoted(text) + " (expected one of: " +
         oneOf(kArchitectures) + ")";
}

std::optional<std::string> checkAccelerator(std::string_view text) {
  if (contains(kAccelerators, text)) return std::nullopt;
  return "unknown accelerator " + quoted(text) + " (expected one of: " +
         oneOf(kAccelerators) + ")";
}

std::optional<std::string> checkVersion(std::string_view text) {
  return checkWord("version", text, ".+~_-", 64);
}

std::optional<std::string> checkProfile(std::string_view text) {
  return checkWord("profile", text, ".+_-@", 64);
}

std::optional<std::string> checkDistroVersion(std::string_view text) {
  return checkWord("distro_version", text, ".+~:_-", 128);
}

std::optional<std::string> checkMachineType(std::string_view text) {
  return checkWord("machine type", text, ".+_-", 64);
}

std::optional<std::string> checkDate(std::string_view text) {
  auto number = [&](std::size_t from, std::size_t count) -> std::optional<unsigned> {
    unsigned value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (!isDigit(text[i])) return std::nullopt;
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return value;
  };
  std::string problem = "date " + quoted(text) + " is not a calendar date in YYYY-MM-DD form";
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return problem;
  std::optional<unsigned> year = number(0, 4), month = number(5, 2), day = number(8, 2);
  if (!year || !month || !day || *year == 0 || *month < 1 || *month > 12 || *day < 1) {
    return problem;
  }
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  unsigned days = kDays[*month - 1] + ((*month == 2 && isLeapYear(*year)) ? 1 : 0);
  if (*day > days) return problem;
  return std::nullopt;
}

std::optional<std::string> checkRegisterName(std::string_view text) {
  if (text.empty()) return std::string("register name is empty");
  if (text.size() > 128) return "register name " + quoted(text) + " is longer than 128 characters";
  if (!isLower(text.front()) && !isUpper(text.front()) && text.front() != '_') {
    return "register name " + quoted(text) + " must start with a letter or '_'";
  }
  for (char c : text) {
    if (!isAlnum(c) && c != '_' && c != '.') {
      return "register name " + quoted(text) + " may only hold letters, digits, '_' and '.'";
    }
  }
  return std::nullopt;
}

std::optional<std::string> checkFlag(std::string_view text) {
  if (contains(kFlags, text)) return std::nullopt;
  return "unknown flag " + quoted(text) + " (known flags: " + oneOf(kFlags) + ")";
}

std::optional<std::string> checkProvenance(const Provenance &provenance) {
  const std::string &where = provenance.where;
  std::size_t colon = where.rfind(':');
  if (provenance.kind == Provenance::Kind::Source) {
    std::string problem = "source " + quoted(where) + " is not FILE:LINE (e.g. target/arm/helper.c:1234)";
    if (colon == std::string::npos || colon == 0 || colon + 1 == where.size()) return problem;
    std::string_view file = std::string_view(where).substr(0, colon);
    std::string_view line = std::string_view(where).substr(colon + 1);
    if (hasControlOrSpace(file) || line.size() > 9 || line.front() == '0' ||
        !std::all_of(line.begin(), line.end(), isDigit)) {
      return problem;
    }
    return std::nullopt;
  }
  colon = where.find(':');
  std::string problem = "probe " + quoted(where) + " is not KIND:DETAIL with KIND one of: " +
                        oneOf(kProbeKinds) + " (e.g. kvm:KVM_GET_REG_LIST)";
  if (colon == std::string::npos || colon + 1 == where.size()) return problem;
  if (!contains(kProbeKinds, std::string_view(where).substr(0, colon))) return problem;
  if (hasControlOrSpace(std::string_view(where).substr(colon + 1))) return problem;
  return std::nullopt;
}

} // namespace regcompat::db
