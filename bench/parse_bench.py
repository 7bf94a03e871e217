#!/usr/bin/env python3
"""Parse throughput, side by side: feedwatch beside sfeed and the limits (cat, xmllint --stream).

Usage: parse_bench.py --corpus DIR --feedwatch BIN [--runs N] [--real DIR]

Each tool reads the same files in one process (xargs; feedwatch --files-from), output to /dev/null, whole process timed
(wall and CPU from wait4, peak RSS), the tools taking turns run by run. Prints one Markdown table per set: median wall time with
min-max over the runs, MB/s and entries/s from the median, peak RSS, and the ratio to sfeed and to
xmllint. Set A is the 2,000-feed corpus (~96 MB); set B the single 50 MB feed; set R (with --real)
the real-world feeds of a folder such as ../shared/corpus/dev: the generated sets are mostly ASCII,
and real feeds in other scripts cost what they do not (stop 26 found a fifth of the time there).
"""
import argparse, json, os, resource, statistics, subprocess, sys, time

def run(cmd, cwd):
    """Wall seconds, CPU seconds and peak RSS (KiB) of one run of a shell command."""
    start = time.perf_counter()
    p = subprocess.Popen(["sh", "-c", cmd], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, code

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--feedwatch", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json")
    ap.add_argument("--real", help="a folder of real-world feed files, measured as set R")
    a = ap.parse_args()
    corpus = os.path.abspath(a.corpus)
    fw = os.path.abspath(a.feedwatch)
    manifest = [l.rstrip("\n").split("\t") for l in open(os.path.join(corpus, "manifest.tsv"))][1:]
    sets = {}
    for row in manifest:
        name, entries, size = row[0], int(row[2]), int(row[5])
        key = "A" if name.startswith("feeds/") else "B"
        s = sets.setdefault(key, {"files": [], "bytes": 0, "entries": 0})
        s["files"].append(name); s["bytes"] += size; s["entries"] += entries
    if a.real:
        files = sorted(os.path.join(os.path.abspath(a.real), n) for n in os.listdir(a.real))
        files = [f for f in files if os.path.isfile(f)]
        # Entries as feedwatch reads them (every line but a document's feed line), counted as they
        # stream: a child forked later starts from this process's peak RSS, which its figure shows.
        p = subprocess.Popen([fw, "parse", "--jobs", "1", "--files-from", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdin.write(("\n".join(files) + "\n").encode())
        p.stdin.close()
        entries = sum(1 for line in p.stdout if not line.startswith(b'{"feed"'))
        p.wait()
        sets["R"] = {"files": files, "bytes": sum(os.path.getsize(f) for f in files), "entries": entries}
    for key, s in sets.items():
        with open(os.path.join(corpus, f"set{key}.list"), "w") as f:
            f.write("\n".join(s["files"]) + "\n")
    tools = [
        ("cat", "xargs -a {list} cat > /dev/null"),
        ("xmllint --stream", "xargs -a {list} xmllint --stream --noout"),
        ("sfeed", "xargs -a {list} cat | sfeed > /dev/null"),
        # feedwatch takes the list itself: as arguments, the argument parser's cost grows with
        # the square of their number.
        ("feedwatch -j1", f"{fw} parse --jobs 1 --files-from {{list}} > /dev/null"),
        ("feedwatch", f"{fw} parse --files-from {{list}} > /dev/null"),
    ]
    results = []
    for key in sorted(sets):
        s = sets[key]
        mb = s["bytes"] / 1e6
        rows = {}
        commands = [(name, cmd.format(list=f"set{key}.list")) for name, cmd in tools]
        for _, c in commands:
            run(c, corpus)  # warm-up: page cache
        # Round by round, every tool once a round: a slow spell of this shared machine then
        # falls on every tool alike instead of on whichever ran its runs in it.
        timed = {name: [] for name, _ in commands}
        for _ in range(a.runs):
            for name, c in commands:
                timed[name].append(run(c, corpus))
        for name, _ in commands:
            runs = timed[name]
            walls = [r[0] for r in runs]
            med = statistics.median(walls)
            rows[name] = dict(tool=name, set=key, median=med, min=min(walls), max=max(walls),
                              cpu=statistics.median(r[1] for r in runs), rss=max(r[2] for r in runs),
                              mbps=mb / med, eps=s["entries"] / med, exit=max(r[3] for r in runs))
            results.append(rows[name])
        label = {"A": "A: 2,000 feeds", "B": "B: one 50 MB feed"}.get(key, f"R: {len(s['files'])} real-world feeds")
        print(f"\n### Set {label}, {mb:.1f} MB, {s['entries']:,} entries ({a.runs} runs, median [min-max])\n")
        print("| tool | wall s | CPU s | MB/s | entries/s | peak RSS MB | vs sfeed | vs xmllint |")
        print("|---|---|---|---|---|---|---|---|")
        for name, _ in tools:
            r = rows[name]
            vs_s = r["mbps"] / rows["sfeed"]["mbps"]
            vs_x = r["mbps"] / rows["xmllint --stream"]["mbps"]
            print(f"| {name} | {r['median']:.2f} [{r['min']:.2f}-{r['max']:.2f}] | {r['cpu']:.2f} | {r['mbps']:.0f} "
                  f"| {r['eps']:,.0f} | {r['rss'] / 1024:.0f} | {vs_s:.2f}x | {vs_x:.2f}x |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)

if __name__ == "__main__":
    main()
