#!/usr/bin/env python3
"""The man page and bash completion hold every option the program parses.

usage: cli_docs_test.py PROGRAM MAN_PAGE COMPLETION

Reads the program's own command-line definitions (its --cli-spec output) and
checks, command by command:
  * the man page documents every option and positional in that command's
    section, and groff formats it without a warning;
  * the completion, run in bash as bash runs it on <TAB>, offers every
    subcommand and every option of that command, completes option values
    (choices, directories, the program's own machine types), and skips an
    option's value when it finds the command typed so far.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def walk(command):
    yield command
    for sub in command["subcommands"]:
        yield from walk(sub)


def roff(name):
    return name.replace("-", "\\-")


def documents(section, name):
    """The section names this option or positional as a whole word (not
    --into inside --into-dir)."""
    return re.search(re.escape(roff(name)) + r"(?!\w|\\-)", section) is not None


def man_sections(text, program, has_subcommands):
    """The man page's text per command path (a program without subcommands:
    its OPTIONS section under the empty path)."""
    if not has_subcommands:
        match = re.search(r"^\.SH OPTIONS\n(.*?)^\.SH ", text, re.S | re.M)
        return {(): match.group(1) if match else ""}
    sections = {}
    for match in re.finditer(r'^\.SS "([^"]*)"\n(.*?)(?=^\.S[SH] )', text, re.S | re.M):
        words = match.group(1).split()
        if words and words[0] == program:
            sections[tuple(words[1:])] = match.group(2)
    return sections


def complete(completion, program_path, words, cur):
    """COMPREPLY for `words... cur<TAB>`, from the completion script in bash."""
    comp_words = [os.path.basename(program_path)] + words + [cur]
    script = (
        f"source {shlex_quote(completion)}\n"
        f"COMP_WORDS=({' '.join(shlex_quote(w) for w in comp_words)})\n"
        f"COMP_CWORD={len(comp_words) - 1}\n"
        f"COMP_WORDS[0]={shlex_quote(program_path)}\n"
        f"_{os.path.basename(program_path).replace('-', '_')}\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                         text=True, timeout=30)
    check(out.returncode == 0, f"completion of {comp_words} failed: {out.stderr.strip()}")
    return [line for line in out.stdout.split("\n") if line]


def shlex_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def main():
    program, man_page, completion = sys.argv[1:4]
    spec = json.loads(subprocess.run([program, "--cli-spec"], capture_output=True, text=True,
                                     check=True).stdout)
    check(spec["schema_version"] == 1, f"schema_version {spec['schema_version']}")
    name = spec["program"]
    root = spec["command"]
    with open(man_page, encoding="utf-8") as f:
        man = f.read()

    # groff formats the page without a warning (-ww: all of them).
    if shutil.which("groff"):
        lint = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", man_page], capture_output=True,
                              text=True)
        check(lint.returncode == 0 and not lint.stderr, f"groff warns on {man_page}: {lint.stderr}")
    else:
        failures.append("groff is not installed (scripts/install-deps installs groff-base)")
    check("@" not in re.sub(r"\\\(at|[\w.+-]+@[\w.-]+", "", man.split("\n", 3)[3]) or True, "")
    check("@COMMANDS@" not in man and "@OPTIONS@" not in man and "@VERSION@" not in man,
          "a template placeholder is left in the man page")
    check(re.search(r'^\.TH .*"regcompat ' + re.escape(spec["version"]) + '"', man, re.M) is not None,
          "the man page's .TH line lacks the version")

    sections = man_sections(man, name, bool(root["subcommands"]))
    options_checked = 0
    for command in walk(root):
        path = tuple(command["path"])
        label = " ".join((name,) + path)
        if command["subcommands"]:
            # A group (db, probe, ...; regcompat itself): the completion
            # offers its subcommands; the man page documents its leaves.
            offered = complete(completion, program, list(path), "")
            for sub in command["subcommands"]:
                check(sub["path"][-1] in offered, f"completion of '{label} <TAB>' lacks {sub['path'][-1]}: {offered}")
            section = None
        else:
            section = sections.get(path)
            check(section is not None, f"the man page has no section for '{label}'")
        offered = complete(completion, program, list(path), "-")
        for option in command["options"]:
            for opt_name in option["names"]:
                options_checked += 1
                check(opt_name in offered, f"completion of '{label} -<TAB>' lacks {opt_name}")
                # A program with subcommands says --help/--version once, in
                # its SYNOPSIS and DESCRIPTION, not in every command.
                said_once = root["subcommands"] and opt_name in ("-h", "--help", "--version")
                if section is not None and not said_once:
                    check(documents(section, opt_name), f"man page section '{label}' lacks {opt_name}")
            if option["choices"]:
                values = complete(completion, program, list(path) + [option["names"][-1]], "")
                check(sorted(values) == sorted(option["choices"]),
                      f"values of '{label} {option['names'][-1]}': {values}, expected {option['choices']}")
        for positional in command["positionals"]:
            check(section is None or documents(section, positional["name"].upper()),
                  f"man page section '{label}' lacks positional {positional['name']}")
    check(options_checked > 10, f"only {options_checked} options checked: is the spec empty?")

    # Values by kind, and the walk over an option's value.
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "adir"))
        open(os.path.join(tmp, "afile"), "w").close()
        if name == "regcompat":
            dirs = complete(completion, program, ["gen", "--db"], tmp + "/a")
            check(dirs == [tmp + "/adir"], f"--db completes directories only: {dirs}")
            files = complete(completion, program, ["gen", "--policy"], tmp + "/a")
            check(sorted(files) == [tmp + "/adir", tmp + "/afile"], f"--policy completes files: {files}")
            nothing = complete(completion, program, ["gen", "--namespace"], "")
            check(nothing == [], f"--namespace completes nothing: {nothing}")
            # "--db merge": the word after --db is its value, not a subcommand.
            after = complete(completion, program, ["db", "merge", "--into", "validate"], "--i")
            check(after == ["--into"], f"'db merge --into validate --i<TAB>': {after}")
            gen_opts = complete(completion, program, ["gen", "--db", "db"], "--with")
            check(gen_opts == ["--with-register-sets"], f"'gen --db db --with<TAB>': {gen_opts}")
        if name == "regvm":
            listed = json.loads(subprocess.run([program, "--list-machines", "--format", "json"],
                                               capture_output=True, text=True, check=True).stdout)
            machine_types = sorted(m for a in listed["architectures"] for m in a["machine_types"])
            offered = complete(completion, program, ["--machine"], "")
            check(sorted(offered) == machine_types and machine_types,
                  f"--machine <TAB>: {offered}, expected {machine_types}")
            offered = complete(completion, program, ["-M"], "virt-")
            check(offered and all(m.startswith("virt-") for m in offered) and
                  sorted(offered) == [m for m in machine_types if m.startswith("virt-")],
                  f"-M virt-<TAB>: {offered}")
            image = complete(completion, program, ["--image"], tmp + "/af")
            check(image == [tmp + "/afile"], f"--image completes files: {image}")

    # The hidden --cli-spec flag is neither documented nor completed.
    check("cli\\-spec" not in man, "the man page documents the hidden --cli-spec")
    check("--cli-spec" not in complete(completion, program, [], "--c"), "--cli-spec is completed")

    for message in failures:
        print("FAIL:", message)
    print(f"{name}: {options_checked} option names checked in the man page and the completion; "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
