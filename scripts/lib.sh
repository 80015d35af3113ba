# shellcheck shell=bash
# Shared helpers for scripts/*.sh and Tests/shell/*.sh. Source it; do not run it.
#
#   SMARTFS_ROOT            repository root (set here if unset)
#   PYTHON                  python interpreter used for moto/boto3 (default: python3)
#   SMARTFS_SCRATCH_PATH    optional `swift build --scratch-path` (default: SwiftPM's .build)
#   SMARTFS_BUILD_CONFIG    debug (default) or release

if [[ -n "${_SMARTFS_SCRIPTS_LIB:-}" ]]; then return 0; fi
_SMARTFS_SCRIPTS_LIB=1

SMARTFS_ROOT="${SMARTFS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PYTHON="${PYTHON:-python3}"

# die MSG... : print "<script>: error: MSG" to stderr and exit 1.
die() {
    printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2
    exit 1
}

# warn MSG... : print "<script>: warning: MSG" to stderr.
warn() {
    printf '%s: warning: %s\n' "$(basename "$0")" "$*" >&2
}

# ensure_swift_path: put /opt/swift/usr/bin on PATH when `swift` is not found; fail clearly otherwise.
ensure_swift_path() {
    if command -v swift >/dev/null 2>&1; then return 0; fi
    if [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="/opt/swift/usr/bin:$PATH"
        return 0
    fi
    die "swift not found on PATH nor at /opt/swift/usr/bin/swift. Install a Swift 6 toolchain (https://www.swift.org/install/linux/) and put its usr/bin on PATH."
}

# swift_scratch_args: common arguments for `swift build` / `swift test` (prints one per line).
swift_scratch_args() {
    if [[ -n "${SMARTFS_SCRATCH_PATH:-}" ]]; then
        printf '%s\n' --scratch-path "$SMARTFS_SCRATCH_PATH"
    fi
}

# smartfs_bin_path: absolute path of the built `smartfs` binary for SMARTFS_BUILD_CONFIG.
smartfs_bin_path() {
    local dir
    local -a scratch
    mapfile -t scratch < <(swift_scratch_args)
    dir="$(cd "$SMARTFS_ROOT" && swift build -c "${SMARTFS_BUILD_CONFIG:-debug}" "${scratch[@]}" --show-bin-path 2>/dev/null)" \
        || die "swift build --show-bin-path failed"
    printf '%s/smartfs\n' "$dir"
}

# mounts_under DIR...: print mount points at or below any DIR, deepest first (one per line).
# Reads /proc/self/mounts and decodes its octal escapes (\040 for a space, ...).
mounts_under() {
    local d mp _rest
    local -a roots=() found=()
    for d in "$@"; do
        [[ -n "$d" ]] || continue
        roots+=("$(realpath -m -- "$d")")
    done
    [[ ${#roots[@]} -gt 0 && -r /proc/self/mounts ]] || return 0
    while read -r _ mp _rest; do
        mp="$(printf '%b' "${mp//\\/\\0}")"
        for d in "${roots[@]}"; do
            if [[ "$mp" == "$d" || "$mp" == "$d"/* ]]; then
                found+=("$mp")
                break
            fi
        done
    done </proc/self/mounts
    # Deepest (longest) first, so nested mounts come off before their parents.
    if [[ ${#found[@]} -gt 0 ]]; then
        printf '%s\n' "${found[@]}" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
    fi
}

# unmount_path MP: fusermount3 -u, then the lazy -uz, then (root) umount -l. Never fails.
unmount_path() {
    local mp="$1"
    if command -v fusermount3 >/dev/null 2>&1; then
        fusermount3 -u -- "$mp" 2>/dev/null && return 0
        fusermount3 -u -z -- "$mp" 2>/dev/null && return 0
    fi
    if [[ $EUID -eq 0 ]]; then
        umount -l -- "$mp" 2>/dev/null && return 0
    fi
    warn "could not unmount $mp"
    return 0
}

# unmount_all_under DIR...: unmount every mount at or below the DIRs. Never fails.
unmount_all_under() {
    local mp
    while IFS= read -r mp; do
        [[ -n "$mp" ]] && unmount_path "$mp"
    done < <(mounts_under "$@")
    return 0
}

# free_port: print a free TCP port on 127.0.0.1 (bind to port 0, read it back, close).
free_port() {
    "$PYTHON" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Background children that a trap must be able to stop. A script that waits for a foreground
# child runs its INT/TERM trap only after that child ends; `wait` on a background child returns
# at once when a trapped signal arrives. So long-running steps are started with bg_start and
# waited for with bg_wait, and the EXIT trap calls bg_stop_all.
BG_PIDS=()

# bg_start CMD...: run CMD in the background (with the caller's redirections); its pid is in BG_PID.
bg_start() {
    "$@" &
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}

# bg_wait PID: wait for PID and return its exit status.
bg_wait() {
    local rc=0
    wait "$1" || rc=$?
    return "$rc"
}

# bg_stop_all: TERM every bg_start'ed process still running, wait up to 15 s, then KILL.
bg_stop_all() {
    local pid i alive
    for pid in "${BG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for ((i = 0; i < 150; i++)); do
        alive=0
        for pid in "${BG_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ $alive -eq 0 ]] && break
        sleep 0.1
    done
    for pid in "${BG_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    BG_PIDS=()
}
