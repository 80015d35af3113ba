#!/usr/bin/env bash
# Build and run every smartfs test against a local S3 server (moto, SigV4 checked).
#
# Usage: scripts/test.sh [--filter X]... [--no-shell | --shell-only]
#
#   1. scripts/setup.sh: installs what is missing, builds smartfs (quiet unless it fails)
#   2. scripts/s3server.sh start: a moto server on 127.0.0.1; its env (SMARTFS_TEST_ENDPOINT,
#      SMARTFS_TEST_ACCESS_KEY, SMARTFS_TEST_SECRET_KEY, SMARTFS_TEST_REGION) is exported
#   3. swift build --build-tests (quiet unless it fails), then swift test --skip-build, with the
#      server env, SMARTFS_BIN and TMPDIR set; its output is shown as it runs
#   4. Tests/shell/run.sh: every Tests/shell/smoke_*.sh and test_*.sh
#   5. a summary, last line exactly `N passed, M failed`: N and M add up the XCTest and Swift
#      Testing test cases (one per test, from swift test's per-test lines) and the shell tests;
#      a step that fails without a per-test result (setup, build, server, a crash or a timeout of
#      swift test) counts as one failure. Exit status 1 if anything failed.
#
# On exit, also on INT/TERM, it stops the S3 server, stops its children, unmounts every mount
# under its temp dir (fusermount3 -u, then -u -z) and deletes that dir. Tests get
# TMPDIR=SMARTFS_TEST_TMPDIR=<that dir>/tmp, so their mount points are cleaned up too.
#
# Options:
#   --filter X     passed to swift test as --filter X (repeatable)
#   --no-shell     skip the shell tests
#   --shell-only   skip swift build --build-tests and swift test (setup still builds smartfs)
#
# Environment:
#   SMARTFS_BUILD_CONFIG          debug (default) or release
#   SMARTFS_SCRATCH_PATH          swift --scratch-path (default: SwiftPM's .build)
#   SMARTFS_SWIFT_TEST_TIMEOUT    seconds for the whole swift test run (default 2700)
#   SMARTFS_SHELL_TEST_TIMEOUT    seconds per shell test (default 300)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SMARTFS_ROOT"

filters=()
run_swift=1
run_shell=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --filter) [[ $# -ge 2 ]] || die "--filter needs a value"; filters+=(--filter "$2"); shift 2 ;;
        --filter=*) filters+=(--filter "${1#*=}"); shift ;;
        --no-shell) run_shell=0; shift ;;
        --shell-only) run_swift=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) die "unknown argument: $1 (see scripts/test.sh --help)" ;;
    esac
done
[[ $run_swift -eq 1 || $run_shell -eq 1 ]] || die "--no-shell and --shell-only together leave nothing to run"

ensure_swift_path
config="${SMARTFS_BUILD_CONFIG:-debug}"
mapfile -t scratch < <(swift_scratch_args)

work="$(mktemp -d /tmp/smartfs-test.XXXXXX)"
server_dir="$work/s3server"
mkdir -p "$work/tmp"

passed=0 failed=0 skipped=0
summary_printed=0

