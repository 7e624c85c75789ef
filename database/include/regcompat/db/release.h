// A release of one component (the hypervisor or the host kernel).
//
// Point releases matter (docs/real-breakages.md: QEMU 10.0.3 fixed an encoding
// that 10.0.0..10.0.2 got wrong), so the version is the full upstream version
// with its point release where one exists ("10.0.13", "6.12.48"); the
// distribution's package version, which carries its own backports, is kept
// next to it.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace regcompat::db {

struct Release {
  std::string component;  // "qemu" or "linux" (see vocabulary.h)
  std::string version;    // upstream version, e.g. "10.0.13"
  std::optional<std::string> distro_version;  // e.g. Debian "1:10.0.13+ds-1"
  std::optional<std::string> date;            // release date, YYYY-MM-DD
  std::string notes;

  bool operator==(const Release &) const = default;
};

// Orders version strings the way people read them: runs of digits compare as
// numbers ("7.2" < "10.0.13" < "10.0.100"), everything else byte-wise; ties
// (e.g. "1.0" and "1.00") are broken byte-wise so that this is a total order
// consistent with ==.
std::strong_ordering compareVersions(std::string_view a, std::string_view b);

// Orders releases by component, then version (compareVersions).
std::strong_ordering compareReleases(const Release &a, const Release &b);

} // namespace regcompat::db
