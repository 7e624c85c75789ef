#include "report_tree.h"

#include "regcompat/db/yaml_writer.h"
#include "regcompat/json_writer.h"

namespace regcompat::generator::report {
namespace {

void writeJson(JsonWriter &json, const Value &v) {
  switch (v.kind()) {
    case Value::Kind::Null: json.null(); break;
    case Value::Kind::String: json.value(v.text()); break;
    case Value::Kind::Integer: json.value(v.number()); break;
    case Value::Kind::Boolean: json.value(v.number() != 0); break;
    case Value::Kind::List:
      json.beginArray();
      for (const Value &item : v.items()) writeJson(json, item);
      json.endArray();
      break;
    case Value::Kind::Map:
      json.beginObject();
      for (const auto &[key, item] : v.entries()) {
        json.key(key);
        writeJson(json, item);
      }
      json.endObject();
      break;
  }
}


std::string scalar(const Value &v) {
  switch (v.kind()) {
    case Value::Kind::Null: return "null";
    case Value::Kind::String: return db::yaml::doubleQuoted(v.text());
    case Value::Kind::Integer: return std::to_string(v.number());
    case Value::Kind::Boolean: return v.number() ? "true" : "false";
    case Value::Kind::List: return "[]";
    case Value::Kind::Map: return "{}";
  }
  return "null";
}

bool isBlock(const Value &v) {
  return (v.kind() == Value::Kind::List && !v.items().empty()) ||
         (v.kind() == Value::Kind::Map && !v.entries().empty());
}

void writeYaml(std::string &out, const Value &v, std::size_t indent);

// A map's entries; the first one may continue a "- " line.
void writeEntries(std::string &out, const Value &v, std::size_t indent, bool first_inline) {
  bool first = true;
  for (const auto &[key, item] : v.entries()) {
    if (!(first && first_inline)) out.append(indent, ' ');
    first = false;
    out += key + ":";
    if (isBlock(item)) {
      out += "\n";
      writeYaml(out, item, item.kind() == Value::Kind::List ? indent : indent + 2);
    } else {
      out += " " + scalar(item) + "\n";
    }
  }
}

void writeYaml(std::string &out, const Value &v, std::size_t indent) {
  if (v.kind() == Value::Kind::Map) {
    writeEntries(out, v, indent, false);
    return;
  }
  for (const Value &item : v.items()) {
    out.append(indent, ' ');
    out += "-";
    if (item.kind() == Value::Kind::Map && !item.entries().empty()) {
      out += " ";
      writeEntries(out, item, indent + 2, true);
    } else if (isBlock(item)) {
      out += "\n";
      writeYaml(out, item, indent + 2);
    } else {
      out += " " + scalar(item) + "\n";
    }
  }
}

} // namespace

Value &Value::set(std::string_view key, Value value) {
  entries_.emplace_back(std::string(key), std::move(value));
  return entries_.back().second;
}

Value &Value::push(Value value) {
  items_.push_back(std::move(value));
  return items_.back();
}

std::string toJson(const Value &value) {
  JsonWriter json;
  writeJson(json, value);
  return json.take();
}

std::string toYaml(const Value &value) {
  std::string out = "---\n";
  if (isBlock(value)) writeYaml(out, value, 0);
  else out += scalar(value) + "\n";
  return out;
}

} // namespace regcompat::generator::report
