#include "regcompat/db/decoded_fields.h"

#include <type_traits>

namespace regcompat::db {
namespace {

using Style = DecodedField::Style;

DecodedField number(std::string_view key, std::uint64_t value, Style style = Style::Decimal) {
  return DecodedField{key, style, value, {}};
}
DecodedField boolean(std::string_view key, bool value) {
  return DecodedField{key, Style::Boolean, value ? 1U : 0U, {}};
}
DecodedField keyword(std::string_view key, std::string_view word) {
  return DecodedField{key, Style::Keyword, 0, word};
}

std::string_view sveKind(Arm64SveFields::Kind kind) {
  switch (kind) {
    case Arm64SveFields::Kind::Z: return "z";
    case Arm64SveFields::Kind::P: return "p";
    case Arm64SveFields::Kind::Ffr: return "ffr";
    case Arm64SveFields::Kind::Vls: return "vls";
  }
  return "?";
}

// One overload per family: the keys and their order are the file format.
std::vector<DecodedField> fieldsOf(const Arm64SysregFields &f) {
  return {number("op0", f.op0), number("op1", f.op1), number("crn", f.crn),
          number("crm", f.crm), number("op2", f.op2)};
}
std::vector<DecodedField> fieldsOf(const Arm32CoprocFields &f) {
  return {number("cp", f.cp),     boolean("is64", f.is64), boolean("ns", f.ns),
          number("opc1", f.opc1), number("crn", f.crn),    number("crm", f.crm),
          number("opc2", f.opc2)};
}
std::vector<DecodedField> fieldsOf(const Arm64CoreFields &f) {
  return {number("offset", f.offset, Style::Hex), number("size_bits", f.size_bits)};
}
std::vector<DecodedField> fieldsOf(const Arm64DemuxFields &f) {
  return {number("id", f.id), number("value", f.value)};
}
std::vector<DecodedField> fieldsOf(const Arm64FirmwareFields &f) {
  return {boolean("bitmap", f.bitmap), number("number", f.number)};
}
std::vector<DecodedField> fieldsOf(const Arm64SveFields &f) {
  return {keyword("kind", sveKind(f.kind)), number("n", f.n), number("slice", f.slice)};
}
std::vector<DecodedField> fieldsOf(const X86MsrFields &f) {
  return {number("msr", f.msr, Style::Hex)};
}

} // namespace

std::string DecodedField::text() const {
  switch (style) {
    case Style::Decimal: return std::to_string(number);
    case Style::Hex: {
      static constexpr char kDigits[] = "0123456789abcdef";
      std::string digits;
      std::uint64_t rest = number;
      do {
        digits.insert(digits.begin(), kDigits[rest & 0xf]);
        rest >>= 4;
      } while (rest != 0);
      return "0x" + digits;
    }
    case Style::Boolean: return number != 0 ? "true" : "false";
    case Style::Keyword: return std::string(keyword);
  }
  return {};
}

std::vector<DecodedField> decodedFields(RegisterId id) {
  return std::visit([](const auto &fields) { return fieldsOf(fields); }, id.fields());
}

} // namespace regcompat::db
