#!/usr/bin/env bash
# The Autobahn TestSuite on both roles, every case, strict, compared with the committed
# expectation (tests/autobahn/expected-{server,client}.json).
#
#   tests/autobahn/run.sh [--quick] [--update] [--role server|client|both]
#
#   --quick   leave out the 128 KiB permessage-deflate cases (457 of 517 per role)
#   --update  rewrite the expectation files from this run instead of comparing
#             (commit them with the change that earned the new results)
#
# The server testee is examples/echo_server (permessage-deflate on, 16 MiB messages), the
# client testee examples/autobahn_client. Both roles run at once: wstest, single-threaded,
# is the bottleneck. Reports land in target/autobahn/{server,client}/. Every process this
# script starts is bounded by a timeout and stopped by its PID.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HERE=tests/autobahn
AUTOBAHN=${AUTOBAHN_DIR:-../shared/autobahn}
SERVER_PORT=${AUTOBAHN_SERVER_PORT:-9311}
FUZZER_PORT=${AUTOBAHN_FUZZER_PORT:-9312}
LIMIT=${AUTOBAHN_TIMEOUT:-1500}

quick=0 update=0 role=both
while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) quick=1 ;;
        --update) update=1 ;;
        --role) role=$2; shift ;;
        *) echo "usage: $0 [--quick] [--update] [--role server|client|both]" >&2; exit 2 ;;
    esac
    shift
done
[[ $quick == 1 && $update == 1 ]] && { echo "autobahn: --update needs a full run" >&2; exit 2; }

bash "$AUTOBAHN/setup.sh"
cargo build --release --quiet --example echo_server --example autobahn_client

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

export AUTOBAHN_AGENT=wswire AUTOBAHN_TIMEOUT=$LIMIT SUMMARIZE_ARGS="--strict --list 20"
exclude=""
[[ $quick == 1 ]] && exclude=quick
t0=$SECONDS

if [[ $role != client ]]; then
    timeout -k 5 $((LIMIT + 60)) target/release/examples/echo_server "127.0.0.1:$SERVER_PORT" \
        2> target/autobahn-echo-server.log &
    pids+=($!)
    "$AUTOBAHN/run-fuzzingclient.sh" "ws://127.0.0.1:$SERVER_PORT" target/autobahn/server "*" \
        "$exclude" > target/autobahn-server.out 2>&1 &
    server_job=$!
fi
if [[ $role != server ]]; then
    AUTOBAHN_EXCLUDE=$exclude "$AUTOBAHN/run-fuzzingserver.sh" "$FUZZER_PORT" \
        target/autobahn/client target/release/examples/autobahn_client \
        > target/autobahn-client.out 2>&1 &
    client_job=$!
fi

status=0
for side in server client; do
    [[ $role == both || $role == "$side" ]] || continue
    job_var=${side}_job
    rc=0
    wait "${!job_var}" || rc=$?
    echo "== autobahn $side role (wstest exit $rc)"
    cat "target/autobahn-$side.out"
    index=target/autobahn/$side/reports/index.json
    if [[ ! -f $index ]]; then
        echo "autobahn: no report for the $side role" >&2
        status=1
        continue
    fi
    if [[ $update == 1 ]]; then
        python3 "$HERE/results.py" extract "$index" > "$HERE/expected-$side.json"
        echo "autobahn: wrote $HERE/expected-$side.json"
    else
        subset=()
        [[ $quick == 1 ]] && subset=(--subset)
        python3 "$HERE/results.py" compare "$HERE/expected-$side.json" "$index" "${subset[@]}" \
            || status=1
    fi
    [[ $rc == 0 ]] || status=1
done
echo "autobahn: both roles took $((SECONDS - t0)) s"
exit $status
