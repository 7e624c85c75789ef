#include "regcompat/runtime/register_naming.h"

#include <cstdio>

#include "regcompat/register_id.h"

namespace regcompat::runtime {

std::string formatValue(std::uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

std::string describeRegister(std::uint64_t index, const NameResolver &resolver) {
  auto id = RegisterId::fromIndex(index);
  if (!id) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(index));
    return std::string(buf) + " (invalid index)";
  }
  std::optional<std::string> name;
  if (resolver) name = resolver(index);
  if (!name || name->empty()) name = wellKnownName(*id);
  std::string text = id->hex() + " (" + id->toText();
  if (name && !name->empty()) text += ", " + *name;
  return text + ")";
}

} // namespace regcompat::runtime
