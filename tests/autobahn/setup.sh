#!/usr/bin/env bash
# Installs what tests/autobahn/run.sh needs: the Autobahn TestSuite (wstest 0.8.2), which
# runs only on Python 2.7, into a private prefix: tests/autobahn/.py27 (git-ignored) unless
# AUTOBAHN_PREFIX names another.
#
#   bash tests/autobahn/setup.sh [--force]
#
# 1. pip, setuptools and wheel for Python 2.7 (requirements-pip.txt, pinned by hash) are
#    downloaded from PyPI with this machine's python3 pip.
# 2. Python 2.7 is in no current Debian release, so its .debs come from Debian 11
#    (bullseye): apt-get downloads them with a private, throw-away apt state made from
#    this machine's own Debian sources, and `dpkg -x` unpacks them into the prefix. The
#    system's apt configuration and /usr are left as they are.
# 3. pip installs autobahntestsuite and its dependencies (requirements.txt, every file
#    pinned by hash) from PyPI into the prefix; a few are compiled from source.
# 4. The C accelerators and `wstest -a` are checked, then a stamp is written.
#
# Idempotent: a prefix whose stamp matches this script and both requirement files is left
# alone (well under a second); any other prefix this script made is rebuilt from scratch,
# and a folder it did not make is never touched. Every download and build runs under
# `timeout`; a first install takes about half a minute.
#
# Needs Debian on amd64 (the hashes pin x86_64 wheels) with the Debian and PyPI package
# registries reachable. As root, it installs with apt-get whatever it lacks: gcc and the C
# library headers, python3 and its pip, and the system libraries Python 2.7 links to.
#
# Environment:
#   AUTOBAHN_PREFIX            where to install (default tests/autobahn/.py27)
#   AUTOBAHN_BULLSEYE_SOURCES  an apt sources file for bullseye (deb822 `.sources` or
#                              one-line `.list`) to use instead of the derived ones
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX="${AUTOBAHN_PREFIX:-$HERE/.py27}"
MARKER=.made-by-wswire-autobahn-setup
STAMP=.wswire-autobahn-stamp
START=$SECONDS

log() { echo "autobahn setup: $*" >&2; }
die() {
    echo "autobahn setup: ERROR: $*" >&2
    exit 1
}
trap 'echo "autobahn setup: ERROR: exit $? at line $LINENO: $BASH_COMMAND" >&2' ERR

mkdir -p "$(dirname "$PREFIX")"
PREFIX="$(cd "$(dirname "$PREFIX")" && pwd)/$(basename "$PREFIX")"

# The stamp names everything the install depends on: change a pin, or this script, and
# the next run rebuilds the prefix.
want_stamp="$(cat "${BASH_SOURCE[0]}" "$HERE/requirements-pip.txt" "$HERE/requirements.txt" |
    sha256sum | cut -d' ' -f1)"
installed() {
    local version
    [[ -f $PREFIX/$STAMP && "$(cat "$PREFIX/$STAMP")" == "$want_stamp" ]] &&
        version="$(AUTOBAHN_PREFIX="$PREFIX" timeout 60 "$HERE/wstest" -a 2>/dev/null)" &&
        grep -qx 'AutobahnTestSuite 0\.8\.2' <<<"$version"
}
if [[ ${1:-} != --force ]] && installed; then
    log "wstest 0.8.2 already installed in $PREFIX"
    exit 0
fi

# ---- what the machine must have ----------------------------------------------------

[[ -r /etc/debian_version ]] && command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
    die "this installer needs Debian (apt-get and dpkg)"
arch="$(dpkg --print-architecture)"
[[ $arch == amd64 ]] || die "only amd64 is supported (requirements.txt pins x86_64 wheels); this is $arch"

APT_UPDATED=0
apt_install() {
    if [[ $(id -u) -ne 0 ]]; then
        die "missing Debian packages; as root: apt-get install --no-install-recommends $*"
    fi
    log "installing Debian packages: $*"
    if [[ $APT_UPDATED == 0 ]]; then
        timeout 600 apt-get -qq update || die "apt-get update failed"
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get -qq install -y --no-install-recommends \
        "$@" >/dev/null || die "apt-get install $* failed"
}

