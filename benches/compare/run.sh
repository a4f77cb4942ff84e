#!/usr/bin/env bash
# Builds the comparison and runs it: run.sh verify|quick|full [--only TEXT] [--out FILE]
#   verify: every subject's output checked, no timings (seconds; what CI runs)
#   quick:  timings and memory, under a minute
#   full:   timings and memory with stable medians, about ten minutes
# The JSON lines go to $target/results/MODE.jsonl (or --out FILE); the summary to stderr.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

mode=${1:-}
case "$mode" in
    verify | quick | full) shift ;;
    *)
        echo "usage: $0 verify|quick|full [--only TEXT] [--out FILE]" >&2
        exit 2
        ;;
esac

target=${CARGO_TARGET_DIR:-target}
cargo build --release --bins
mkdir -p "$target/results"
"$target/release/compare" "$mode" --out "$target/results/$mode.jsonl" "$@"
