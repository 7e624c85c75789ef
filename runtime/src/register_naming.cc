#include "regcompat/runtime/register_naming.h"

#include <cstdio>

#include "regcompat/hex_format.h"
#include "regcompat/register_id.h"

namespace regcompat::runtime {

std::string formatValue(std::uint64_t value) { return hexValue(value); }

std::string describeRegister(std::uint64_t index, const NameResolver &resolver) {
  auto id = RegisterId::fromIndex(index);
  if (!id) {
    return hexIndex(index) + " (invalid index)";
  }
  std::optional<std::string> name;
  if (resolver) name = resolver(index);
  if (!name || name->empty()) name = wellKnownName(*id);
  std::string text = id->hex() + " (" + id->toText();
  if (name && !name->empty()) text += ", " + *name;
  return text + ")";
}

} // namespace regcompat::runtime
