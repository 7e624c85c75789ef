#!/usr/bin/env python3
"""The man page and the bash completion of a program, from its command line.

The program prints its command-line definitions with a hidden `--cli-spec`
flag (clidoc/include/regcompat/clidoc/cli_spec.h); this script turns that
spec into:
  * the man page: a hand-written template whose @COMMANDS@ (a program with
    subcommands) or @OPTIONS@ (a program without) placeholder becomes the
    generated section, and @VERSION@ the program's version;
  * the bash completion: subcommands, options per command, and each option's
    values (its choices, files, directories, nothing, or a dynamic list named
    in completion_values.json).
Both are generated at build time, so neither can drift from what the program
parses. Output is deterministic: the same spec gives the same bytes.

usage: gen_cli_docs.py --spec SPEC.json --template T.1.in --values V.json
                       --man OUT.1 --completion OUT
"""
import argparse
import json
import sys

SCHEMA_VERSION = 1

# Value kinds of completion_values.json and the shell that lists them.
# "files" is the default for an option that takes a free-form value.
VALUE_KINDS = {
    "files": '@files',
    "dirs": '@dirs',
    "none": '@none',
    # Machine types as the program lists them: the text form of
    # --list-machines has one "<arch> machine types: a, b" line per arch.
    "machine_types": '@machine_types',
}
NUMERIC_TYPES = ("UINT", "INT", "FLOAT", "NUMBER")


def roff_escape(text):
    """Text for a roff line: backslashes and leading control characters."""
    text = text.replace("\\", "\\e")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def roff_name(text):
    """An option or command name: hyphens as \\- (not breakable dashes)."""
    return roff_escape(text).replace("-", "\\-")


def walk(command):
    yield command
    for sub in command["subcommands"]:
        yield from walk(sub)


def usage_of(program, command):
    """The synopsis line of one command, as roff."""
    words = ["\\fB" + roff_name(" ".join([program] + command["path"])) + "\\fR"]
    if command["options"]:
        words.append("[\\fIOPTIONS\\fR]")
    for pos in command["positionals"]:
        name = "\\fI" + roff_name(pos["name"].upper()) + "\\fR" + ("..." if pos["repeatable"] else "")
        words.append(name if pos["required"] else "[" + name + "]")
    return " ".join(words)


def option_lines(option):
    """One option as a .TP entry."""
    names = ", ".join("\\fB" + roff_name(n) + "\\fR" for n in option["names"])
    if option["takes_value"]:
        names += " \\fI" + roff_name(option["value_name"]) + "\\fR"
        if option["repeatable"]:
            names += " ..."
    out = [".TP", names]
    text = option["description"]
    if option["default"] and option["takes_value"]:
        text += " (default: " + option["default"] + ")"
    if option["required"]:
        text += " Required."
    out.append(roff_escape(text))
    return out


def documented_options(command):
    # --help and --version are said once, in the program's own section.
    return [o for o in command["options"] if not set(o["names"]) & {"--help", "--version"}]


def commands_section(spec):
    program = spec["program"]
    out = [".SH COMMANDS"]
    for command in walk(spec["command"]):
        if not command["path"] or command["subcommands"]:
            continue  # groups (db, probe, ...) only name their subcommands
        out.append('.SS "' + " ".join([program] + command["path"]) + '"')
        out.append(usage_of(program, command))
        out.append(".PP")
        out.append(roff_escape(command["description"]))
        for pos in command["positionals"]:
            out += [".TP", "\\fI" + roff_name(pos["name"].upper()) + "\\fR", roff_escape(pos["description"])]
        for option in documented_options(command):
            out += option_lines(option)
        if command["footer"]:
            out += [".PP", roff_escape(command["footer"])]
    return out


def options_section(spec):
    out = [".SH OPTIONS"]
    for option in spec["command"]["options"]:
        out += option_lines(option)
    return out


def man_page(spec, template):
    section = commands_section(spec) if spec["command"]["subcommands"] else options_section(spec)
    placeholder = "@COMMANDS@" if spec["command"]["subcommands"] else "@OPTIONS@"
    if placeholder not in template:
        raise SystemExit(f"gen_cli_docs: the template has no {placeholder} line")
    text = template.replace(placeholder, "\n".join(section)).replace("@VERSION@", spec["version"])
    return text if text.endswith("\n") else text + "\n"


def value_completion(option, overrides):
    """What completes the value of an option: words or an @kind."""
    if option["choices"]:
        return " ".join(option["choices"])
    for name in option["names"]:
        if name in overrides:
            kind = overrides[name]
            if kind not in VALUE_KINDS:
                raise SystemExit(f"gen_cli_docs: {name}: unknown value kind '{kind}'")
            return VALUE_KINDS[kind]
    if option["value_name"].split(":")[0] in NUMERIC_TYPES:
        return "@none"
    return "@files"


