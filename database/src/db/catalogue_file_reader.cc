#include "catalogue_file_reader.h"

#include <array>
#include <map>

#include "regcompat/db/decoded_fields.h"
#include "regcompat/db/vocabulary.h"
#include "regcompat/db/yaml_reader.h"

namespace regcompat::db {
namespace {

using yaml::KeySpec;
using yaml::MapFields;
using yaml::Node;

constexpr std::array<KeySpec, 3> kFileKeys = {{
    {"schema_version", true}, {"arch", true}, {"registers", true}}};
constexpr std::array<KeySpec, 4> kEntryKeys = {{
    {"index", true}, {"name", true}, {"decoded"}, {"notes"}}};

// The value a file gives for one decoded field, in the field's own style.
std::optional<DecodedField> readField(const Node &node, const DecodedField &expected,
                                      FileDiagnostics &out) {
  DecodedField given = expected;
  std::string what = "decoded " + std::string(expected.key);
  switch (expected.style) {
    case DecodedField::Style::Decimal:
    case DecodedField::Style::Hex: {
      std::optional<std::uint64_t> number = yaml::readUnsigned(node, what, out);
      if (!number) return std::nullopt;
      given.number = *number;
      return given;
    }
    case DecodedField::Style::Boolean: {
      std::optional<bool> flag = yaml::readBool(node, what, out);
      if (!flag) return std::nullopt;
      given.number = *flag ? 1 : 0;
      return given;
    }
    case DecodedField::Style::Keyword: {
      if (node.kind != Node::Kind::Scalar) {
        out.error(node.position,
                  what + ": expected a word, found " + std::string(yaml::describe(node)));
        return std::nullopt;
      }
      given.keyword = node.text;  // points into `node`, which outlives the result's use
      return given;
    }
  }
  return std::nullopt;
}

// "decoded" is redundant with the index; when a file gives it, it must agree,
// which catches a hand-typed index that is not the register the writer meant.
void checkDecoded(const Node &node, RegisterId id, FileDiagnostics &out) {
  std::vector<DecodedField> expected = decodedFields(id);
  std::vector<KeySpec> schema;
  for (const DecodedField &field : expected) schema.push_back(KeySpec{field.key, true});
  MapFields fields(node, "decoded fields of " + id.hex(), schema, out);
  if (!fields.isMap()) return;
  for (const DecodedField &field : expected) {
    const Node *value = fields.get(field.key);
    if (value == nullptr) continue;
    std::optional<DecodedField> given = readField(*value, field, out);
    if (given && (given->number != field.number || given->keyword != field.keyword)) {
      out.error(value->position, "decoded " + std::string(field.key) + " is " + given->text() +
                                     ", but index " + id.hex() + " has " +
                                     std::string(field.key) + " " + field.text());
    }
  }
}

class CatalogueFileReader {
 public:
  CatalogueFileReader(const std::filesystem::path &path, FileDiagnostics &out)
      : path_(path), out_(out) {}

  std::optional<Catalogue> read(const Node &root) {
    MapFields fields(root, "catalogue file", kFileKeys, out_);
    if (!fields.isMap()) return std::nullopt;
    yaml::checkSchemaVersion(fields, out_);
    std::optional<Arch> arch;
    std::string arch_name;
    if (const Node *value = fields.get("arch")) {
      if (auto name = yaml::readChecked(*value, "arch", checkArchitecture, out_)) {
        if (path_.filename().string() != *name + ".yaml") {
          out_.error(value->position, "arch " + *name + " disagrees with the file name '" +
                                          path_.filename().string() +
                                          "' (catalogue files are named catalogue/<arch>.yaml)");
        }
        arch = indexArchOf(*name);
        arch_name = *name;
      }
    }
    Catalogue catalogue;
    if (const Node *value = fields.get("registers")) {
      if (const auto *items = yaml::readList(*value, "registers", out_)) {
        for (const Node &item : *items) {
          if (out_.full()) break;
          readEntry(item, arch, arch_name, catalogue);
        }
      }
    }
    if (out_.errorCount() != 0) return std::nullopt;
    return catalogue;
  }

 private:
  void readEntry(const Node &node, std::optional<Arch> arch, const std::string &arch_name,
                 Catalogue &catalogue) {
    std::size_t errors = out_.errorCount();
    MapFields fields(node, "catalogue entry", kEntryKeys, out_);
    if (!fields.isMap()) return;
    CatalogueEntry entry;
    TextPosition index_position, name_position;
    if (const Node *value = fields.get("index")) {
      index_position = value->position;
      if (std::optional<std::uint64_t> raw = yaml::readHex(*value, "index", out_)) {
        Result<RegisterId> id = RegisterId::fromIndex(*raw);
        if (!id) {
          out_.error(value->position,
                     "index " + value->text + " is not a valid register index: " + id.error());
        } else if (arch && id->arch() != *arch) {
          out_.error(value->position, "register " + id->hex() + " is an " +
                                          std::string(architectureName(id->arch())) +
                                          " register; this catalogue holds " + arch_name +
                                          " registers only");
        } else {
          entry.id = *id;
          if (const Node *decoded = fields.present("decoded")) checkDecoded(*decoded, *id, out_);
        }
      }
    }
    if (const Node *value = fields.get("name")) {
      name_position = value->position;
      entry.name = yaml::readChecked(*value, "name", checkRegisterName, out_).value_or("");
    }
    if (const Node *value = fields.present("notes")) {
      entry.notes = yaml::readString(*value, "notes", out_).value_or("");
    }
    if (out_.errorCount() != errors) return;

    auto [index_seen, fresh_index] = index_lines_.emplace(entry.id, index_position.line);
    if (!fresh_index) {
      out_.error(index_position, "register " + entry.id.hex() +
                                     " is catalogued twice (first at line " +
                                     std::to_string(index_seen->second) + ")");
      return;
    }
    auto [name_seen, fresh_name] = name_lines_.emplace(entry.name, index_position.line);
    if (!fresh_name) {
      out_.error(name_position, "name " + entry.name + " is given to two registers (first at line " +
                                    std::to_string(name_seen->second) + ")");
      return;
    }
    if (Result<RegisterId> added = catalogue.add(std::move(entry)); !added) {
      out_.error(index_position, added.error());
    }
  }

  const std::filesystem::path &path_;
  FileDiagnostics &out_;
  std::map<RegisterId, unsigned> index_lines_;
  std::map<std::string, unsigned> name_lines_;
};

} // namespace

std::optional<Catalogue> readCatalogueFile(const yaml::Node &root,
                                           const std::filesystem::path &path,
                                           FileDiagnostics &out) {
  return CatalogueFileReader(path, out).read(root);
}

} // namespace regcompat::db
