#!/usr/bin/env bash
# Installs the peers of wswire's interoperability tests (tests/interop/run.sh):
#   - a Python venv at tests/interop/.venv with the pinned `websockets` (requirements.txt),
#   - tests/interop/node/node_modules from the committed package-lock.json (`npm ci`):
#     `ws` and `playwright-core` (which never downloads a browser),
#   - Debian's chromium (/usr/bin/chromium), with apt-get, if it is missing.
# Idempotent: run it as often as you like. It fetches from PyPI, the npm registry and
# Debian's archive only, through pip, npm and apt-get.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
NODE_DIR="$HERE/node"
CHROMIUM=/usr/bin/chromium

step() { printf '== setup: %s\n' "$*"; }
die() {
    printf 'setup.sh: ERROR: %s\n' "$*" >&2
    exit 1
}

# --- Python + websockets -------------------------------------------------------------
step "python venv with websockets ($VENV)"
command -v python3 >/dev/null || die "python3 not found (websockets 17 needs Python >= 3.11)"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
    die "python3 is $(python3 --version 2>&1); websockets 17 needs Python >= 3.11"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" ||
        die "python3 -m venv $VENV failed (on Debian: apt-get install python3-venv)"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
    -r "$HERE/requirements.txt" ||
    die "pip install -r tests/interop/requirements.txt failed (is PyPI reachable?)"
want_websockets="$(sed -n 's/^websockets==//p' "$HERE/requirements.txt")"
have_websockets="$("$VENV/bin/python" -c 'import websockets; print(websockets.__version__)')" ||
    die "websockets does not import from $VENV"
[ "$have_websockets" = "$want_websockets" ] ||
    die "venv has websockets $have_websockets, requirements.txt pins $want_websockets"
echo "websockets $have_websockets"

# --- Node + ws + playwright-core -------------------------------------------------------
step "npm ci in $NODE_DIR (ws, playwright-core)"
command -v node >/dev/null || die "node not found (Node.js >= 20 is needed)"
command -v npm >/dev/null || die "npm not found"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "node is $(node --version); playwright-core needs Node.js >= 20"
[ -f "$NODE_DIR/package-lock.json" ] || die "missing $NODE_DIR/package-lock.json"
# playwright-core has no install script and never downloads a browser; the variable is a
# second guard in case a future version grows one.
(cd "$NODE_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) ||
    die "npm ci failed in $NODE_DIR (is the npm registry reachable?)"
# shellcheck disable=SC2016 # JavaScript, not shell
(cd "$NODE_DIR" && node -e '
    const ws = require("ws/package.json").version;
    const pw = require("playwright-core/package.json").version;
    require("ws"); require("playwright-core");
    console.log(`ws ${ws}, playwright-core ${pw}`);
') || die "ws or playwright-core does not load from $NODE_DIR/node_modules"

# --- Chromium ---------------------------------------------------------------------------
step "chromium ($CHROMIUM)"
if [ ! -x "$CHROMIUM" ]; then
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "$CHROMIUM is missing and we are not root and have no sudo"
        SUDO=(sudo)
    fi
    echo "installing Debian's chromium with apt-get"
    "${SUDO[@]}" apt-get update || die "apt-get update failed"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium ||
        die "apt-get install -y chromium failed"
fi
[ -x "$CHROMIUM" ] || die "$CHROMIUM is still missing after apt-get install chromium"
"$CHROMIUM" --version 2>/dev/null || die "$CHROMIUM --version failed"

step "done"