def bash_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def completion(spec, values):
    program = spec["program"]
    function = "_" + program.replace("-", "_")
    overrides = values.get(program, {})
    subcommands, options, option_values, positionals = [], [], [], []
    for command in walk(spec["command"]):
        key = " ".join([program] + command["path"])
        if command["subcommands"]:
            subcommands.append((key, " ".join(s["path"][-1] for s in command["subcommands"])))
        names = []
        for option in command["options"]:
            names += option["names"]
            if option["takes_value"]:
                completion_words = value_completion(option, overrides)
                for name in option["names"]:
                    option_values.append((key + " " + name, completion_words))
        options.append((key, " ".join(names)))
        if command["positionals"]:
            positionals.append(key)

    def table(name, rows):
        lines = [f"  local -A {name}=("]
        lines += [f"    [{bash_quote(k)}]={bash_quote(v)}" for k, v in rows]
        lines.append("  )")
        return lines

    out = [
        f"# bash completion for {program}(1), generated from its command-line",
        "# definitions by clidoc/gen_cli_docs.py: do not edit.",
        "# shellcheck shell=bash",
        "",
        f"{function}() {{",
        '  local cur=${COMP_WORDS[COMP_CWORD]} prev=""',
        '  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}',
    ]
    out += table("subcommands", subcommands)
    out += table("options", options)
    out += table("values", option_values)
    out.append("  local -A positionals=(" + " ".join(f"[{bash_quote(k)}]=1" for k in positionals) + ")")
    out += [
        "  # The command typed so far: subcommand words, skipping options' values.",
        f"  local path={program} i word",
        "  for ((i = 1; i < COMP_CWORD; i++)); do",
        "    word=${COMP_WORDS[i]}",
        "    if [[ $word == -* ]]; then",
        '      [[ -n ${values["$path $word"]+set} ]] && ((i++))',
        '    elif [[ " ${subcommands[$path]:-} " == *" $word "* ]]; then',
        '      path="$path $word"',
        "    fi",
        "  done",
        '  if [[ $prev == -* && -n ${values["$path $prev"]+set} ]]; then',
        '    case ${values["$path $prev"]} in',
        "      @files)",
        '        compopt -o filenames 2>/dev/null',
        '        mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;',
        "      @dirs)",
        '        compopt -o filenames 2>/dev/null',
        '        mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;',
        "      @none) COMPREPLY=() ;;",
        "      @machine_types)",
        '        local listed',
        '        listed=$("${COMP_WORDS[0]}" --list-machines 2>/dev/null |',
        "          sed -n 's/^[^ ]* machine types: //p' | tr ',' ' ')",
        '        mapfile -t COMPREPLY < <(compgen -W "$listed" -- "$cur") ;;',
        '      *) mapfile -t COMPREPLY < <(compgen -W "${values["$path $prev"]}" -- "$cur") ;;',
        "    esac",
        "    return 0",
        "  fi",
        '  if [[ $cur == -* ]]; then',
        '    mapfile -t COMPREPLY < <(compgen -W "${options[$path]:-}" -- "$cur")',
        '  elif [[ -n ${subcommands[$path]:-} ]]; then',
        '    mapfile -t COMPREPLY < <(compgen -W "${subcommands[$path]}" -- "$cur")',
        '  elif [[ -n ${positionals[$path]:-} ]]; then',
        '    compopt -o filenames 2>/dev/null',
        '    mapfile -t COMPREPLY < <(compgen -f -- "$cur")',
        "  fi",
        "  return 0",
        "}",
        f"complete -F {function} {program}",
    ]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spec", required=True, help="the program's --cli-spec output")
    parser.add_argument("--template", required=True, help="the man page template (.1.in)")
    parser.add_argument("--values", required=True, help="completion_values.json")
    parser.add_argument("--man", required=True, help="write the man page here")
    parser.add_argument("--completion", required=True, help="write the bash completion here")
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    if spec.get("schema_version") != SCHEMA_VERSION:
        raise SystemExit(f"gen_cli_docs: {args.spec}: schema_version {spec.get('schema_version')}, "
                         f"expected {SCHEMA_VERSION}")
    with open(args.template, encoding="utf-8") as f:
        template = f.read()
    with open(args.values, encoding="utf-8") as f:
        values = json.load(f)
    with open(args.man, "w", encoding="utf-8") as f:
        f.write(man_page(spec, template))
    with open(args.completion, "w", encoding="utf-8") as f:
        f.write(completion(spec, values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
