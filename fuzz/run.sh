#!/usr/bin/env bash
# Builds every fuzz target and runs each for a bounded time; exits non-zero if any target
# crashed (a panic, a broken invariant, a sanitizer report, a slow or memory-hungry input)
# or did not stop in time. Prints each target's executions and coverage.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 40; no TARGET means all of them. Environment:
#   FUZZ_PARALLEL  targets run at once (default 1; 2 on a two-core machine for long runs)
#   FUZZ_MAX_LEN   libFuzzer -max_len (default 4096)
#   FUZZ_ARGS      extra libFuzzer arguments, e.g. "-seed=1"
#
# The committed seeds (fuzz/seeds/<target>/) are merged into the working corpus
# (fuzz/corpus/<target>/, git-ignored) before each run, so the corpus grows across runs
# on one machine. A crash leaves its input in fuzz/artifacts/<target>/ and the log in
# fuzz/logs/<target>.log; docs/fuzzing.md says how to reproduce it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

SECONDS_PER_TARGET=${1:-40}
shift || true
ALL_TARGETS=(server_handshake client_handshake server_frames client_frames roundtrip
             split_invariance extensions_header frame_header_diff handshake_work)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
PARALLEL=${FUZZ_PARALLEL:-1}
MAX_LEN=${FUZZ_MAX_LEN:-4096}
read -r -a EXTRA_ARGS <<< "${FUZZ_ARGS:-}"

# cargo-fuzz passes sanitizer flags that only nightly accepts: use the nightly toolchain
# when rustup has one, else let stable accept them.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    CARGO=(cargo +nightly)
else
    export RUSTC_BOOTSTRAP=1
    CARGO=(cargo)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    timeout 1800 cargo install cargo-fuzz --locked
fi

# libfuzzer-sys compiles libFuzzer, which is C++ (the cc crate runs $CXX, else c++).
if ! command -v "${CXX:-c++}" >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "== installing g++ with apt-get (libFuzzer is C++)"
        timeout 600 apt-get -qq update
        DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -qq install -y --no-install-recommends g++
    else
        echo "fuzz: no C++ compiler (${CXX:-c++}); libFuzzer needs one: apt-get install g++" >&2
        exit 2
    fi
fi

echo "== building the fuzz targets (${CARGO[*]} fuzz build)"
timeout 1800 "${CARGO[@]}" fuzz build

mkdir -p logs
dict_for() {
    case "$1" in
        server_handshake | client_handshake | extensions_header | handshake_work)
            echo "-dict=dict/handshake.dict" ;;
    esac
}

run_target() {
    local target=$1 log="logs/$1.log"
    mkdir -p "corpus/$target" "artifacts/$target"
    if [ -d "seeds/$target" ]; then
        cp -n "seeds/$target"/* "corpus/$target/" 2>/dev/null || true
    fi
    local args=(-max_total_time="$SECONDS_PER_TARGET" -max_len="$MAX_LEN" -timeout=10
                -rss_limit_mb=2048 -print_final_stats=1)
    local dict
    dict=$(dict_for "$target")
    [ -n "$dict" ] && args+=("$dict")
    # libFuzzer stops itself at -max_total_time; `timeout` is the backstop for a hang
    # outside its loop (startup, a corpus that never finishes loading).
    local status=0
    timeout --kill-after=30 $((SECONDS_PER_TARGET + 120)) \
        "${CARGO[@]}" fuzz run "$target" "corpus/$target" -- "${args[@]}" "${EXTRA_ARGS[@]}" \
        >"$log" 2>&1 || status=$?
    echo "$status" >"logs/$target.status"
}

summary() {
    local target=$1 log="logs/$1.log" status
    status=$(cat "logs/$target.status" 2>/dev/null || echo missing)
    # libFuzzer's last status line ("#N DONE cov: X ft: Y corp: Z/...") and final stats.
    local done_line execs
    done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true)
    execs=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
    local cov ft corp
    cov=$(grep -Eo 'cov: [0-9]+' <<<"$done_line" | grep -Eo '[0-9]+' || true)
    ft=$(grep -Eo 'ft: [0-9]+' <<<"$done_line" | grep -Eo '[0-9]+' || true)
    corp=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$done_line" | cut -d' ' -f2 || true)
    printf '%-18s %-6s execs %-10s cov %-6s ft %-7s corpus %s\n' \
        "$target" "$([ "$status" = 0 ] && echo ok || echo FAIL)" \
        "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
    [ "$status" = 0 ]
}

echo "== running ${#TARGETS[@]} target(s), ${SECONDS_PER_TARGET}s each, $PARALLEL at a time"
running=0
for target in "${TARGETS[@]}"; do
    rm -f "logs/$target.status"
    echo "-- $target"
    run_target "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$PARALLEL" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

echo "== results"
failed=()
for target in "${TARGETS[@]}"; do
    summary "$target" || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
    for target in "${failed[@]}"; do
        echo "== $target failed (exit $(cat "logs/$target.status" 2>/dev/null)); end of logs/$target.log:"
        tail -n 40 "logs/$target.log"
        ls "artifacts/$target" 2>/dev/null | sed "s|^|   artifact: fuzz/artifacts/$target/|"
    done
    echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
    exit 1
fi
echo "fuzz: all ${#TARGETS[@]} target(s) clean"