missing=()
command -v timeout >/dev/null || missing+=(coreutils)
command -v flock >/dev/null || missing+=(util-linux)
command -v gcc >/dev/null || missing+=(gcc)
[[ -f /usr/include/stdio.h ]] || missing+=(libc6-dev)
command -v python3 >/dev/null || missing+=(python3)
if ! python3 -m pip --version >/dev/null 2>&1; then missing+=(python3-pip); fi
[[ ${#missing[@]} -eq 0 ]] || apt_install "${missing[@]}"

mkdir -p "$PREFIX.lock.d"
exec 9>"$PREFIX.lock.d/lock"
flock -w 900 9 || die "another setup.sh has held $PREFIX.lock.d/lock for 15 minutes"
if [[ ${1:-} != --force ]] && installed; then
    log "wstest 0.8.2 already installed in $PREFIX (by another run)"
    exit 0
fi

if [[ -e $PREFIX ]]; then
    if [[ -f $PREFIX/$MARKER || -z "$(ls -A "$PREFIX")" ]]; then
        log "removing the previous install in $PREFIX"
        rm -rf "$PREFIX"
    else
        die "$PREFIX exists and was not made by this script; set AUTOBAHN_PREFIX to another folder"
    fi
fi
mkdir -p "$PREFIX"
touch "$PREFIX/$MARKER"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/wswire-autobahn-setup.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Settings from the machine's pip configuration that would send pip elsewhere or refuse to
# install outside a virtual environment; index, proxy and certificate settings stay.
unset PIP_FIND_LINKS PIP_NO_INDEX PIP_REQUIRE_VIRTUALENV PIP_USER PIP_TARGET PIP_PREFIX
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_PYTHON_VERSION_WARNING=1 PIP_NO_INPUT=1

# ---- 1. pip for Python 2.7 ----------------------------------------------------------

log "[1/4] pip, setuptools and wheel for Python 2.7 from PyPI"
timeout 300 python3 -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    --python-version 2.7 --implementation py --abi none --platform any \
    --dest "$WORK/boot" -r "$HERE/requirements-pip.txt" ||
    die "could not download requirements-pip.txt from PyPI"

# ---- 2. Python 2.7 from Debian bullseye ---------------------------------------------

log "[2/4] Python 2.7 .debs from Debian bullseye"
mkdir -p "$WORK/apt/sources" "$WORK/apt/preferences" "$WORK/apt/lists/partial" \
    "$WORK/apt/cache/archives/partial" "$WORK/debs"
if [[ -n ${AUTOBAHN_BULLSEYE_SOURCES:-} ]]; then
    [[ -f $AUTOBAHN_BULLSEYE_SOURCES ]] || die "AUTOBAHN_BULLSEYE_SOURCES=$AUTOBAHN_BULLSEYE_SOURCES is not a file"
    case $AUTOBAHN_BULLSEYE_SOURCES in
        *.list) cp "$AUTOBAHN_BULLSEYE_SOURCES" "$WORK/apt/sources/bullseye.list" ;;
        *) cp "$AUTOBAHN_BULLSEYE_SOURCES" "$WORK/apt/sources/bullseye.sources" ;;
    esac
else
    # This machine's Debian sources with its release's name replaced: the same mirror and
    # signing keyring (Debian's keyring package carries bullseye's keys).
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    [[ -n $codename ]] || die "no VERSION_CODENAME in /etc/os-release"
    found=0
    for src in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $src ]] && grep -q "\b$codename\b" "$src" && grep -Eq 'debian(-security)?/?([[:space:]]|$)' "$src" ||
            continue
        name="$(basename "$src")"
        if [[ $src == *.sources ]]; then
            sed -E "s/\b$codename\b/bullseye/g" "$src" >"$WORK/apt/sources/$name"
        else
            grep -E '^[[:space:]]*deb[[:space:]].*debian' "$src" | sed -E "s/\b$codename\b/bullseye/g" \
                >"$WORK/apt/sources/$name"
        fi
        found=1
    done
    [[ $found == 1 ]] ||
        die "found no Debian source for '$codename' in /etc/apt; set AUTOBAHN_BULLSEYE_SOURCES"
fi
APT=(apt-get -qq
    -o "Dir::Etc::SourceList=/dev/null"
    -o "Dir::Etc::SourceParts=$WORK/apt/sources"
    -o "Dir::Etc::Preferences=/dev/null"
    -o "Dir::Etc::PreferencesParts=$WORK/apt/preferences"
    -o "Dir::State::Lists=$WORK/apt/lists"
    -o "Dir::Cache=$WORK/apt/cache"
    -o "APT::Sandbox::User=root"
    -o "Acquire::Languages=none"
    -o "Acquire::http::Timeout=60")
DEBS=(python2.7 python2.7-minimal libpython2.7-minimal libpython2.7-stdlib libpython2.7-dev
    libssl1.1 libffi7)
# apt-get update only warns about a suite it cannot fetch; the download is the test.
timeout 300 "${APT[@]}" update && (cd "$WORK/debs" && timeout 300 "${APT[@]}" download "${DEBS[@]}") ||
    die "apt-get could not fetch ${DEBS[*]} from bullseye; if bullseye has left this" \
        "machine's mirror, point AUTOBAHN_BULLSEYE_SOURCES at Debian's archive"
