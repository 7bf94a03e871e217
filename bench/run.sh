#!/usr/bin/env bash
# `make bench`: feedwatch side by side with its peers on this machine, in one run.
# Installs the peers it needs (Debian packages), builds feedwatch in release mode, generates the
# deterministic corpus from ../shared/bench/gen_corpus.py into bench/.work/ (kept between runs),
# and prints the tables BENCHMARKS.md shows. RUNS=N sets the runs per figure (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
WORK=bench/.work
RUNS=${RUNS:-5}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

missing=""
for p in sfeed libxml2-utils python3 python3-venv nginx-light newsboat curl gzip; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

swift build -c release >&2
mkdir -p "$WORK"
if [ ! -f "$WORK/corpus/manifest.tsv" ]; then
  echo "generating the corpus (deterministic, seed fixed by gen_corpus.py)" >&2
  python3 "$SHARED/bench/gen_corpus.py" "$WORK/corpus" >/dev/null
fi

echo "## feedwatch parse benchmark — $(date -u +%Y-%m-%d)"
echo
echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr);"
echo "feedwatch $(.build/release/feedwatch --version), sfeed $(dpkg-query -W -f='${Version}' sfeed), libxml2 $(dpkg-query -W -f='${Version}' libxml2)."
python3 bench/parse_bench.py --corpus "$WORK/corpus" --feedwatch .build/release/feedwatch --runs "$RUNS" \
  --real "$SHARED/corpus/dev" --json "$WORK/parse.json"
( cd "$WORK/corpus" && ls feeds/*.xml > setAB.list && ls big/*.xml >> setAB.list )
python3 bench/poll_bench.py --corpus "$WORK/corpus" --feedwatch "$PWD/.build/release/feedwatch" \
  --nginx-conf "$SHARED/bench/nginx/nginx.conf.in" --work "$WORK/poll"
python3 bench/match_bench.py --generator "$SHARED/bench/gen_corpus.py" --feedwatch "$PWD/.build/release/feedwatch" \
  --config config/feedwatch.toml --vocabulary "$SHARED/corpus/dev" --work "$WORK" --runs "$RUNS"
# Parser agreement: feedwatch beside fastfeedparser (from PyPI, in a venv of its own).
if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c 'import fastfeedparser' 2>/dev/null; then
  python3 -m venv "$WORK/venv" >&2 && "$WORK/venv/bin/pip" install -q "fastfeedparser==${FASTFEEDPARSER:-0.6.5}" >&2 \
    || echo "fastfeedparser could not be installed; agreement is shown for feedwatch alone" >&2
fi
peer=()
"$WORK/venv/bin/python" -c 'import fastfeedparser' 2>/dev/null && peer=(--peer-python "$WORK/venv/bin/python")
python3 bench/agreement.py --shared "$SHARED" --feedwatch .build/release/feedwatch --work "$WORK/agreement" "${peer[@]}"
python3 bench/deliver_bench.py --feedwatch "$PWD/.build/release/feedwatch" --work "$WORK/deliver" --runs "$RUNS"
# The store: new-or-seen classification with 1M and 10M stories already recorded (its own package,
# so that it never slows feedwatch's build). STORE_SIZES overrides the sizes.
# A build folder left from an older tree can miss files added to the main package since ("cannot
# find ... in scope"): build afresh once if the incremental build fails.
( cd bench/store && { swift build -c release >&2 || { rm -rf .build && swift build -c release >&2; }; } )
echo
echo "### Store: new-or-seen classification (polls of 50 stories on random feeds)"
echo
echo "| stories stored | seeding, stories/s | polls all seen, stories/s | polls 10 % new, stories/s | store MB | bytes/story |"
echo "|---|---|---|---|---|---|"
for n in ${STORE_SIZES:-1000000 10000000}; do
  bench/store/.build/release/store-bench --stories "$n" --dir "$WORK/store-$n"
  rm -rf "$WORK/store-$n"
done
# The daemon's memory over 1,000 one-second cycles (~17 min), last and alone: beside the rest,
# its first cycle of 1,000 feeds and its cycles after took CPU from the figures measured then,
# and more from feedwatch's two threads than from a one-threaded peer (the 10,000-feed cold cycle
# took 22 s beside it, 17-19 s alone).
python3 bench/daemon_bench.py --feedwatch "$PWD/.build/release/feedwatch" --work "$WORK/daemon" \
  --cycles "${DAEMON_CYCLES:-1000}" > "$WORK/daemon.md" 2>&1
grep -v '\[notice\]' "$WORK/daemon.md"
