#!/usr/bin/env bash
# WebSockets over HTTP/2 (RFC 8441) end to end over loopback: examples/h2_server (hyper's
# HTTP/2 server with SETTINGS_ENABLE_CONNECT_PROTOCOL) and examples/h2_client (hyper's
# HTTP/2 client) exchange messages with permessage-deflate over one stream while other
# streams of the same connection serve ordinary requests. Only 127.0.0.1 is used; every
# process runs under `timeout` and the server is stopped by its PID.
#
# Prints the client's checks and a summary line; exits 1 if any check failed, 2 if it
# could not run.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET/debug/examples"

BUILD_LIMIT=900  # seconds: building the two examples
SERVER_LIMIT=180 # seconds the server may live (stopped well before)
CLIENT_LIMIT=120 # seconds for the client (it gives up after 60 s itself)

die() {
    printf 'h2/run.sh: ERROR: %s\n' "$*" >&2
    exit 2
}
command -v timeout >/dev/null || die "timeout (coreutils) not found"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/wswire-h2.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

(cd "$ROOT" && timeout -k 10 "$BUILD_LIMIT" cargo build --quiet --features http \
    --example h2_server --example h2_client) || die "building the examples failed"

# Port 0: the server binds a free port and prints it.
timeout -k 5 "$SERVER_LIMIT" "$BIN/h2_server" 127.0.0.1:0 </dev/null 2>"$WORK/server.log" &
SERVER_PID=$!
ADDR=""
for ((i = 0; i < 100; i++)); do # 10 s at most
    ADDR="$(sed -n 's|^h2_server listening on http://\(127\.0\.0\.1:[0-9]*\)$|\1|p' "$WORK/server.log")"
    [ -n "$ADDR" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
[ -n "$ADDR" ] || die "h2_server did not start: $(cat "$WORK/server.log")"
echo "== h2: h2_server on $ADDR (pid $SERVER_PID)" >&2

timeout -k 5 "$CLIENT_LIMIT" "$BIN/h2_client" "ws://$ADDR/echo" </dev/null | tee "$WORK/client.out"
client_rc=${PIPESTATUS[0]}

kill "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""

# The server logs the negotiated extension per WebSocket; anything else is an error.
errors="$(grep -v -e '^h2_server listening on ' -e '^/echo: permessage-deflate' "$WORK/server.log")"
if [ -n "$errors" ]; then
    echo "FAIL h2 server log has errors: $(echo "$errors" | head -n 5 | tr '\n' '|')"
    exit 1
fi
echo "ok   h2 server log has no error"
[ "$client_rc" -eq 0 ] || exit 1
grep -q '^h2_client: [1-9][0-9]* passed, 0 failed$' "$WORK/client.out" || exit 1