for deb in "$WORK"/debs/*.deb; do
    dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb" >>"$PREFIX/debs.txt"
    dpkg-deb --extract "$deb" "$PREFIX"
done
log "unpacked $(cut -d' ' -f1 "$PREFIX/debs.txt" | paste -sd' ') into $PREFIX"

PY="$PREFIX/usr/bin/python2.7"
shopt -s nullglob
libssl=("$PREFIX"/usr/lib/*-linux-gnu/libssl.so.1.1)
shopt -u nullglob
[[ -x $PY && ${#libssl[@]} -eq 1 ]] || die "the .debs held no usr/bin/python2.7 or libssl.so.1.1"
export LD_LIBRARY_PATH="$(dirname "${libssl[0]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONNOUSERSITE=1
unset PYTHONHOME PYTHONPATH PYTHONSTARTUP

core_modules_load() {
    timeout 60 "$PY" -c 'import ssl, hashlib, zlib, bz2, ctypes, pyexpat, json, select, socket' \
        2>"$WORK/import.err"
}
if ! core_modules_load; then
    # The system libraries Python 2.7's .debs depend on (bullseye names; where a later
    # release renamed one, apt-get picks the package that provides the old name).
    own=" ${DEBS[*]} libpython2.7 mime-support debconf "
    libs=()
    for deb in "$WORK"/debs/*.deb; do
        [[ $deb == */libpython2.7-dev_* ]] && continue
        for field in Pre-Depends Depends; do
            dpkg-deb --field "$deb" "$field"
        done
    done >"$WORK/depends"
    while read -r lib; do
        [[ $own == *" $lib "* ]] || libs+=("$lib")
    done < <(tr ',' '\n' <"$WORK/depends" | sed -E 's/\|.*//; s/\(.*//; s/[[:space:]]//g' |
        grep -v '^$' | sort -u)
    log "Python 2.7 does not load its core modules: $(head -c 300 "$WORK/import.err")"
    apt_install "${libs[@]}"
    core_modules_load || {
        cat "$WORK/import.err" >&2
        die "the private Python 2.7 cannot load its core modules"
    }
fi

# ---- 3. autobahntestsuite -------------------------------------------------------------

log "[3/4] autobahntestsuite 0.8.2 and its pinned dependencies from PyPI"
export PIP_NO_WARN_SCRIPT_LOCATION=1
# pip 20's own certificate bundle is years old; the system's is current.
if [[ -z ${PIP_CERT:-} && -f /etc/ssl/certs/ca-certificates.crt ]]; then
    export PIP_CERT=/etc/ssl/certs/ca-certificates.crt
fi
boot_pip=("$WORK"/boot/pip-*.whl)
timeout 300 "$PY" "${boot_pip[0]}/pip" install --quiet --no-index --find-links "$WORK/boot" \
    --require-hashes -r "$HERE/requirements-pip.txt" >"$WORK/pip-boot.log" 2>&1 || {
    tail -n 30 "$WORK/pip-boot.log" >&2
    die "installing pip into the private Python 2.7 failed"
}
# Debian's pyconfig.h includes the multiarch one, and its distutils looks in
# /usr/include/python2.7: point the compiler at the prefix's headers.
export CFLAGS="-I$PREFIX/usr/include -I$PREFIX/usr/include/python2.7${CFLAGS:+ $CFLAGS}"
# No build isolation: the sources build with the setuptools just installed (wsaccel's
# pyproject asks for Cython, which its release does not need: the C files are in it).
timeout 900 "$PY" -m pip install --no-cache-dir --no-build-isolation --require-hashes \
    -r "$HERE/requirements.txt" >"$WORK/pip.log" 2>&1 || {
    tail -n 40 "$WORK/pip.log" >&2
    die "pip could not install requirements.txt (log above)"
}
timeout 120 "$PY" -m pip check >"$WORK/check.log" 2>&1 || {
    cat "$WORK/check.log" >&2
    die "pip check found broken dependencies"
}

# ---- 4. check ---------------------------------------------------------------------------

log "[4/4] checking"
timeout 60 "$PY" -W ignore -c '
import wsaccel.utf8validator, wsaccel.xormask, ujson
from zope.interface import _zope_interface_coptimizations
from autobahntestsuite import wstest, fuzzing
' || die "autobahntestsuite or its C accelerators do not import"
version="$(AUTOBAHN_PREFIX="$PREFIX" timeout 60 "$HERE/wstest" -a 2>&1)" || {
    echo "$version" >&2
    die "wstest -a failed"
}
grep -qx 'AutobahnTestSuite 0\.8\.2' <<<"$version" || die "wstest -a says: $version"
echo "$want_stamp" >"$PREFIX/$STAMP"
log "wstest 0.8.2 installed in $PREFIX in $((SECONDS - START)) s ($(du -sh "$PREFIX" | cut -f1))"
