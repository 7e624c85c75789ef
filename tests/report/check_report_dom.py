#!/usr/bin/env python3
"""Checks the DOM headless Chromium built from regcompat's HTML report against
the generator's JSON report and the release gate's JSON of the same run.

usage: check_report_dom.py DOM.html GEN.json GATE.json SCREENSHOT.png
Exit 0 when every check holds; otherwise prints each failure and exits 1.
"""
import json
import struct
import sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.title = ""
        self.in_title = False
        self.sections = []   # data-machine-type of section.machine-type
        self.cells = {}      # (machine type, source, dest) -> data-status
        self.qemu_cells = {}  # (machine type, source, dest) -> data-qemu
        self.duplicates = []
        self.bars = {}       # data-set -> data-count
        self.in_svg_chart = False
        self.gate_status = None
        self.h1_closed = False
        self.first_p_after_h1 = None  # id of the first paragraph after the title
        self.ship_decision = None
        self.ship_text = None   # text of p#ship-verdict while inside it

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "title" and not self.in_svg_chart:
            self.in_title = True
        if tag == "p" and self.h1_closed and self.first_p_after_h1 is None:
            self.first_p_after_h1 = a.get("id") or ""
        if tag == "p" and a.get("id") == "ship-verdict":
            self.ship_decision = a.get("data-decision")
            self.ship_text = ""
        if tag == "section" and "machine-type" in classes:
            self.sections.append(a.get("data-machine-type"))
        if tag == "section" and a.get("id") == "gate":
            self.gate_status = int(a["data-exit-status"])
        if tag == "td" and "cell" in classes:
            key = (a.get("data-machine-type"), a.get("data-source"), a.get("data-dest"))
            if key in self.cells:
                self.duplicates.append(key)
            self.cells[key] = a.get("data-status")
            if a.get("data-qemu") is not None:
                self.qemu_cells[key] = a.get("data-qemu")
        if tag == "svg" and a.get("id") == "register-set-sizes":
            self.in_svg_chart = True
        if tag == "rect" and "bar" in classes and self.in_svg_chart:
            self.bars[a.get("data-set")] = int(a.get("data-count"))

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.h1_closed = True
        if tag == "p" and self.ship_text is not None and not isinstance(self.ship_text, tuple):
            self.ship_text = (self.ship_text,)  # closed: keep it as the final text
        if tag == "svg":
            self.in_svg_chart = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if isinstance(self.ship_text, str):
            self.ship_text += data


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    dom_path, gen_path, gate_path, png_path = sys.argv[1:5]
    dom = Dom()
    with open(dom_path, encoding="utf-8") as f:
        dom.feed(f.read())
    with open(gen_path) as f:
        gen = json.load(f)
    with open(gate_path) as f:
        gate = json.load(f)
    failures = []

    want_title = "regcompat report: " + gen["policy"]
    if dom.title != want_title:
        failures.append(f"title is {dom.title!r}, expected {want_title!r}")
    names = [m["name"] for m in gen["machine_types"]]
    if dom.sections != names:
        failures.append(f"machine type sections {dom.sections}, expected {names}")
    if dom.gate_status != gate["exit_status"]:
        failures.append(f"gate section says exit {dom.gate_status}, the gate's JSON {gate['exit_status']}")
    if dom.duplicates:
        failures.append(f"cells given twice: {dom.duplicates[:3]}")
    # The page opens with the gate's decision in one sentence, check's own.
    if dom.first_p_after_h1 != "ship-verdict":
        failures.append(f"the first paragraph after the title is #{dom.first_p_after_h1}, not #ship-verdict")
    if dom.ship_decision != gate.get("verdict"):
        failures.append(f"#ship-verdict says {dom.ship_decision}, the gate's JSON {gate.get('verdict')}")
    shown = dom.ship_text[0] if isinstance(dom.ship_text, tuple) else None
    if shown != gate.get("verdict_summary"):
        failures.append(f"#ship-verdict reads {shown!r}, the gate's JSON {gate.get('verdict_summary')!r}")

    # Expected status of every required migration: gen's runtime verdicts
    # (the cell's data-status) and the gate's, real QEMU's (its data-qemu).
    qemu = {(q["machine_type"], q["source"], q["dest"]): q["verdict"] for q in gate["migrations"]}
    if gate.get("rules") != "qemu":
        failures.append(f"the report's gate is judged by {gate.get('rules')}, expected qemu")
    platforms = {p["id"]: p for p in gen["platforms"]}
    required = 0
    for m in gen["machine_types"]:
        for mig in m["migrations"]:
            key = (m["name"], mig["source"], mig["dest"])
            required += 1
            want = ("fails" if not mig["with_table"]["loads"] else
                    "loads" if mig["without_table"]["loads"] else "loads-with-table")
            if dom.qemu_cells.get(key) != qemu.get(key):
                failures.append(f"cell {key}: data-qemu {dom.qemu_cells.get(key)}, the gate's JSON says {qemu.get(key)}")
            got = dom.cells.get(key)
            if got != want:
                failures.append(f"cell {key}: data-status {got}, gen's JSON says {want}")
        # Every other ordered pair of a group's platforms is in the matrix too.
        groups = {}
        for b in m["baselines"]:
            groups[b["group"]] = []
        running = {mig["source"] for mig in m["migrations"]} | {mig["dest"] for mig in m["migrations"]}
        for pid in running:
            p = platforms[pid]
            groups.setdefault(p["accelerator"] + "/" + p["cpu_model"], []).append(pid)
        for members in groups.values():
            for s in members:
                for d in members:
                    status = dom.cells.get((m["name"], s, d))
                    if status is None:
                        failures.append(f"no cell for {m['name']} {s} -> {d}")
                    elif s == d and status != "same-platform":
                        failures.append(f"diagonal cell {m['name']} {s}: {status}")
    if gate["checked"] != required:
        failures.append(f"the gate checked {gate['checked']} migrations, gen lists {required}")
    statuses = {}
    for s in dom.cells.values():
        statuses[s] = statuses.get(s, 0) + 1
    if statuses.get("loads", 0) + statuses.get("loads-with-table", 0) + statuses.get("fails", 0) != required:
        failures.append(f"cells {statuses} do not add up to {required} required migrations")

    # One bar per register set a platform uses, its height the migrated count.
    want_bars = {p["register_set"]: p["migrated_registers"] for p in gen["platforms"]}
    if dom.bars != want_bars:
        failures.append(f"bars {dom.bars} != register sets {want_bars}")

    size = png_size(png_path)
    if size is None:
        failures.append(f"{png_path} is not a PNG")
    elif size[0] < 800 or size[1] < 600:
        failures.append(f"screenshot is only {size[0]}x{size[1]}")

    for f in failures:
        print("FAIL:", f)
    print(f"{len(dom.cells)} cells ({statuses}), {len(dom.bars)} bars, "
          f"{len(dom.sections)} machine types, screenshot {size}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
