#!/usr/bin/env bash
# The Autobahn TestSuite on both roles, every case, strict, compared with the committed
# expectation (tests/autobahn/expected-{server,client}.json).
#
#   tests/autobahn/run.sh [--quick] [--update] [--role server|client|both] [--testees std|tokio]
#
#   --quick   leave out the 128 KiB permessage-deflate cases (457 of 517 per role)
#   --update  rewrite the expectation files from this run instead of comparing
#             (commit them with the change that earned the new results)
#   --testees tokio: the tokio layer's examples (wswire-tokio's tokio_echo_server and
#             tokio_autobahn_client) instead of the blocking std ones, held to the same
#             expectation: the layer moves bytes, the core decides
#
# First tests/autobahn/setup.sh installs wstest (Python 2.7 and autobahntestsuite, from
# Debian and PyPI packages) into tests/autobahn/.py27, once. The server testee is
# examples/echo_server (permessage-deflate on, 16 MiB messages) under wstest's
# fuzzingclient; the client testee is examples/autobahn_client against wstest's
# fuzzingserver. Both roles run at once: wstest, single-threaded, is the bottleneck.
# Reports and logs land in target/autobahn/{server,client}/ (target/autobahn/tokio/...
# for the tokio testees). Everything listens on 127.0.0.1 only; every process this script
# starts is bounded by a timeout and stopped by its PID.
#
# Environment: AUTOBAHN_SERVER_PORT (echo_server, default 9311), AUTOBAHN_FUZZER_PORT
# (fuzzingserver, default 9312), AUTOBAHN_TIMEOUT (seconds for each role's wstest run,
# default 1500), AUTOBAHN_PREFIX (see setup.sh), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HERE=tests/autobahn
WSTEST=$PWD/$HERE/wstest
SERVER_PORT=${AUTOBAHN_SERVER_PORT:-9311}
FUZZER_PORT=${AUTOBAHN_FUZZER_PORT:-9312}
LIMIT=${AUTOBAHN_TIMEOUT:-1500}
BIN=${CARGO_TARGET_DIR:-target}/release/examples
OUT=$PWD/target/autobahn
AGENT=wswire
# The 128 KiB permessage-deflate cases, about two thirds of a full run's time; every
# parameter combination stays in with the smaller messages.
QUICK_EXCLUDE='"12.*.10", "12.*.15", "12.*.16", "12.*.17", "12.*.18",
    "13.*.10", "13.*.15", "13.*.16", "13.*.17", "13.*.18"'

usage() {
    echo "usage: $0 [--quick] [--update] [--role server|client|both] [--testees std|tokio]" >&2
    exit 2
}
quick=0 update=0 role=both testees=std
while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) quick=1 ;;
        --update) update=1 ;;
        --role)
            [[ $# -ge 2 ]] || usage
            role=$2
            shift
            ;;
        --testees)
            [[ $# -ge 2 ]] || usage
            testees=$2
            shift
            ;;
        *) usage ;;
    esac
    shift
done
[[ $role == server || $role == client || $role == both ]] || usage
case $testees in
    std)
        server_testee=echo_server client_testee=autobahn_client
        build=(cargo build --release --quiet --example echo_server --example autobahn_client)
        ;;
    tokio)
        server_testee=tokio_echo_server client_testee=tokio_autobahn_client
        build=(cargo build --release --quiet -p wswire-tokio --features rustls
            --example tokio_echo_server --example tokio_autobahn_client)
        OUT=$OUT/tokio
        AGENT=wswire-tokio
        ;;
    *) usage ;;
esac
[[ $testees == tokio && $update == 1 ]] && {
    echo "autobahn: --update rewrites the expectation from the std testees" >&2
    exit 2
}
[[ $quick == 1 && $update == 1 ]] && {
    echo "autobahn: --update needs a full run" >&2
    exit 2
}
sides=()
[[ $role != client ]] && sides+=(server)
[[ $role != server ]] && sides+=(client)

die() {
    echo "autobahn: ERROR: $*" >&2
    exit 2
}
port_taken() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null; }
# wait_port PORT PID: until something accepts on 127.0.0.1:PORT, while PID lives (30 s).
wait_port() {
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        kill -0 "$2" 2>/dev/null || return 1
        port_taken "$1" && return 0
        sleep 0.2
    done
    return 1
}

timeout 2400 bash "$HERE/setup.sh" || die "tests/autobahn/setup.sh failed"
timeout 1800 "${build[@]}" || die "cargo build of the testees failed"

pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

exclude=""
[[ $quick == 1 ]] && exclude=$QUICK_EXCLUDE
for side in "${sides[@]}"; do
    rm -rf "${OUT:?}/$side"
    mkdir -p "$OUT/$side"
