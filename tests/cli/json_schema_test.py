#!/usr/bin/env python3
"""Every versioned JSON output matches its documented schema (docs/schemas/).

usage: json_schema_test.py REGCOMPAT REGVM SOURCE_ROOT

Runs the commands whose JSON a pipeline parses, on the shipped databases and
policies, in each of their forms (QEMU and runtime rules, valid and invalid
input), and validates each document against its schema file with
python3-jsonschema (Draft 2020-12). Every schema file is used at least once,
and a document broken on purpose must be rejected, so the schemas constrain.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

failures = []


def run(argv, ok=(0,)):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if p.returncode not in ok:
        failures.append(f"{' '.join(argv)}: exit {p.returncode}: {p.stderr[-400:]}")
        return None
    return json.loads(p.stdout)


def main():
    rc, regvm, root = sys.argv[1:4]
    schemas_dir = os.path.join(root, "docs", "schemas")
    schemas = {}
    for name in sorted(os.listdir(schemas_dir)):
        with open(os.path.join(schemas_dir, name), encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        schemas[name.removesuffix(".schema.json")] = jsonschema.Draft202012Validator(schema)
    used = set()
    checked = 0

    def validate(kind, doc, what):
        nonlocal checked
        if doc is None:
            return
        used.add(kind)
        checked += 1
        errors = sorted(schemas[kind].iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:3]:
            failures.append(f"{what}: {kind} schema: at {list(e.absolute_path)}: {e.message[:300]}")

    real, sample = os.path.join(root, "database", "real"), os.path.join(root, "database", "sample")
    debian_policy = os.path.join(root, "database", "debian-policy.yaml")
    real_policy = os.path.join(root, "database", "real-policy.yaml")
    sample_policy = os.path.join(root, "database", "sample-policy.yaml")

    qemu_gate = run([rc, "check", "--db", real, "--policy", debian_policy, "--format", "json"], ok=(12,))
    validate("gate", qemu_gate, "check (QEMU rules)")
    validate("gate", run([rc, "check", "--db", real, "--policy", real_policy, "--rules", "runtime", "--format", "json"],
                         ok=(4,)), "check --rules runtime")
    validate("gate", run([rc, "check", "--db", sample, "--policy", sample_policy, "--compat",
                          os.path.join(root, "database", "sample-generated"), "--format", "json"]),
             "check --compat")
    validate("gate", run([rc, "check", "--db", sample, "--policy", sample_policy, "--rules", "runtime",
                          "--candidate", "7.1", "--format", "json"], ok=(4,)), "check --candidate")

    src, dst = "qemu/10.2.2/arm64/tcg/max", "qemu/10.0.13/arm64/tcg/max"
    validate("migrate-check", run([rc, "migrate-check", "--db", sample, "--source", src, "--dest", dst,
                                   "--direction", "both", "--format", "json"], ok=(1,)), "migrate-check (QEMU)")
    validate("migrate-check", run([rc, "migrate-check", "--rules", "runtime", "--db", sample, "--source", src,
                                   "--dest", dst, "--format", "json"], ok=(1,)), "migrate-check --rules runtime")

    validate("db-validate", run([rc, "db", "validate", sample, "--format", "json"]), "db validate (valid)")
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad")
        os.mkdir(bad)
        with open(os.path.join(bad, "regcompat-db.yaml"), "w") as f:
            f.write("schema_version: 1\nname: [unclosed\n")
        validate("db-validate", run([rc, "db", "validate", bad, "--format", "json"], ok=(3,)), "db validate (invalid)")

        out = os.path.join(tmp, "pipeline")
        validate("pipeline-summary", run([rc, "pipeline", "run", os.path.join(root, "release", "pipeline.yaml"),
                                          "--out", out, "--no-probe", "--format", "json"]), "pipeline run")
        with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
            validate("pipeline-summary", json.load(f), "OUT/summary.json")
        validate("gate", json.load(open(os.path.join(out, "gate", "real-policy.json"))), "pipeline's gate")

    validate("cli-spec", run([rc, "--cli-spec"]), "regcompat --cli-spec")
    validate("cli-spec", run([regvm, "--cli-spec"]), "regvm --cli-spec")

    # The schemas constrain: a verdict that is not one, a stage status with
    # free text, an unversioned document are each rejected.
    if qemu_gate is not None:
        broken = copy.deepcopy(qemu_gate)
        broken["verdict"] = "maybe"
        if schemas["gate"].is_valid(broken):
            failures.append("the gate schema accepts verdict 'maybe'")
        broken = copy.deepcopy(qemu_gate)
        del broken["schema_version"]
        if schemas["gate"].is_valid(broken):
            failures.append("the gate schema accepts a document without schema_version")
    stage_doc = {"schema_version": 1, "tool": "regcompat 0", "pipeline": "p", "ok": True, "notes": [],
                 "stages": [{"id": "x", "status": "skipped (unchanged)", "log": "l", "input_digest": None, "inputs": []}]}
    if schemas["pipeline-summary"].is_valid(stage_doc):
        failures.append("the pipeline schema accepts status 'skipped (unchanged)'")

    unused = set(schemas) - used
    if unused:
        failures.append(f"schemas no output was checked against: {sorted(unused)}")
    for f in failures:
        print("FAIL:", f)
    print(f"{checked} documents against {len(schemas)} schemas; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
