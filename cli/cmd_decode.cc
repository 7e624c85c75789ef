// `regcompat decode INDEX|NAME...`: what a register index means.
#include <iostream>
#include <variant>

#include "command.h"
#include "database_loader.h"
#include "register_lookup.h"
#include "regcompat/db/decoded_fields.h"
#include "regcompat/json_writer.h"

namespace regcompat::cli {
namespace {

struct DecodeOptions {
  std::vector<std::string> registers;
  std::string db;
  OutputFormat format = OutputFormat::Text;
};

void run(const DecodeOptions &opt) {
  RegisterLookup lookup = makeLookup(opt.db);
  std::vector<RegisterId> ids;
  for (const auto &text : opt.registers) ids.push_back(lookup.resolve(text));

  if (opt.format == OutputFormat::Json) {
    JsonWriter json;
    json.beginArray();
    for (const auto &id : ids) {
      json.beginObject()
          .field("index", id.hex())
          .field("arch", toString(id.arch()))
          .field("family", toString(id.family()))
          .field("size", id.sizeBits())
          .field("text", id.toText());
      if (auto name = lookup.nameOf(id)) json.field("name", *name);
      for (const auto &f : db::decodedFields(id)) {
        json.key(f.key);
        switch (f.style) {
        case db::DecodedField::Style::Boolean: json.value(f.number != 0); break;
        case db::DecodedField::Style::Keyword: json.value(f.keyword); break;
        default: json.value(f.number); break;
        }
      }
      json.endObject();
    }
    json.endArray();
    std::cout << json.take();
    return;
  }
  for (const auto &id : ids) {
    std::cout << id.hex() << "  " << toString(id.arch()) << " " << toString(id.family()) << "/"
              << id.sizeBits() << "  " << id.toText();
    if (auto name = lookup.nameOf(id)) std::cout << "  " << *name;
    std::cout << " ";
    for (const auto &f : db::decodedFields(id)) std::cout << " " << f.key << "=" << f.text();
    std::cout << "\n";
  }
}

} // namespace

void addDecodeCommand(CLI::App &app, int &) {
  auto opt = std::make_shared<DecodeOptions>();
  auto *cmd = app.add_subcommand(
      "decode", "Decode register indexes, text forms (S3_0_C1_C0_0, p15,0,c1,c0,0, MSR 0x174, "
                "fw:1, ...) or names into architecture, family and fields");
  cmd->add_option("register", opt->registers, "Hex index, text form or name")->required();
  cmd->add_option("--db", opt->db, "Database directory whose catalogue names registers "
                                   "(default: $REGCOMPAT_DB if set, else an installed regcompat's shipped database)");
  addFormatOption(*cmd, opt->format);
  cmd->footer(kExitCodeHelp);
  cmd->callback([opt] { run(*opt); });
}

} // namespace regcompat::cli
