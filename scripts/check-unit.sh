#!/usr/bin/env bash
# Checks the systemd unit without a booted systemd:
#   - `systemd-analyze verify` prints nothing (it exits 0 on misspelt keys, so any output fails);
#   - `systemd-analyze security --offline=true` scores an exposure of at most 1.5.
# The unit is verified as installed, with ExecStart pointing at the binary built here.
# Usage: scripts/check-unit.sh UNIT [BINARY]
set -euo pipefail
unit=$1
bin=$(realpath "${2:-.build/debug/feedwatch}")
limit=1.5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#/usr/local/bin/feedwatch#$bin#g" "$unit" > "$tmp/feedwatch.service"

# verify runs `man` for each Documentation= page: point it at the pages in this repository.
out=$(MANPATH="$(realpath "$(dirname "$0")/../man"):" systemd-analyze verify "$tmp/feedwatch.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
  echo "systemd-analyze verify $unit:"; echo "$out"; exit 1
fi

score=$(systemd-analyze security --offline=true "$tmp/feedwatch.service" 2>&1 |
        sed -n 's/.*Overall exposure level for feedwatch.service: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then echo "systemd-analyze security printed no score"; exit 1; fi
if ! awk -v s="$score" -v l="$limit" 'BEGIN { exit !(s <= l) }'; then
  echo "$unit: exposure $score is above $limit"; exit 1
fi
echo "$unit: verify clean, exposure $score (limit $limit)"
