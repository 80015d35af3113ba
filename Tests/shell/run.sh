#!/usr/bin/env bash
# Runner for the shell tests: Tests/shell/smoke_*.sh, then Tests/shell/test_*.sh.
#
# Usage: Tests/shell/run.sh [NAME|PATH ...]     (NAME like smoke_s3server or smoke_s3server.sh)
#
# Each test runs as `bash TEST` with stdin from /dev/null, under `timeout`
# (SMARTFS_SHELL_TEST_TIMEOUT seconds, default 300), in its own temp dir (exported as
# SMARTFS_TEST_TMPDIR and TMPDIR); afterwards every mount left under that dir is unmounted and the
# dir removed. Exit status 0 is a pass, 77 a skip, anything else a failure.
#
# Output: one line per test, `PASS name (Ns)`, `SKIP name (Ns)` or `FAIL name (Ns)` followed by the
# test's output, indented; then `shell: N passed, M failed` (`, K skipped` appended when K > 0).
# Exits 1 when a test failed.
#
# Environment: the S3 server env (SMARTFS_TEST_ENDPOINT, SMARTFS_TEST_ACCESS_KEY,
# SMARTFS_TEST_SECRET_KEY, SMARTFS_TEST_REGION); when SMARTFS_TEST_ENDPOINT is unset, this runner
# starts its own server with scripts/s3server.sh and stops it at the end. SMARTFS_BIN: the
# smartfs binary (default: from `swift build --show-bin-path`, honouring SMARTFS_BUILD_CONFIG and
# SMARTFS_SCRATCH_PATH). SMARTFS_TEST_TMPDIR: parent of the temp dirs (default: a new /tmp dir).
# SMARTFS_SHELL_RESULTS: if set, a file to write "PASSED FAILED SKIPPED" to (for scripts/test.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/lib.sh"

timeout_s="${SMARTFS_SHELL_TEST_TIMEOUT:-300}"

# --- which tests ------------------------------------------------------------
tests=()
if [[ $# -gt 0 ]]; then
    for t in "$@"; do
        if [[ -f "$t" ]]; then tests+=("$(cd "$(dirname "$t")" && pwd)/$(basename "$t")")
        elif [[ -f "$here/$t" ]]; then tests+=("$here/$t")
        elif [[ -f "$here/$t.sh" ]]; then tests+=("$here/$t.sh")
        else die "no such shell test: $t"
        fi
    done
else
    shopt -s nullglob
    tests=("$here"/smoke_*.sh "$here"/test_*.sh)
    shopt -u nullglob
fi

# --- work dir, server, binary ------------------------------------------------
if [[ -n "${SMARTFS_TEST_TMPDIR:-}" ]]; then
    mkdir -p -- "$SMARTFS_TEST_TMPDIR"
    root="$(mktemp -d "$SMARTFS_TEST_TMPDIR/shell.XXXXXX")"
else
    root="$(mktemp -d /tmp/smartfs-shell-run.XXXXXX)"
fi
own_server_dir=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    bg_stop_all
    unmount_all_under "$root"
    if [[ -n "$own_server_dir" ]]; then "$SMARTFS_ROOT/scripts/s3server.sh" stop "$own_server_dir"; fi
    rm -rf --one-file-system -- "$root"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ${#tests[@]} -eq 0 ]]; then
    [[ -z "${SMARTFS_SHELL_RESULTS:-}" ]] || echo "0 0 0" >"$SMARTFS_SHELL_RESULTS"
    echo "shell: 0 passed, 0 failed"
    exit 0
fi

if [[ -z "${SMARTFS_TEST_ENDPOINT:-}" ]]; then
    if ! envfile="$("$SMARTFS_ROOT/scripts/s3server.sh" start --state-dir "$root/s3server" 2>"$root/s3server.err")"; then
        cat "$root/s3server.err" >&2
        die "could not start the S3 test server"
    fi
    own_server_dir="$root/s3server"
    # shellcheck disable=SC1090
    source "$(tail -n 1 <<<"$envfile")"
fi

if [[ -z "${SMARTFS_BIN:-}" ]]; then
    ensure_swift_path
    SMARTFS_BIN="$(smartfs_bin_path)"
    export SMARTFS_BIN
fi
[[ -x "$SMARTFS_BIN" ]] || warn "SMARTFS_BIN=$SMARTFS_BIN is not an executable (tests that need it will fail)"

# --- run ----------------------------------------------------------------------
passed=0 failed=0 skipped=0
for t in "${tests[@]}"; do
    name="$(basename "$t" .sh)"
    tdir="$root/$name"
    mkdir -p -- "$tdir"
    start=$SECONDS
    rc=0
    SMARTFS_TEST_TMPDIR="$tdir" TMPDIR="$tdir" \
        bg_start timeout --kill-after=10 "$timeout_s" bash "$t" </dev/null >"$root/$name.log" 2>&1
    bg_wait "$BG_PID" || rc=$?
    dur=$((SECONDS - start))
    unmount_all_under "$tdir"
    # The test secret must appear nowhere but in the configuration files the test wrote: not in
    # daemon logs, command output, cache or journal files.
    if [[ -n "${SMARTFS_TEST_SECRET_KEY:-}" ]]; then
        leaks="$(grep -rlIF --exclude='*.toml' -- "$SMARTFS_TEST_SECRET_KEY" "$tdir" "$root/$name.log" 2>/dev/null | head -5 || true)"
        if [[ -n "$leaks" ]]; then
            echo "FAIL: the test secret key appears in: $leaks" >>"$root/$name.log"
            [[ $rc -eq 0 ]] && rc=1
        fi
    fi
    rm -rf --one-file-system -- "$tdir"
    case $rc in
        0) passed=$((passed + 1)); echo "PASS $name (${dur}s)" ;;
        77) skipped=$((skipped + 1)); echo "SKIP $name (${dur}s): $(grep -m1 '^SKIP: ' "$root/$name.log" | cut -c7- || true)" ;;
        *)
            failed=$((failed + 1))
            case $rc in
                124|137) why="timed out after ${timeout_s}s (or killed)" ;;
                *) why="exit status $rc" ;;
            esac
            echo "FAIL $name (${dur}s): $why"
            sed 's/^/    | /' "$root/$name.log"
            ;;
    esac
done

if [[ -n "${SMARTFS_SHELL_RESULTS:-}" ]]; then
    echo "$passed $failed $skipped" >"$SMARTFS_SHELL_RESULTS"
fi
summary="shell: $passed passed, $failed failed"
[[ $skipped -gt 0 ]] && summary+=", $skipped skipped"
echo "$summary"
[[ $failed -eq 0 ]]
