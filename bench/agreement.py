#!/usr/bin/env python3
"""Parser agreement with the feedparser reference, feedwatch beside fastfeedparser (#3's targets).

Runs `feedwatch parse` and fastfeedparser (through peer_fastfeedparser.py, when a Python with
fastfeedparser is given) over ../shared/corpus (dev, conformance, illformed), scores both
with the shared tools (compare.py: "agree/ref-nonempty" and "adjusted"; conformance_check.py),
and prints one markdown table.

usage: agreement.py --shared ../shared --feedwatch BIN --work DIR [--peer-python PY]
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The targets: (compare.py field, minimum % agreement over entries the reference fills).
TARGETS = [("title", 99.0), ("link", 99.0), ("id", 99.0), ("published", 99.0), ("body", 97.0)]


def inputs(corpus, folder):
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(corpus, folder)):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith((".json", ".jsonl")):
                out.append(os.path.relpath(os.path.join(dirpath, name), corpus))
    return out


def run_feedwatch(binary, corpus, files, out):
    for rel in files:
        dst = os.path.join(out, rel + ".jsonl")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as w:
            subprocess.run([binary, "parse", os.path.join(corpus, rel)], stdout=w, stderr=subprocess.DEVNULL,
                           timeout=60, check=False)


def run_peer(python, corpus, files, out):
    subprocess.run([python, os.path.join(HERE, "peer_fastfeedparser.py"), corpus, out] + files, check=True)


def compare(shared, out):
    report = os.path.join(out, "compare.json")
    subprocess.run([sys.executable, os.path.join(shared, "tools", "compare.py"), "--ref",
                    os.path.join(shared, "corpus", "oracle"), "--ours", out, "--only", "dev", "--worst", "0",
                    "--json", report], stdout=subprocess.DEVNULL, check=True)
    with open(report) as f:
        data = json.load(f)
    empty = sum(1 for v in data["files"].values() if v["ref_entries"] > 0 and v["cand_entries"] == 0)
    return data, empty


def conformance(shared, out):
    text = subprocess.run([sys.executable, os.path.join(shared, "tools", "conformance_check.py"), "--ours", out],
                          capture_output=True, text=True, check=True).stdout
    m = re.search(r"ALL\s+(\d+)/(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def cell(data, field):
    f = data["fields"][field]
    nonempty = 100.0 * f["agree_nonempty"] / max(f["total_nonempty"], 1)
    adjusted = data["adjusted"].get(field)
    if adjusted is None:
        return nonempty, f"{nonempty:.1f}"
    return nonempty, f"{nonempty:.1f} (adjusted {100.0 * adjusted / max(f['total'], 1):.1f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True)
    ap.add_argument("--feedwatch", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--peer-python", help="a Python that can import fastfeedparser")
    a = ap.parse_args()
    corpus = os.path.join(a.shared, "corpus")
    # conformance_check.py's cases also read corpus/illformed's feedparser files.
    files = inputs(corpus, "dev") + inputs(corpus, "conformance") + inputs(corpus, "illformed")
    parsers = [("feedwatch", os.path.join(a.work, "feedwatch"))]
    run_feedwatch(a.feedwatch, corpus, files, parsers[0][1])
    if a.peer_python:
        parsers.append(("fastfeedparser", os.path.join(a.work, "fastfeedparser")))
        run_peer(a.peer_python, corpus, files, parsers[1][1])
    scores = [(name, *compare(a.shared, out), conformance(a.shared, out)) for name, out in parsers]

    print()
    print("### Parser agreement with the feedparser reference (../shared/corpus)")
    print()
    print("compare.py on corpus/dev (agree/ref-nonempty %, and the column that forgives documented")
    print("reference quirks where compare.py has one); conformance_check.py on corpus/conformance.")
    print()
    print("| field | target | " + " | ".join(name for name, *_ in scores) + " |")
    print("|---|---|" + "---|" * len(scores))
    for field, minimum in TARGETS:
        row = [f"| {field} | ≥ {minimum:.0f} % |"]
        for _, data, _, _ in scores:
            value, text = cell(data, field)
            row.append(f" {text}{'' if value >= minimum else ' (under the target)'} |")
        print("".join(row))
    for field in ("summary", "content", "authors", "categories", "enclosures"):
        print(f"| {field} | |" + "".join(f" {cell(data, field)[1]} |" for _, data, _, _ in scores))
    print("| files with no entry where the reference has some | 0 |"
          + "".join(f" {empty} |" for _, _, empty, _ in scores))
    print("| conformance cases passed | ≥ 95 % |"
          + "".join(f" {ok}/{total} ({100.0 * ok / max(total, 1):.1f} %) |" for _, _, _, (ok, total) in scores))


if __name__ == "__main__":
    main()