summary() {
    [[ $summary_printed -eq 0 ]] || return 0
    summary_printed=1
    echo "$passed passed, $failed failed"
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    bg_stop_all
    unmount_all_under "$work"
    if [[ -d "$server_dir" ]]; then "$SMARTFS_ROOT/scripts/s3server.sh" stop "$server_dir"; fi
    rm -rf --one-file-system -- "$work"
    if [[ $rc -ne 0 && $summary_printed -eq 0 ]]; then
        # Stopped early (a failed step or a signal): still end with the summary line.
        [[ $failed -gt 0 ]] || failed=1
        summary
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "test.sh: interrupted" >&2; exit 130' INT
trap 'echo "test.sh: terminated" >&2; exit 143' TERM

# step_failed WHAT LOG: report a failed step with the tail of its log, count it, stop.
step_failed() {
    echo "FAIL $1" >&2
    if [[ -n "${2:-}" && -s "$2" ]]; then tail -n 200 "$2" | sed 's/^/    | /' >&2; fi
    failed=$((failed + 1))
    exit 1
}

# --- 1. setup + build --------------------------------------------------------
rc=0
bg_start "$SMARTFS_ROOT/scripts/setup.sh" >"$work/setup.log" 2>&1
bg_wait "$BG_PID" || rc=$?
[[ $rc -eq 0 ]] || step_failed "setup (scripts/setup.sh)" "$work/setup.log"
if [[ -s "$work/setup.log" ]]; then cat "$work/setup.log" >&2; fi   # warnings

SMARTFS_BIN="$(smartfs_bin_path)"
export SMARTFS_BIN
[[ -x "$SMARTFS_BIN" ]] || step_failed "build: no smartfs binary at $SMARTFS_BIN"

if [[ $run_swift -eq 1 ]]; then
    rc=0
    bg_start swift build --build-tests -c "$config" "${scratch[@]}" >"$work/build-tests.log" 2>&1
    bg_wait "$BG_PID" || rc=$?
    [[ $rc -eq 0 ]] || step_failed "build (swift build --build-tests)" "$work/build-tests.log"
fi

# --- 2. S3 server -------------------------------------------------------------
envfile=""
rc=0
envfile="$("$SMARTFS_ROOT/scripts/s3server.sh" start --state-dir "$server_dir" 2>"$work/s3server.err")" || rc=$?
[[ $rc -eq 0 ]] || step_failed "S3 test server (scripts/s3server.sh start)" "$work/s3server.err"
# shellcheck disable=SC1090
source "$(tail -n 1 <<<"$envfile")"
export SMARTFS_TEST_TMPDIR="$work/tmp"

# --- 3. swift test --------------------------------------------------------------
# count_swift_results LOG: print "PASSED FAILED SKIPPED" from XCTest's `Test Case '...' passed`
# lines and Swift Testing's `✔ Test x() passed after` lines.
count_swift_results() {
    sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$1" | awk '
        /^Test Case .* passed \(/  { p++; next }
        /^Test Case .* failed \(/  { f++; next }
        /^Test Case .* skipped \(/ { s++; next }
        $2 == "Test" && $3 == "run" && $4 == "with" { next }
        $2 == "Test" && / passed after /  { p++; next }
        $2 == "Test" && / failed after /  { f++; next }
        $2 == "Test" && / skipped/        { s++; next }
        END { printf "%d %d %d\n", p, f, s }'
}

if [[ $run_swift -eq 1 ]]; then
    log="$work/swift-test.log"
    : >"$log"
    t="${SMARTFS_SWIFT_TEST_TIMEOUT:-2700}"
    rc=0
    TMPDIR="$work/tmp" bg_start timeout --kill-after=30 "$t" \
        swift test --skip-build -c "$config" "${scratch[@]}" "${filters[@]}" </dev/null >"$log" 2>&1
    test_pid=$BG_PID
    # Show the output as it comes; tail ends once swift test has exited and the file is read.
    bg_start tail -n +1 -f --pid="$test_pid" "$log"
    tail_pid=$BG_PID
    bg_wait "$test_pid" || rc=$?
    bg_wait "$tail_pid" || true
    read -r p f s < <(count_swift_results "$log")
    if [[ $rc -ne 0 && $f -eq 0 ]]; then
        case $rc in
            124|137) echo "FAIL swift test: timed out after ${t}s" ;;
            *) echo "FAIL swift test: exited with status $rc without a failed test (crash?)" ;;
        esac
        f=1
    fi
    line="swift test: $p passed, $f failed"
    [[ $s -eq 0 ]] || line+=", $s skipped"
    echo "$line"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
fi

# --- 4. shell tests --------------------------------------------------------------
if [[ $run_shell -eq 1 ]]; then
    rc=0
    SMARTFS_SHELL_RESULTS="$work/shell-results" TMPDIR="$work/tmp" \
        bg_start "$SMARTFS_ROOT/Tests/shell/run.sh" </dev/null
    bg_wait "$BG_PID" || rc=$?
    if [[ -s "$work/shell-results" ]]; then
        read -r p f s <"$work/shell-results"
    else
        echo "FAIL shell tests: Tests/shell/run.sh exited with status $rc before reporting"
        p=0 f=1 s=0
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
fi

# --- 5. summary --------------------------------------------------------------------
summary
[[ $failed -eq 0 ]]
