#!/usr/bin/env bash
# Prepare a Debian machine to build and test smartfs. Idempotent; quiet on success.
#
# Usage: scripts/setup.sh [--no-build]
#
#   1. apt packages: fuse3 libfuse3-dev libcurl4-openssl-dev libssl-dev pkg-config
#      (apt-get update + install only when one is missing; sudo only when not root)
#   2. python packages moto[server] and boto3 (only when `import moto.server, boto3` fails)
#   3. checks that `swift` is on PATH (or at /opt/swift/usr/bin) and that /dev/fuse exists
#   4. builds: swift build -c ${SMARTFS_BUILD_CONFIG:-debug}   (skipped with --no-build)
#
# Environment:
#   SMARTFS_BUILD_CONFIG   debug (default) or release
#   SMARTFS_SCRATCH_PATH   passed to swift build as --scratch-path (default: .build)
#   SMARTFS_REQUIRE_FUSE   1 (default): a missing /dev/fuse is an error; 0: only a warning
#   PYTHON                 python interpreter for moto/boto3 (default: python3)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build=1
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) die "unknown argument: $arg (usage: scripts/setup.sh [--no-build])" ;;
    esac
done

log="$(mktemp /tmp/smartfs-setup.XXXXXX)"
trap 'rm -f "$log"' EXIT

# run_logged DESCRIPTION CMD...: run quietly; on failure show the output (without SwiftPM's
# progress lines, so compiler diagnostics stay visible) and stop.
run_logged() {
    local what="$1"; shift
    if ! "$@" >"$log" 2>&1; then
        printf '%s: error: %s failed: %s\n' "$(basename "$0")" "$what" "$*" >&2
        grep -Ev '^(\[[0-9]+/[0-9]+\] |Fetching |Fetched |Computing version|Computed |Creating working copy|Working copy of|Building for |Updating |Updated )' "$log" \
            | tail -n 150 >&2 || true
        exit 1
    fi
}

SUDO=()
if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "not root and sudo is not installed; run as root"
    SUDO=(sudo)
fi

apt_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# --- 1. apt packages --------------------------------------------------------
apt_wanted=(fuse3 libfuse3-dev libcurl4-openssl-dev libssl-dev pkg-config rsync util-linux)
# pip itself, when the interpreter has none (Debian's python3 ships without it).
if ! "$PYTHON" -m pip --version >/dev/null 2>&1 && ! "$PYTHON" -c 'import moto.server, boto3' >/dev/null 2>&1; then
    apt_wanted+=(python3-pip)
fi
apt_missing=()
for pkg in "${apt_wanted[@]}"; do
    apt_installed "$pkg" || apt_missing+=("$pkg")
done
if [[ ${#apt_missing[@]} -gt 0 ]]; then
    command -v apt-get >/dev/null 2>&1 \
        || die "missing packages (${apt_missing[*]}) and apt-get is not available: install them by hand"
    export DEBIAN_FRONTEND=noninteractive
    run_logged "apt-get update" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    run_logged "apt-get install" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${apt_missing[@]}"
fi

# --- 2. python packages -----------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (needed for the moto S3 test server)"
if ! "$PYTHON" -c 'import moto.server, boto3' >/dev/null 2>&1; then
    # moto 5.x is the known-good series (INITIAL_NO_AUTH_ACTION_COUNT bootstrap, SigV4 checks).
    pip_args=(-m pip install --quiet --disable-pip-version-check 'moto[server]>=5.2.1,<6' boto3)
    [[ $EUID -eq 0 ]] && pip_args+=(--root-user-action=ignore)
    if ! "$PYTHON" "${pip_args[@]}" >"$log" 2>&1; then
        if grep -q 'externally-managed-environment' "$log"; then
            # Debian's own python3 (PEP 668): this is a throwaway test machine, install anyway.
            run_logged "pip install" "$PYTHON" "${pip_args[@]}" --break-system-packages
        else
            echo "$(basename "$0"): error: pip install failed: $PYTHON ${pip_args[*]}" >&2
            tail -n 100 "$log" >&2
            exit 1
        fi
    fi
    "$PYTHON" -c 'import moto.server, boto3' >/dev/null 2>&1 \
        || die "moto[server] and boto3 were installed but '$PYTHON -c \"import moto.server, boto3\"' still fails"
fi

# --- 3. toolchain and FUSE device ------------------------------------------
ensure_swift_path
if [[ ! -e /dev/fuse ]]; then
    msg="/dev/fuse does not exist: FUSE mounts cannot work here (load the fuse kernel module with 'modprobe fuse', or run the container with --device /dev/fuse --cap-add SYS_ADMIN)"
    if [[ "${SMARTFS_REQUIRE_FUSE:-1}" == 1 ]]; then
        die "$msg; set SMARTFS_REQUIRE_FUSE=0 to continue without it"
    fi
    warn "$msg"
fi
command -v fusermount3 >/dev/null 2>&1 || die "fusermount3 not found although fuse3 is installed"

# --- 4. build ---------------------------------------------------------------
if [[ $build -eq 1 ]]; then
    mapfile -t scratch < <(swift_scratch_args)
    cd "$SMARTFS_ROOT"
    run_logged "swift build" swift build -c "${SMARTFS_BUILD_CONFIG:-debug}" "${scratch[@]}"
fi
