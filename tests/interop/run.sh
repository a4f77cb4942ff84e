#!/usr/bin/env bash
# wswire's interoperability tests: the echo_server example against Python `websockets`,
# Node `ws` and headless Chromium clients; the h2_server example (WebSockets over HTTP/2,
# RFC 8441, over TLS) against headless Chromium; the echo_client example against
# `websockets` and `ws` servers. Needs tests/interop/setup.sh first. Only 127.0.0.1 is used.
#
# INTEROP_VERBOSE=1 shows every driver's stderr; INTEROP_KEEP=1 keeps the logs (the
# echo_servers' among them) in the temporary folder it names.
#
# Prints one line per check (`ok   PEER CHECK [- detail]` / `FAIL PEER CHECK: why`) and a
# summary line; exits 1 if any check failed, 2 if it could not run at all.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="$HERE/.venv/bin/python"
NODE_DIR="$HERE/node"
CHROMIUM=/usr/bin/chromium
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET/release/examples"

BUILD_LIMIT=900  # seconds: cargo build --release --examples
SERVER_LIMIT=600 # seconds an echo_server may live (stopped by the trap well before)
DRIVER_LIMIT=300 # seconds for one driver (each of its steps has its own, shorter limit)

die() {
    printf 'run.sh: ERROR: %s\n' "$*" >&2
    exit 2
}

[ -x "$PY" ] || die "no Python venv at $HERE/.venv: run bash tests/interop/setup.sh first"
# Node.js from PyPI, where setup.sh found no node >= 20 on the machine.
[ -x "$HERE/.venv/node-bin/node" ] && PATH="$HERE/.venv/node-bin:$PATH"
command -v node >/dev/null || die "node not found: run bash tests/interop/setup.sh first"
for module in ws playwright-core; do
    [ -d "$NODE_DIR/node_modules/$module" ] ||
        die "no $NODE_DIR/node_modules/$module: run bash tests/interop/setup.sh first"
done
[ -x "$CHROMIUM" ] || die "no $CHROMIUM: run bash tests/interop/setup.sh first"
command -v timeout >/dev/null || die "timeout (coreutils) not found"

START=$SECONDS
WORK="$(mktemp -d "${TMPDIR:-/tmp}/wswire-interop.XXXXXX")"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    if [ -n "${INTEROP_KEEP:-}" ]; then
        echo "== interop: logs kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== interop: building the examples (release)" >&2
(cd "$ROOT" && timeout -k 10 "$BUILD_LIMIT" cargo build --release --examples --quiet) ||
    die "cargo build --release --examples failed"
for exe in echo_server echo_client; do
    [ -x "$BIN/$exe" ] || die "$BIN/$exe missing after the build"
done
# WebSockets over HTTP/2 (RFC 8441) need the `http` feature and hyper: a debug build, which
# shares its dependencies with `cargo test --features http`.
H2_SERVER="$TARGET/debug/examples/h2_server"
(cd "$ROOT" && timeout -k 10 "$BUILD_LIMIT" cargo build --features http --example h2_server --quiet) ||
    die "cargo build --features http --example h2_server failed"

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server NAME [ECHO_SERVER FLAGS...]: starts echo_server on a free loopback port,
# waits for "listening on", sets URL[NAME]=ws://127.0.0.1:PORT.
declare -A URL
start_server() {
    local name="$1" port pid try i
    shift
    for try in 1 2 3; do
        port="$(free_port)" || die "cannot pick a free port"
        timeout -k 5 "$SERVER_LIMIT" "$BIN/echo_server" "127.0.0.1:$port" "$@" \
            </dev/null 2>"$WORK/server-$name.log" &
        pid=$!
        PIDS+=("$pid")
        for ((i = 0; i < 100; i++)); do # 10 s at most
            if grep -q "listening on ws://127.0.0.1:$port" "$WORK/server-$name.log"; then
                URL[$name]="ws://127.0.0.1:$port"
                echo "== interop: echo_server${*:+ $*} on 127.0.0.1:$port (pid $pid)" >&2
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$pid" 2>/dev/null
        echo "run.sh: echo_server $* did not start on port $port (try $try):" >&2
        sed 's/^/  /' "$WORK/server-$name.log" >&2
    done
    die "echo_server $* would not start"
}

start_server deflate
start_server nodeflate --no-deflate
start_server protocol --protocol chat