done
for port in $([[ $role != client ]] && echo "$SERVER_PORT") $([[ $role != server ]] && echo "$FUZZER_PORT"); do
    port_taken "$port" && die "port $port on 127.0.0.1 is in use (see AUTOBAHN_*_PORT above)"
done
t0=$SECONDS

# wstest runs in the role's folder: it writes a few files where it starts.
if [[ $role != client ]]; then
    cat >"$OUT/server/spec.json" <<EOF
{
  "outdir": "$OUT/server/reports",
  "servers": [{"agent": "$AGENT", "url": "ws://127.0.0.1:$SERVER_PORT"}],
  "cases": ["*"],
  "exclude-cases": [$exclude],
  "exclude-agent-cases": {}
}
EOF
    timeout -k 5 $((LIMIT + 120)) "$BIN/$server_testee" "127.0.0.1:$SERVER_PORT" \
        </dev/null 2>"$OUT/server/$server_testee.log" &
    echo_server=$!
    pids+=("$echo_server")
    wait_port "$SERVER_PORT" "$echo_server" || die "$server_testee did not listen on port $SERVER_PORT"
    (cd "$OUT/server" && exec timeout -k 10 "$LIMIT" "$WSTEST" -m fuzzingclient \
        -s spec.json) </dev/null >"$OUT/server/wstest.log" 2>&1 &
    server_job=$!
    pids+=("$server_job")
    echo "autobahn: server role: wstest fuzzingclient -> $server_testee on 127.0.0.1:$SERVER_PORT" >&2
fi
if [[ $role != server ]]; then
    cat >"$OUT/client/spec.json" <<EOF
{
  "url": "ws://127.0.0.1:$FUZZER_PORT",
  "outdir": "$OUT/client/reports",
  "cases": ["*"],
  "exclude-cases": [$exclude],
  "exclude-agent-cases": {}
}
EOF
    # -u 0: no web pages (they would take port 8080).
    (cd "$OUT/client" && exec timeout -k 10 $((LIMIT + 120)) "$WSTEST" \
        -m fuzzingserver -s spec.json -u 0) </dev/null >"$OUT/client/wstest.log" 2>&1 &
    fuzzingserver=$!
    pids+=("$fuzzingserver")
    wait_port "$FUZZER_PORT" "$fuzzingserver" || {
        tail -n 20 "$OUT/client/wstest.log" >&2
        die "wstest fuzzingserver did not listen on port $FUZZER_PORT"
    }
    AUTOBAHN_URL="ws://127.0.0.1:$FUZZER_PORT" AUTOBAHN_AGENT=$AGENT \
        timeout -k 10 "$LIMIT" "$BIN/$client_testee" </dev/null >"$OUT/client/$client_testee.log" 2>&1 &
    client_job=$!
    pids+=("$client_job")
    echo "autobahn: client role: $client_testee -> wstest fuzzingserver on 127.0.0.1:$FUZZER_PORT" >&2
fi

status=0
for side in "${sides[@]}"; do
    job_var=${side}_job
    rc=0
    wait "${!job_var}" || rc=$?
    took=$((SECONDS - t0))
    if [[ $side == server ]]; then
        what="wstest fuzzingclient"
        log=$OUT/server/wstest.log
    else
        # The fuzzingserver wrote its reports when the client asked (/updateReports).
        kill "$fuzzingserver" 2>/dev/null || true
        wait "$fuzzingserver" 2>/dev/null || true
        what=$client_testee
        log=$OUT/client/$client_testee.log
    fi
    echo "== autobahn $side role ($what exit $rc, $took s)"
    if [[ $rc == 124 || $rc == 137 ]]; then
        echo "autobahn: $what timed out after $LIMIT s (AUTOBAHN_TIMEOUT)"
    fi
    [[ $rc == 0 ]] || {
        tail -n 20 "$log"
        status=1
    }
    index=$OUT/$side/reports/index.json
    if [[ ! -f $index ]]; then
        echo "autobahn: no report for the $side role (logs in ${OUT#"$PWD"/}/$side/)"
        status=1
        continue
    fi
    python3 "$HERE/results.py" summary "$index" | tee "$OUT/$side/summary.txt" || status=1
    if [[ $update == 1 ]]; then
        python3 "$HERE/results.py" extract "$index" >"$HERE/expected-$side.json"
        echo "autobahn: wrote $HERE/expected-$side.json"
    else
        subset=()
        [[ $quick == 1 ]] && subset=(--subset)
        python3 "$HERE/results.py" compare "$HERE/expected-$side.json" "$index" "${subset[@]}" ||
            status=1
    fi
done
echo "autobahn: $testees testees, ${sides[*]} took $((SECONDS - t0)) s"
exit $status
