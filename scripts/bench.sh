#!/usr/bin/env bash
# Benchmark: smartfs against s3fs and rclone mount, on the same local S3 server (moto), with the
# same workload, each step timed and checked. Not part of CI (scripts/test.sh does not run it).
#
# Usage: scripts/bench.sh [--size-mib N] [--files N] [--only smartfs|s3fs|rclone] [--quick]
#                         [--rounds N] [--fs-timeout SECONDS] [--docs|--no-docs]
#
#   --size-mib N     size of the big file (default 256)
#   --files N        number of 4 KiB files (default 300)
#   --only FS        run one filesystem only (repeatable: --only smartfs --only rclone)
#   --quick          64 MiB and 100 files, one round
#   --rounds N       rounds, interleaved (ceiling, smartfs, s3fs, rclone, then again); the report
#                    keeps each figure's best round and lists every round (default 2)
#   --fs-timeout S   hard limit for one filesystem's whole workload (default 600, scaled up
#                    with --size-mib above 256); a filesystem that exceeds it is reported as failed
#   --docs/--no-docs write docs/benchmarks.md and docs/benchmarks.png, or not (default: write
#                    them, except with --only, so a partial run does not replace the full report;
#                    the report is always printed and kept with the logs)
#
# What it does (as root: it mounts, and writes /proc/sys/vm/drop_caches):
#   1. apt-get install -y s3fs rclone fio python3-matplotlib (only what is missing; pip for
#      matplotlib if apt has none); the chart is skipped if matplotlib cannot be had.
#   2. swift build -c release --scratch-path .build-bench  ->  .build-bench/release/smartfs
#   3. scripts/s3server.sh start --no-auth: moto on 127.0.0.1, random port, signature checking
#      OFF for every client (fairness), key/secret test/test; two buckets.
#   4. Random input (big file + small files), generated once.
#   5. ROUNDS times (default 2): boto3's own put_object/get_object/upload_file/download_file of
#      the big file (the ceiling), then smartfs, s3fs, rclone in turn: empty both buckets, mount
#      with fresh cache dirs, run scripts/bench_workload.py run (nine timed steps, each
#      verified), unmount. The report keeps each figure's best round.
#   6. scripts/bench_report.py writes docs/benchmarks.md and docs/benchmarks.png and prints the
#      table. Daemon logs are kept in /tmp/smartfs-bench-logs.XXXXXX.
# On every exit path a trap unmounts every mount it made (fusermount3 -u, then -uz, then aborts
# the FUSE connection), stops the daemons it started (by pid) and the S3 server.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SMARTFS_ROOT"

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit "${1:-2}"
}