# h2_server --tls on a port it picks (Chromium speaks HTTP/2 over TLS only).
timeout -k 5 "$SERVER_LIMIT" "$H2_SERVER" 127.0.0.1:0 --tls </dev/null 2>"$WORK/server-h2.log" &
PIDS+=("$!")
H2_URL=""
for ((i = 0; i < 100; i++)); do # 10 s at most
    H2_URL="$(sed -n 's|^h2_server listening on \(https://127\.0\.0\.1:[0-9]*\)$|\1|p' "$WORK/server-h2.log")"
    [ -n "$H2_URL" ] && break
    sleep 0.1
done
[ -n "$H2_URL" ] || die "h2_server --tls did not start: $(cat "$WORK/server-h2.log")"
echo "== interop: h2_server --tls on $H2_URL" >&2

RESULTS="$WORK/results"
: >"$RESULTS"

# run_driver NAME COMMAND...: runs one driver under `timeout`, shows its lines as they
# come, and adds a FAIL line if it ended badly without saying why.
run_driver() {
    local name="$1" file rc
    shift
    file="$WORK/driver-${name//\//_}"
    echo "== interop: $name" >&2
    timeout -k 5 "$DRIVER_LIMIT" "$@" </dev/null 2>"$file.err" | tee "$file.out"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -ne 0 ]; then
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            echo "FAIL $name driver timed out after ${DRIVER_LIMIT}s" | tee -a "$file.out"
        elif ! grep -q '^FAIL ' "$file.out"; then
            echo "FAIL $name driver exited with status $rc" | tee -a "$file.out"
        fi
    fi
    cat "$file.out" >>"$RESULTS"
    if [ "$rc" -ne 0 ] || [ -n "${INTEROP_VERBOSE:-}" ]; then
        sed "s|^|  [$name stderr] |" "$file.err" | tail -n 40 >&2
    fi
}

# Each peer uses its own path, so echo_server's log names who negotiated what.
run_driver python-client "$PY" "$HERE/py/client_checks.py" \
    --deflate-url "${URL[deflate]}/python" --no-deflate-url "${URL[nodeflate]}/python" \
    --protocol-url "${URL[protocol]}/python"
run_driver node-client node "$NODE_DIR/client_checks.mjs" \
    "${URL[deflate]}/node" "${URL[nodeflate]}/node" "${URL[protocol]}/node"
run_driver chromium node "$NODE_DIR/browser_checks.mjs" \
    "${URL[deflate]}/chromium" "${URL[nodeflate]}/chromium" "${URL[protocol]}/chromium"
run_driver chromium-h2 node "$NODE_DIR/h2_browser_checks.mjs" "$H2_URL"
run_driver echo_client/python-server "$PY" "$HERE/py/server_checks.py" "$BIN/echo_client"
run_driver echo_client/node-server node "$NODE_DIR/server_checks.mjs" "$BIN/echo_client"

# echo_server logs "PATH: EXTENSION" per negotiated connection and "PEER: ERROR" when a
# connection fails; after all the clients above, its logs must hold no error.
for name in deflate nodeflate protocol; do
    errors="$(grep -v -e '^echo_server listening on ' -e '^/[^ ]*: permessage-deflate' \
        "$WORK/server-$name.log")"
    if [ -z "$errors" ]; then
        echo "ok   echo_server-$name log has no connection error" | tee -a "$RESULTS"
    else
        echo "FAIL echo_server-$name log has connection errors: $(echo "$errors" | head -n 5 | tr '\n' '|')" |
            tee -a "$RESULTS"
    fi
done

# h2_server logs "/echo: EXTENSION" per WebSocket: at least one (the browser's went over
# an extended CONNECT), and nothing else.
h2_errors="$(grep -v -e '^h2_server listening on ' -e '^/echo: permessage-deflate' "$WORK/server-h2.log")"
if [ -z "$h2_errors" ] && grep -q '^/echo: permessage-deflate' "$WORK/server-h2.log"; then
    echo "ok   h2_server log shows the extended CONNECT and no error" | tee -a "$RESULTS"
else
    echo "FAIL h2_server log: $(head -n 5 "$WORK/server-h2.log" | tr '\n' '|')" | tee -a "$RESULTS"
fi

passed="$(grep -c '^ok ' "$RESULTS")"
failed="$(grep -c '^FAIL ' "$RESULTS")"
v_websockets="$("$PY" -c 'import websockets; print(websockets.__version__)' 2>/dev/null || echo '?')"
v_ws="$(cd "$NODE_DIR" && node -p 'require("ws/package.json").version' 2>/dev/null || echo '?')"
v_chromium="$("$CHROMIUM" --version 2>/dev/null | awk '{print $2}')"
echo "== interop: took $((SECONDS - START)) s" >&2
echo "interop: peers websockets $v_websockets, ws $v_ws, chromium ${v_chromium:-?}"
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
