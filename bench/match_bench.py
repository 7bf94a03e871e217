#!/usr/bin/env python3
"""Watch matching throughput with 1, 100 and 1,000 watches, side by side in one run.

Usage: match_bench.py --generator GEN_CORPUS_PY --feedwatch BIN --config SHIPPED_CONFIG --work DIR
                      --vocabulary DIR [--stories 100000] [--runs N]

The stories: the first 100,000 or so (whole feeds, in order) of a corpus that
../shared/bench/gen_corpus.py writes into WORK/match-corpus, with its fixed seed, once; its first
2,000 feeds are set A of the parse benchmark. Titles, summaries and contents. One watch is the
shipped iraq-coalition watch; 100 and 1,000 add generated watches of the same shape and size (an
OR-list of words, phrases and prefixes, AND another, NOT a third) over words drawn, with a fixed
seed, from the titles of the real-world feeds in ../shared/corpus/dev (news vocabulary). With the
one shipped watch most stories match nothing, as in real use; the generated corpus draws on a
small vocabulary, so with 1,000 watches two thirds of the stories match at least one (3.3
watches each, 78 term hits per story, 59 % of the words being some watch's term): a heavy case, where
looking up, evaluating and explaining the matches weighs. `feedwatch match` times the matching
stage alone, in CPU time of its thread (scanning and folding, looking up, evaluating every watch,
explaining the matches) and reports it on stderr; parsing is not counted.
"""
import argparse, os, random, re, statistics, subprocess

def vocabulary(directory, limit=4000):
    words = {}
    for name in sorted(os.listdir(directory)):
        text = open(os.path.join(directory, name), encoding="utf-8", errors="replace").read()
        for t in re.findall(r"<title>([^<]*)</title>", text):
            for w in re.findall(r"[A-Za-z][a-z]{3,}", t):
                words[w] = words.get(w, 0) + 1
    # Skip the hundred most frequent words: a real watch names things, not "said" or "after".
    return [w for w, _ in sorted(words.items(), key=lambda kv: -kv[1])[100:100 + limit]]

def generated_watch(i, rng, vocab):
    def term():
        w = rng.choice(vocab)
        r = rng.random()
        if r < 0.2:
            return f'"{w} {rng.choice(vocab)}"'
        if r < 0.35 and len(w) >= 6:
            return w[:6] + "*"
        return w
    a = " OR ".join(term() for _ in range(4))
    b = " OR ".join(term() for _ in range(3))
    return f'[[watch]]\nname = "w{i}"\nmatch = \'({a}) AND ({b}) NOT {rng.choice(vocab)}\'\noutputs = ["null"]\n'

def first_feeds(corpus, stories):
    """The corpus's first feeds, in order, until `stories` stories; None when it holds fewer
    (or has not been generated)."""
    manifest = os.path.join(corpus, "manifest.tsv")
    if not os.path.exists(manifest):
        return None
    names, total = [], 0
    with open(manifest) as f:
        next(f)
        for row in f:
            name, _, items = row.split("\t")[:3]
            names.append(name)
            total += int(items)
            if total >= stories:
                return names
    return None

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generator", required=True, help="../shared/bench/gen_corpus.py")
    ap.add_argument("--stories", type=int, default=100_000)
    ap.add_argument("--feedwatch", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", required=True)
    ap.add_argument("--vocabulary", required=True, help="a folder of real feeds whose titles give the watch words")
    a = ap.parse_args()
    corpus = os.path.join(os.path.abspath(a.work), "match-corpus")
    names = first_feeds(corpus, a.stories)
    if names is None:
        # Feeds hold 33 stories on average: 3,400 feeds give 109,223.
        subprocess.run(["python3", a.generator, corpus, "--files", str(a.stories * 34 // 1000), "--big-mb", "0"],
                       check=True, stdout=subprocess.DEVNULL)
        names = first_feeds(corpus, a.stories)
        if names is None:
            raise SystemExit(f"{corpus}: fewer than {a.stories} stories generated")
    with open(os.path.join(corpus, "match.list"), "w") as f:
        f.write("\n".join(names) + "\n")
    vocab = vocabulary(a.vocabulary)
    shipped = open(a.config).read()
    # The shipped file with its outputs replaced by one that discards: only the watches matter here.
    base = re.sub(r"\[\[output\]\][^\[]*", "", shipped)
    base = base.replace('outputs = ["events"]', 'outputs = ["null"]')
    # Every row reads the whole text: the shipped watch's `fields` (headline, summary, categories)
    # would spare the one-watch row the scan of article bodies that the generated watches need,
    # and the rows would no longer differ only in the number of watches.
    base = re.sub(r"(?m)^fields = .*\n", "", base)
    base += '\n[[output]]\nname = "null"\ntype = "jsonl"\npath = "/dev/null"\n'
    configs = {}
    for n in (1, 100, 1000):
        rng = random.Random(20241130 + n)
        cfg = os.path.join(os.path.abspath(a.work), f"watches-{n}.toml")
        with open(cfg, "w") as f:
            f.write(base)
            for i in range(n - 1):
                f.write(generated_watch(i, rng, vocab))
        configs[n] = cfg
    # Each run measures 1, 100 and 1,000 watches in turn, so that a slow spell of this shared
    # machine weighs on every row alike, not on one.
    rates = {n: [] for n in configs}
    matched = {}
    for _ in range(a.runs):
        for n, cfg in configs.items():
            p = subprocess.run(["sh", "-c", f"{a.feedwatch} match -c {cfg} --files-from match.list > /dev/null"],
                               cwd=corpus, capture_output=True, text=True)
            m = re.search(r"(\d+) of (\d+) stories match; matching took (\d+) ms of CPU \((\d+) stories/s", p.stderr)
            if not m:
                raise SystemExit(f"feedwatch match failed:\n{p.stderr}")
            rates[n].append(int(m.group(4)))
            matched[n] = f"{m.group(1)} of {m.group(2)}"
    rows = [(n, statistics.median(r), min(r), max(r), matched[n]) for n, r in rates.items()]
    print(f"\n### Matching ({a.runs} runs, median [min-max])\n")
    print("| watches | stories/s | stories matched | vs 1 watch |")
    print("|---|---|---|---|")
    for n, med, lo, hi, matched in rows:
        print(f"| {n:,} | {med:,.0f} [{lo:,}-{hi:,}] | {matched} | {rows[0][1] / med:.2f}x slower |")

if __name__ == "__main__":
    main()
