#!/usr/bin/env bash
# Scores `feedwatch parse` against the feedparser reference in ../shared/corpus:
#   compare.py on the real-world feeds (dev/, illformed/) and conformance_check.py on the
#   feedparser/gofeed conformance cases. Usage: scripts/score-parser.sh [BINARY] [SHARED_DIR]
set -euo pipefail
bin=${1:-.build/release/feedwatch}
shared=${2:-../shared}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd_corpus="$shared/corpus"
while IFS= read -r -d '' f; do
  rel=${f#"$cd_corpus/"}
  mkdir -p "$out/$(dirname "$rel")"
  timeout 20 "$bin" parse "$f" > "$out/$rel.jsonl" 2>/dev/null || true
done < <(find "$cd_corpus/dev" "$cd_corpus/illformed" "$cd_corpus/conformance" -type f \
           ! -name '*.jsonl' ! -name '*.json' -print0)
echo "== compare.py, corpus/dev"
python3 "$shared/tools/compare.py" --ref "$cd_corpus/oracle" --ours "$out" --only dev --worst 10
echo "== compare.py, corpus/illformed"
python3 "$shared/tools/compare.py" --ref "$cd_corpus/oracle" --ours "$out" --only illformed --worst 5
echo "== conformance_check.py"
python3 "$shared/tools/conformance_check.py" --ours "$out" --show "${SHOW:-0}"
