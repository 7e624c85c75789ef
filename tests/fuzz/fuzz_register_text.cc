// Fuzzes the register text parser: any bytes must give a register or an
// error, never a crash; an accepted register's text form must parse back to
// the same index, and so must its hex form.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "regcompat/register_id.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  auto parsed = regcompat::RegisterId::parse(text);
  if (!parsed) return 0;
  auto again = regcompat::RegisterId::parse(parsed->toText());
  if (!again || again->index() != parsed->index()) std::abort();
  auto fromHex = regcompat::RegisterId::parse(parsed->hex());
  if (!fromHex || fromHex->index() != parsed->index()) std::abort();
  auto encoded = regcompat::RegisterId::encode(parsed->fields());
  if (!encoded || encoded->index() != parsed->index()) std::abort();
  return 0;
}