SIZE_MIB=256
FILES=300
ONLY=()
ROUNDS=""
QUICK=0
FS_TIMEOUT=""
WRITE_DOCS=""
ARGV="$*"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --size-mib) [[ $# -ge 2 ]] || die "--size-mib needs a value"; SIZE_MIB="$2"; shift 2 ;;
        --files) [[ $# -ge 2 ]] || die "--files needs a value"; FILES="$2"; shift 2 ;;
        --only) [[ $# -ge 2 ]] || die "--only needs a value"; ONLY+=("$2"); shift 2 ;;
        --quick) SIZE_MIB=64; FILES=100; QUICK=1; shift ;;
        --rounds) [[ $# -ge 2 ]] || die "--rounds needs a value"; ROUNDS="$2"; shift 2 ;;
        --fs-timeout) [[ $# -ge 2 ]] || die "--fs-timeout needs a value"; FS_TIMEOUT="$2"; shift 2 ;;
        --no-docs) WRITE_DOCS=0; shift ;;
        --docs) WRITE_DOCS=1; shift ;;
        -h|--help) usage 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
[[ "$SIZE_MIB" =~ ^[1-9][0-9]*$ ]] || die "--size-mib must be a positive integer"
[[ "$FILES" =~ ^[1-9][0-9]*$ ]] || die "--files must be a positive integer"
[[ -n "$ROUNDS" ]] || ROUNDS=$([[ $QUICK -eq 1 ]] && echo 1 || echo 2)
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"
FILESYSTEMS=(smartfs s3fs rclone)
if [[ ${#ONLY[@]} -gt 0 ]]; then
    for fs in "${ONLY[@]}"; do
        case "$fs" in smartfs|s3fs|rclone) ;; *) die "--only: unknown filesystem '$fs' (smartfs, s3fs, rclone)" ;; esac
    done
    FILESYSTEMS=("${ONLY[@]}")
fi
if [[ -z "$WRITE_DOCS" ]]; then
    if [[ ${#ONLY[@]} -gt 0 ]]; then WRITE_DOCS=0; else WRITE_DOCS=1; fi
fi
if [[ -z "$FS_TIMEOUT" ]]; then
    FS_TIMEOUT=$(( 600 * (SIZE_MIB > 256 ? SIZE_MIB : 256) / 256 ))
fi
TIMEOUT_SCALE=$(awk -v s="$SIZE_MIB" 'BEGIN { print (s > 256 ? s / 256 : 1) }')
[[ $EUID -eq 0 ]] || die "run as root: it mounts FUSE filesystems and writes /proc/sys/vm/drop_caches"

START_EPOCH=$(date +%s)
NOTES=()
note() { NOTES+=("$*"); echo "bench: note: $*" >&2; }
step() { echo "==> $*" >&2; }

# --- 1. tools ------------------------------------------------------------------------------
step "checking the tools (s3fs, rclone, fio, matplotlib)"
pkgs=()
command -v s3fs >/dev/null 2>&1 || pkgs+=(s3fs)
command -v rclone >/dev/null 2>&1 || pkgs+=(rclone)
command -v fio >/dev/null 2>&1 || pkgs+=(fio)
command -v fusermount3 >/dev/null 2>&1 || pkgs+=(fuse3)
# Debian's python3-matplotlib serves /usr/bin/python3, which may not be $PYTHON (pyenv...):
# the report runs under whichever interpreter has matplotlib.
has_mpl() { "$1" -c 'import matplotlib' >/dev/null 2>&1; }
has_mpl "$PYTHON" || has_mpl /usr/bin/python3 || pkgs+=(python3-matplotlib)
if [[ ${#pkgs[@]} -gt 0 ]]; then
    step "apt-get install -y ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 900 apt-get install -y "${pkgs[@]}" >/dev/null 2>&1 \
        || { timeout 300 apt-get update >/dev/null 2>&1 || true
             timeout 900 apt-get install -y "${pkgs[@]}" >/dev/null 2>&1 \
                 || warn "apt-get install ${pkgs[*]} failed; continuing with what is there"; }
fi
REPORT_PY="$PYTHON"
if ! has_mpl "$PYTHON"; then
    if has_mpl /usr/bin/python3; then
        REPORT_PY=/usr/bin/python3
    else
        timeout 600 "$PYTHON" -m pip install --quiet matplotlib >/dev/null 2>&1 \
            || timeout 600 "$PYTHON" -m pip install --quiet --break-system-packages matplotlib >/dev/null 2>&1 \
            || note "matplotlib could not be installed (apt or pip): no chart"
    fi
fi
"$PYTHON" -c 'import moto.server, boto3' 2>/dev/null \
    || die "python packages moto[server] and boto3 are missing; run scripts/setup.sh --no-build"
for fs in "${FILESYSTEMS[@]}"; do
    [[ "$fs" == smartfs ]] && continue
    command -v "$fs" >/dev/null 2>&1 || note "$fs is not installed: it is skipped"
done

# --- 2. build --------------------------------------------------------------------------------
ensure_swift_path
step "swift build -c release --scratch-path .build-bench"
# Others may be editing the tree while we build ("was modified during the build"): retry.
built=0
for attempt in 1 2 3; do
    if timeout 3600 swift build -c release --scratch-path .build-bench --product smartfs >&2; then
        built=1; break
    fi
    [[ $attempt -lt 3 ]] && { warn "swift build failed (attempt $attempt); retrying in 20 s"; sleep 20; }
done
[[ $built -eq 1 ]] || die "swift build -c release --scratch-path .build-bench failed"
SMARTFS_BIN="$SMARTFS_ROOT/.build-bench/release/smartfs"
# Which code was measured: the commit, and whether Sources/ or Package.* had uncommitted changes.
SMARTFS_REV="$(git -C "$SMARTFS_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$SMARTFS_ROOT" status --porcelain -- Sources Package.swift Package.resolved 2>/dev/null | wc -l)"
[[ "$dirty" -eq 0 ]] || SMARTFS_REV="$SMARTFS_REV + uncommitted changes in $dirty file(s) under Sources/ or Package.*"
SMARTFS_REV="$SMARTFS_REV (built $(date -u +%H:%M) UTC)"
[[ -x "$SMARTFS_BIN" ]] || die "$SMARTFS_BIN is missing after the build"

# --- cleanup on every exit path ----------------------------------------------------------
WORK="$(mktemp -d /tmp/smartfs-bench.XXXXXX)"
LOGKEEP=""
SERVER_DIR=""

# force_unmount MP: fusermount3 -u, then -uz, then abort the FUSE connection; bounded.
force_unmount() {
    local mp="$1" dev
    timeout 20 fusermount3 -u -- "$mp" 2>/dev/null && return 0
    timeout 20 fusermount3 -u -z -- "$mp" 2>/dev/null && return 0
    # Last resort: abort the FUSE connection (from mountinfo: no stat on a hung mount).
    dev="$(awk -v mp="$mp" '$5 == mp { print $3 }' /proc/self/mountinfo | head -n1)"
    if [[ -n "$dev" && -e "/sys/fs/fuse/connections/${dev#*:}/abort" ]]; then
        echo 1 >"/sys/fs/fuse/connections/${dev#*:}/abort" 2>/dev/null || true
    fi
    timeout 20 umount -l -- "$mp" 2>/dev/null || true
}

# our_daemon_pids: pids of s3fs / rclone / smartfs processes whose arguments name $WORK.
our_daemon_pids() {
    local p cmd
    for p in /proc/[0-9]*; do
        cmd="$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" || continue
        [[ "$cmd" == *"$WORK"* ]] || continue
        case "${cmd%% *}" in
            *s3fs|*rclone|*smartfs) echo "${p#/proc/}" ;;
        esac
    done
}

# cleanup_mounts: unmount everything under $WORK, stop the daemons left. Never fails.
cleanup_mounts() {
    local mp pid i
    while IFS= read -r mp; do
        [[ -n "$mp" ]] && force_unmount "$mp"
    done < <(mounts_under "$WORK")
    for pid in $(our_daemon_pids); do
        for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            warn "daemon pid $pid still running after unmount; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    return 0
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    bg_stop_all
    cleanup_mounts
    if [[ -n "$SERVER_DIR" ]]; then
        [[ -f "$SERVER_DIR/server.log" && -d "$WORK/logs" ]] && cp "$SERVER_DIR/server.log" "$WORK/logs/moto.log" 2>/dev/null
        scripts/s3server.sh stop "$SERVER_DIR" 2>/dev/null
    fi
    if [[ -d "$WORK/logs" ]]; then
        LOGKEEP="$(mktemp -d /tmp/smartfs-bench-logs.XXXXXX)"
        cp -r "$WORK/logs/." "$LOGKEEP/" 2>/dev/null
        cp -r "$WORK/results" "$LOGKEEP/" 2>/dev/null
        echo "bench: logs and raw results kept in $LOGKEEP" >&2
    fi
    if [[ -z "$(mounts_under "$WORK")" ]]; then
        rm -rf -- "$WORK"
    else
        warn "something is still mounted under $WORK; not removing it"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$WORK/results" "$WORK/logs" "$WORK/src"

# --- 3. server and buckets ---------------------------------------------------------------------
step "starting the S3 server (moto, signature checking OFF for every client: --no-auth)"
env_file="$(scripts/s3server.sh start --no-auth)"
# shellcheck disable=SC1090
source "$env_file"
SERVER_DIR="$SMARTFS_S3SERVER_DIR"
ENDPOINT="$SMARTFS_TEST_ENDPOINT"
echo "bench: S3 endpoint $ENDPOINT, signature checking off for all clients (fairness), key/secret test/test" >&2
suffix="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
BUCKET_A="bench-a-$suffix"
BUCKET_B="bench-b-$suffix"
"$PYTHON" - "$ENDPOINT" "$BUCKET_A" "$BUCKET_B" <<'PY'
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="test", aws_secret_access_key="test")
for b in sys.argv[2:]:
    s3.create_bucket(Bucket=b)
PY
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

WL=("$PYTHON" "$SMARTFS_ROOT/scripts/bench_workload.py")

# --- 4. input ------------------------------------------------------------------------------------
step "generating the input: ${SIZE_MIB} MiB file and ${FILES} × 4 KiB files"
timeout 600 "${WL[@]}" prepare --src "$WORK/src" --size-mib "$SIZE_MIB" --files "$FILES"
# --- 5. rounds: the ceiling, then each filesystem ------------------------------------------------
# Rounds are interleaved (ceiling, smartfs, s3fs, rclone, ceiling, smartfs, ...) so a burst of
# load from elsewhere on the machine does not land on one filesystem only; the report keeps each
# figure's best round and shows every round.
for ((round = 1; round <= ROUNDS; round++)); do
    step "round $round/$ROUNDS: ceiling: boto3 put_object/get_object and upload_file/download_file"
    timeout 300 "${WL[@]}" clear --endpoint "$ENDPOINT" "$BUCKET_A" "$BUCKET_B" \
        || die "could not empty the buckets before the ceiling"
    rc=0
    bg_start timeout -k 10 $((300 * ${TIMEOUT_SCALE%.*})) "${WL[@]}" ceiling --endpoint "$ENDPOINT" \
        --bucket "$BUCKET_A" --src "$WORK/src" --work "$WORK" --out "$WORK/results/ceiling.r$round.json"
    bg_wait "$BG_PID" || rc=$?
    [[ $rc -eq 0 ]] || note "round $round: the boto3 ceiling run failed (exit $rc)"
    for fs in "${FILESYSTEMS[@]}"; do
        if [[ "$fs" != smartfs ]] && ! command -v "$fs" >/dev/null 2>&1; then continue; fi
        step "round $round/$ROUNDS: $fs: emptying both buckets, then the workload (limit ${FS_TIMEOUT} s)"
        timeout 300 "${WL[@]}" clear --endpoint "$ENDPOINT" "$BUCKET_A" "$BUCKET_B" \
            || die "could not empty the buckets before $fs"
        rc=0
        bg_start timeout -k 20 "$FS_TIMEOUT" "${WL[@]}" run --fs "$fs" --endpoint "$ENDPOINT" \
            --bucket-a "$BUCKET_A" --bucket-b "$BUCKET_B" --src "$WORK/src" --work "$WORK/$fs-r$round" \
            --out "$WORK/results/$fs.r$round.json" --smartfs-bin "$SMARTFS_BIN" --timeout-scale "$TIMEOUT_SCALE"
        bg_wait "$BG_PID" || rc=$?
        if [[ $rc -eq 124 || $rc -eq 137 ]]; then
            note "round $round: $fs: the workload was stopped after the ${FS_TIMEOUT} s limit; the steps it had not finished are missing"
        elif [[ $rc -ne 0 ]]; then
            note "round $round: $fs: the workload exited with status $rc"
        fi
        cleanup_mounts
        # Keep the logs (the work dir's caches go now: they can be as big as the input).
        if [[ -d "$WORK/$fs-r$round/logs" ]]; then
            mkdir -p "$WORK/logs/$fs-r$round"
            cp -r "$WORK/$fs-r$round/logs/." "$WORK/logs/$fs-r$round/"
        fi
        rm -rf -- "$WORK/$fs-r$round"/cache-* 2>/dev/null || true
    done
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- 6. report ---------------------------------------------------------------------------------
printf '%s\n' "${NOTES[@]+"${NOTES[@]}"}" >"$WORK/results/notes.txt"
BENCH_ARGV="$ARGV" BENCH_START="$START_EPOCH" BENCH_SIZE="$SIZE_MIB" BENCH_FILES="$FILES" \
BENCH_FS="${FILESYSTEMS[*]}" BENCH_ROUNDS="$ROUNDS" BENCH_REV="$SMARTFS_REV" BENCH_LOAD_START="$LOAD_START" BENCH_LOAD_END="$LOAD_END" \
    "$PYTHON" - "$WORK/results" <<'PY'
import json, os, sys, time
d = sys.argv[1]
e = os.environ
notes = [l for l in open(os.path.join(d, "notes.txt")).read().splitlines() if l.strip()]
json.dump({
    "argv": e["BENCH_ARGV"],
    "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    "elapsed_s": time.time() - int(e["BENCH_START"]),
    "size_mib": int(e["BENCH_SIZE"]), "files": int(e["BENCH_FILES"]), "rounds": int(e["BENCH_ROUNDS"]),
    "filesystems": e["BENCH_FS"].split(),
    "load_start": e["BENCH_LOAD_START"], "load_end": e["BENCH_LOAD_END"],
    "moto": __import__("moto").__version__, "boto3": __import__("boto3").__version__,
    "python": sys.version.split()[0],
    "smartfs_rev": e["BENCH_REV"],
    "notes": notes,
    "commands": [
        "scripts/s3server.sh start --no-auth    # moto on http://127.0.0.1:PORT, signature checking off",
        "swift build -c release --scratch-path .build-bench",
        "scripts/bench_workload.py prepare --src SRC --size-mib %s --files %s" % (e["BENCH_SIZE"], e["BENCH_FILES"]),
        "# then, for each round N:",
        "scripts/bench_workload.py clear --endpoint URL A B    # before the ceiling and before each filesystem",
        "scripts/bench_workload.py ceiling --endpoint URL --bucket A --src SRC --work DIR --out ceiling.rN.json",
        "scripts/bench_workload.py run --fs FS --endpoint URL --bucket-a A --bucket-b B --src SRC --work DIR --out FS.rN.json --smartfs-bin .build-bench/release/smartfs",
    ],
}, open(os.path.join(d, "meta.json"), "w"), indent=1)
PY
MD="$WORK/benchmarks.md"
PNG="$WORK/benchmarks.png"
step "report"
"$REPORT_PY" "$SMARTFS_ROOT/scripts/bench_report.py" --results "$WORK/results" --md "$MD" --png "$PNG"
if [[ $WRITE_DOCS -eq 1 ]]; then
    # Keep the hand-written "Other measurements" section of the page across runs.
    if grep -q '^## Other measurements' docs/benchmarks.md 2>/dev/null; then
        { printf '\n'; sed -n '/^## Other measurements/,$p' docs/benchmarks.md; } >>"$MD"
    fi
    cp "$MD" docs/benchmarks.md
    if [[ -f "$PNG" ]]; then cp "$PNG" docs/benchmarks.png; fi
    echo "bench: wrote docs/benchmarks.md$([[ -f "$PNG" ]] && echo " and docs/benchmarks.png")" >&2
fi
cp "$MD" "$WORK/logs/" 2>/dev/null || true
if [[ -f "$PNG" ]]; then cp "$PNG" "$WORK/logs/" 2>/dev/null || true; fi
exit 0
