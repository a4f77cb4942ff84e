#!/usr/bin/env bash
# wswire's interoperability tests: the echo_server example, and the tokio layer's
# tokio_echo_server, against Python `websockets`, Node `ws` and headless Chromium clients;
# the h2_server example (WebSockets over HTTP/2, RFC 8441, over TLS) against headless
# Chromium; the echo_client and tokio_client examples against `websockets` and `ws`
# servers; each echo client against each echo server; wss:// with a certificate made at
# start-up; the hyper and axum upgrade examples; two Chromium pages in the chat example.
# Needs tests/interop/setup.sh first. Only 127.0.0.1 is used.
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

BUILD_LIMIT=1500 # seconds: cargo build --release --examples (both crates)
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
(cd "$ROOT" && timeout -k 10 "$BUILD_LIMIT" cargo build --release --examples --quiet &&
    timeout -k 10 "$BUILD_LIMIT" cargo build --release -p wswire-tokio --features rustls \
        --examples --quiet) ||
    die "cargo build --release --examples failed"
for exe in echo_server echo_client tokio_echo_server tokio_client hyper_upgrade axum_upgrade chat \
    minimal_echo_server; do
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

# start_server NAME PROGRAM [FLAGS...]: starts an example server on a free loopback port,
# waits for its "listening on SCHEME://127.0.0.1:PORT", sets URL[NAME] to that URL.
declare -A URL
start_server() {
    local name="$1" program="$2" port pid try i url
    shift 2
    for try in 1 2 3; do
        port="$(free_port)" || die "cannot pick a free port"
        timeout -k 5 "$SERVER_LIMIT" "$BIN/$program" "127.0.0.1:$port" "$@" \
            </dev/null 2>"$WORK/server-$name.log" &
        pid=$!
        PIDS+=("$pid")
        for ((i = 0; i < 100; i++)); do # 10 s at most
            url="$(grep -o "listening on [a-z]*://127.0.0.1:$port" "$WORK/server-$name.log")"
            if [ -n "$url" ]; then
                URL[$name]="${url#listening on }"
                echo "== interop: $program${*:+ $*} on 127.0.0.1:$port (pid $pid)" >&2
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$pid" 2>/dev/null
        echo "run.sh: $program $* did not start on port $port (try $try):" >&2
        sed 's/^/  /' "$WORK/server-$name.log" >&2
    done
    die "$program $* would not start"
}

start_server deflate echo_server
start_server nodeflate echo_server --no-deflate
start_server protocol echo_server --protocol chat
start_server tokio-deflate tokio_echo_server
start_server tokio-nodeflate tokio_echo_server --no-deflate
start_server tokio-protocol tokio_echo_server --protocol chat
start_server tokio-tls tokio_echo_server --tls --write-ca "$WORK/ca.pem"
start_server hyper hyper_upgrade
start_server axum axum_upgrade
start_server chat chat
start_server minimal minimal_echo_server

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

# The client drivers against the echo servers, std (PREFIX "") or tokio ("tokio-"). Each
# peer uses its own path, so a server's log names who negotiated what.
client_drivers() {
    local prefix="$1"
    run_driver "python-client${prefix:+@$prefix}" "$PY" "$HERE/py/client_checks.py" \
        --deflate-url "${URL[${prefix}deflate]}/python" \
        --no-deflate-url "${URL[${prefix}nodeflate]}/python" \
        --protocol-url "${URL[${prefix}protocol]}/python"
    run_driver "node-client${prefix:+@$prefix}" node "$NODE_DIR/client_checks.mjs" \
        "${URL[${prefix}deflate]}/node" "${URL[${prefix}nodeflate]}/node" \
        "${URL[${prefix}protocol]}/node"
    run_driver "chromium${prefix:+@$prefix}" node "$NODE_DIR/browser_checks.mjs" \
        "${URL[${prefix}deflate]}/chromium" "${URL[${prefix}nodeflate]}/chromium" \
        "${URL[${prefix}protocol]}/chromium"
}
client_drivers ""
INTEROP_TARGET=tokio_echo_server client_drivers tokio-
run_driver chromium-h2 node "$NODE_DIR/h2_browser_checks.mjs" "$H2_URL"
for client in echo_client tokio_client; do
    run_driver "$client/python-server" "$PY" "$HERE/py/server_checks.py" "$BIN/$client"
    run_driver "$client/node-server" node "$NODE_DIR/server_checks.mjs" "$BIN/$client"
done

# Each echo client against each echo server (the wswire examples among themselves).
cross_check() {
    local client="$1" server="$2" out rc
    out="$(printf 'text 0\ntext 125\nbinary 65536\ntext 1048576\n' |
        timeout -k 5 60 "$BIN/$client" "${URL[$server]}/$client" 2>"$WORK/cross-$client-$server.err")"
    rc=$?
    if [ "$rc" -eq 0 ] && [ "$(echo $out)" = "ok ok ok ok" ]; then
        echo "ok   $client->$server echo of 4 messages, close 1000"
    else
        echo "FAIL $client->$server: exit $rc, stdout $(echo $out), stderr $(tail -c 300 "$WORK/cross-$client-$server.err" | tr '\n' '|')"
    fi
}
echo "== interop: examples against each other" >&2
for client in echo_client tokio_client; do
    for server in deflate nodeflate tokio-deflate tokio-nodeflate minimal; do
        cross_check "$client" "$server" | tee -a "$RESULTS"
    done
done

run_driver tls "$PY" "$HERE/py/tls_checks.py" "$BIN/tokio_client" "${URL[tokio-tls]}/tls" \
    "$WORK/ca.pem"
for server in hyper axum; do
    INTEROP_TARGET="${server}_upgrade" run_driver "python-client@${server}_upgrade" "$PY" \
        "$HERE/py/upgrade_checks.py" "${URL[$server]}"
done
run_driver chromium-chat node "$NODE_DIR/chat_checks.mjs" "${URL[chat]}/" \
    ${INTEROP_SCREENSHOT:+"$INTEROP_SCREENSHOT"}

# The servers log "PATH: EXTENSION" per negotiated connection and "PEER: ERROR" when a
# connection fails; after all the clients above, their logs must hold no error. The TLS
# server's only expected complaints are from the refused clients: an "unknown CA" alert
# (rustls), or the end of the connection (Python).
for name in deflate nodeflate protocol tokio-deflate tokio-nodeflate tokio-protocol tokio-tls \
    hyper axum chat minimal; do
    errors="$(grep -v -e '^[a-z_]* listening on ' -e '^/[^ ]*: permessage-deflate' \
        -e 'TLS handshake failed: received fatal alert: UnknownCA$' \
        -e 'TLS handshake failed: tls handshake eof$' \
        "$WORK/server-$name.log")"
    if [ -z "$errors" ]; then
        echo "ok   server-$name log has no connection error" | tee -a "$RESULTS"
    else
        echo "FAIL server-$name log has connection errors: $(echo "$errors" | head -n 5 | tr '\n' '|')" |
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
