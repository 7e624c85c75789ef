// The canonical text of each database file (SCHEMA.md, "Canonical form").
#include <algorithm>

#include "regcompat/db/decoded_fields.h"
#include "regcompat/db/saver.h"
#include "regcompat/db/yaml_writer.h"

namespace regcompat::db {
namespace {

using yaml::FlowMap;
using yaml::scalar;

std::string schemaLine() { return "schema_version: " + std::to_string(kSchemaVersion) + "\n"; }

std::string decodedMap(RegisterId id) {
  FlowMap map;
  for (const DecodedField &field : decodedFields(id)) map.add(field.key, field.text());
  return map.str();
}

std::string registerLine(const RegisterEntry &entry) {
  FlowMap map;
  map.add("index", yaml::hexIndex(entry.id.index()));
  if (!entry.name.empty()) map.add("name", scalar(entry.name));
  if (!entry.flags.empty()) {
    std::vector<std::string> flags;
    for (const std::string &flag : entry.flags) flags.push_back(scalar(flag));
    std::sort(flags.begin(), flags.end());
    map.add("flags", yaml::flowList(flags));
  }
  if (entry.value) map.add("value", yaml::hexValue(*entry.value));
  map.add(toString(entry.provenance.kind), scalar(entry.provenance.where));
  return map.str();
}

// `key: value` at `indent`, omitted when the value is empty.
void optionalLine(std::string &text, std::string_view indent, std::string_view key,
                  const std::string &value) {
  if (value.empty()) return;
  text += indent;
  text += key;
  text += ": " + scalar(value) + "\n";
}

template <typename T, typename Render>
void listLines(std::string &text, std::string_view indent, std::string_view key,
               const std::vector<T> &items, Render render) {
  text += indent;
  text += key;
  if (items.empty()) {
    text += ": []\n";
    return;
  }
  text += ":\n";
  for (const T &item : items) {
    text += indent;
    text += "  - " + render(item) + "\n";
  }
}

} // namespace

std::string renderHeaderFile(const Database &db) {
  std::string text = schemaLine();
  text += "name: " + scalar(db.name) + "\n";
  optionalLine(text, "", "description", db.description);
  return text;
}

std::string renderCatalogueFile(std::string_view architecture,
                                const std::vector<CatalogueEntry> &entries) {
  std::vector<CatalogueEntry> sorted = entries;
  std::sort(sorted.begin(), sorted.end(),
            [](const CatalogueEntry &a, const CatalogueEntry &b) { return a.id < b.id; });
  std::string text = schemaLine();
  text += "arch: " + scalar(architecture) + "\n";
  listLines(text, "", "registers", sorted, [](const CatalogueEntry &entry) {
    FlowMap map;
    map.add("index", yaml::hexIndex(entry.id.index()));
    map.add("name", scalar(entry.name));
    map.add("decoded", decodedMap(entry.id));
    if (!entry.notes.empty()) map.add("notes", scalar(entry.notes));
    return map.str();
  });
  return text;
}

std::string renderReleaseFile(const ReleaseFile &file) {
  const Release &release = file.release;
  std::string text = schemaLine();
  text += "release:\n";
  text += "  component: " + scalar(release.component) + "\n";
  text += "  version: " + scalar(release.version) + "\n";
  optionalLine(text, "  ", "distro_version", release.distro_version.value_or(""));
  optionalLine(text, "  ", "date", release.date.value_or(""));
  optionalLine(text, "  ", "notes", release.notes);

  std::vector<const RegisterSet *> sets;
  for (const RegisterSet &set : file.sets) sets.push_back(&set);
  std::sort(sets.begin(), sets.end(),
            [](const RegisterSet *a, const RegisterSet *b) { return a->key < b->key; });
  if (sets.empty()) {
    text += "register_sets: []\n";
    return text;
  }
  text += "register_sets:\n";
  for (const RegisterSet *set : sets) {
    text += "  - arch: " + scalar(set->key.arch) + "\n";
    text += "    accelerator: " + scalar(set->key.accelerator) + "\n";
    text += "    profile: " + scalar(set->key.profile) + "\n";
    optionalLine(text, "    ", "description", set->description);
    std::vector<RegisterEntry> registers = set->registers;
    std::sort(registers.begin(), registers.end(),
              [](const RegisterEntry &a, const RegisterEntry &b) { return a.id < b.id; });
    listLines(text, "    ", "registers", registers, registerLine);
  }
  return text;
}

} // namespace regcompat::db
