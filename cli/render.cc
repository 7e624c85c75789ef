#include "render.h"

#include <sstream>

namespace regcompat::cli {
namespace {

std::string flagList(const db::RegisterEntry &e) {
  std::string s;
  for (const auto &f : e.flags) s += (s.empty() ? "" : ",") + f;
  return s;
}

std::string valueText(const std::optional<std::uint64_t> &v) {
  return v ? JsonWriter::hex(*v) : std::string("-");
}

} // namespace

std::string entryLine(const db::Database &database, const db::RegisterEntry &entry) {
  std::ostringstream out;
  out << entry.id.hex() << "  " << entry.id.toText() << "  " << database.displayName(entry.id);
  if (!entry.name.empty() && entry.name != database.displayName(entry.id)) out << " (" << entry.name << ")";
  if (!entry.flags.empty()) out << "  [" << flagList(entry) << "]";
  if (entry.value) out << "  =" << JsonWriter::hex(*entry.value);
  if (!entry.provenance.where.empty())
    out << "  " << db::toString(entry.provenance.kind) << ":" << entry.provenance.where;
  return out.str();
}

void entryJson(JsonWriter &json, const db::Database &database, const db::RegisterEntry &entry) {
  json.beginObject()
      .field("index", entry.id.hex())
      .field("text", entry.id.toText())
      .field("name", database.nameOf(entry).value_or(""));
  json.key("flags").beginArray();
  for (const auto &f : entry.flags) json.value(f);
  json.endArray();
  if (entry.value) json.field("value", JsonWriter::hex(*entry.value));
  json.field(db::toString(entry.provenance.kind), entry.provenance.where);
  json.endObject();
}

std::string setDiffText(const db::Database &database, const db::SetDiff &diff) {
  std::ostringstream out;
  for (const auto &e : diff.added) out << "+ " << entryLine(database, e) << "\n";
  for (const auto &e : diff.removed) out << "- " << entryLine(database, e) << "\n";
  for (const auto &c : diff.changed) {
    out << "~ " << c.after.id.hex() << "  " << c.after.id.toText() << "  "
        << database.displayName(c.after.id) << ":";
    if (c.name_changed) out << " name " << c.before.name << " -> " << c.after.name << ";";
    if (c.flags_changed)
      out << " flags [" << flagList(c.before) << "] -> [" << flagList(c.after) << "];";
    if (c.value_changed) out << " value " << valueText(c.before.value) << " -> " << valueText(c.after.value) << ";";
    out << "\n";
  }
  return out.str();
}

void setDiffJson(JsonWriter &json, const db::Database &database, const db::SetDiff &diff) {
  json.beginObject();
  json.key("added").beginArray();
  for (const auto &e : diff.added) entryJson(json, database, e);
  json.endArray();
  json.key("removed").beginArray();
  for (const auto &e : diff.removed) entryJson(json, database, e);
  json.endArray();
  json.key("changed").beginArray();
  for (const auto &c : diff.changed) {
    json.beginObject().field("index", c.after.id.hex()).field("name", database.displayName(c.after.id));
    json.key("fields").beginArray();
    for (auto f : c.changedFields()) json.value(f);
    json.endArray();
    json.key("before");
    entryJson(json, database, c.before);
    json.key("after");
    entryJson(json, database, c.after);
    json.endObject();
  }
  json.endArray();
  json.endObject();
}

} // namespace regcompat::cli
