// The command line as data: every command of a CLI11 app with its options
// and positionals, as JSON (schema_version 1). The build turns it into the
// man page and the bash completion (clidoc/gen_cli_docs.py), so neither can
// drift from the definitions the program parses with. Programs expose it
// with a hidden `--cli-spec` flag (addCliSpecFlag).
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "regcompat/json_writer.h"

namespace regcompat::clidoc {

inline constexpr int kCliSpecSchemaVersion = 1;

// The values a validator admits, from the type name CLI11 shows for it:
// "TEXT:{qemu,runtime}" (IsMember) or "ENUM:value in {json->1,text->0} OR
// {1,0}" (CheckedTransformer: the names before "->"). Empty when free-form.
inline std::vector<std::string> choicesOf(const std::string &typeName) {
  const auto open = typeName.find('{');
  const auto close = typeName.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::vector<std::string> out;
  std::string item;
  const std::string body = typeName.substr(open + 1, close - open - 1);
  for (std::size_t i = 0; i <= body.size(); ++i) {
    if (i == body.size() || body[i] == ',') {
      const auto arrow = item.find("->");
      if (!item.empty()) out.push_back(arrow == std::string::npos ? item : item.substr(0, arrow));
      item.clear();
    } else {
      item += body[i];
    }
  }
  return out;
}

// The placeholder a man page shows for an option's value: the choices
// ("qemu|runtime"), else CLI11's type ("TEXT", "UINT").
inline std::string valueNameOf(const CLI::Option &opt) {
  const std::string type = opt.get_type_name();
  const auto choices = choicesOf(type);
  if (!choices.empty()) {
    std::string joined;
    for (const auto &c : choices) joined += (joined.empty() ? "" : "|") + c;
    return joined;
  }
  return type.substr(0, type.find(':'));
}

// Options in a group named "" are hidden from --help, and from the spec.
inline bool isHidden(const CLI::Option &opt) { return opt.get_group().empty(); }

inline void writeOption(JsonWriter &w, const CLI::Option &opt) {
  w.beginObject().key("names").beginArray();
  for (const auto &s : opt.get_snames()) w.value("-" + s);
  for (const auto &l : opt.get_lnames()) w.value("--" + l);
  w.endArray();
  // Flags expect no argument (CLI11's expected(0)).
  const bool takesValue = opt.get_expected_max() > 0;
  w.field("takes_value", takesValue);
  if (takesValue) w.field("value_name", valueNameOf(opt));
  else w.key("value_name").null();
  w.key("choices").beginArray();
  for (const auto &c : choicesOf(opt.get_type_name())) w.value(c);
  w.endArray();
  w.field("repeatable", takesValue && (opt.get_expected_max() > 1 ||
                                       opt.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll));
  w.field("required", opt.get_required());
  w.field("default", opt.get_default_str());
  w.field("description", opt.get_description());
  w.endObject();
}

inline void writeCommand(JsonWriter &w, const CLI::App &cmd, const std::vector<std::string> &path) {
  w.beginObject().key("path").beginArray();
  for (const auto &p : path) w.value(p);
  w.endArray();
  w.field("description", cmd.get_description());
  // Subcommands inherit their parent's footer; only a footer of their own
  // (check's exit bits) is theirs to document.
  const CLI::App *parent = cmd.get_parent();
  if (parent != nullptr && cmd.get_footer() == parent->get_footer()) w.key("footer").null();
  else w.field("footer", cmd.get_footer());
  const auto subs = cmd.get_subcommands([](const CLI::App *sub) { return !sub->get_group().empty(); });
  w.field("requires_subcommand", cmd.get_require_subcommand_min() > 0);
  w.key("options").beginArray();
  for (const CLI::Option *opt : cmd.get_options([](const CLI::Option *o) { return o->nonpositional(); }))
    if (!isHidden(*opt)) writeOption(w, *opt);
  w.endArray().key("positionals").beginArray();
  for (const CLI::Option *opt : cmd.get_options([](const CLI::Option *o) { return !o->nonpositional(); })) {
    w.beginObject().field("name", opt->get_name()).field("value_name", valueNameOf(*opt));
    w.field("repeatable", opt->get_expected_max() > 1).field("required", opt->get_required());
    w.field("description", opt->get_description()).endObject();
  }
  w.endArray().key("subcommands").beginArray();
  for (const CLI::App *sub : subs) {
    auto subPath = path;
    subPath.push_back(sub->get_name());
    writeCommand(w, *sub, subPath);
  }
  w.endArray().endObject();
}

inline std::string cliSpecJson(const CLI::App &app, const std::string &program, const std::string &version) {
  JsonWriter w;
  w.beginObject().field("schema_version", kCliSpecSchemaVersion);
  w.field("program", program).field("version", version);
  w.key("command");
  writeCommand(w, app, {});
  w.endObject();
  return w.take();
}

// A hidden `--cli-spec` flag: prints the spec and exits 0 before any
// required option or subcommand is checked (like --version). The app must
// be fully built when the flag is parsed, which holds for flags given on
// the command line.
inline void addCliSpecFlag(CLI::App &app, const std::string &program, const std::string &version) {
  app.add_flag_callback(
         "--cli-spec",
         [&app, program, version] {
           std::cout << cliSpecJson(app, program, version);
           throw CLI::Success();
         },
         "Print the command-line definitions as JSON (for the man page and completion generator)")
      ->group("")
      ->trigger_on_parse();
}

} // namespace regcompat::clidoc
