#!/usr/bin/env bash
# Writes Sources/FeedwatchMatch/FoldTableData.swift: the matcher's folding table of the Basic
# Multilingual Plane, computed from the Unicode data of the toolchain's Foundation
# (FoldTable.computed()). Run it from the repository root after a toolchain upgrade, when the
# fold table test says the shipped table is no longer the computed one.
#   1. the test computes the table and writes the file (it fails if the old file differed);
#   2. the test again, on the new file: it must pass.
set -uo pipefail
cd "$(dirname "$0")/.."
out="$PWD/Sources/FeedwatchMatch/FoldTableData.swift"
FEEDWATCH_WRITE_FOLD_TABLE="$out" swift test --filter FoldTableTests >/dev/null 2>&1
swift test --filter FoldTableTests
