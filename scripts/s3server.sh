#!/usr/bin/env bash
# Local S3 test server for smartfs: moto's standalone server on 127.0.0.1, SigV4 checked.
#
# Usage:
#   source "$(scripts/s3server.sh start [--no-auth] [--state-dir DIR])"
#   ...tests...
#   scripts/s3server.sh stop "$SMARTFS_S3SERVER_DIR"
#
#   start [--no-auth] [--state-dir DIR]
#       Starts moto's server (`python3 -m moto.server -H 127.0.0.1 -p PORT`, through the wrapper
#       described under "SigV4 fix") on a free random port, in the background, with
#       INITIAL_NO_AUTH_ACTION_COUNT=3. Once it answers (at most SMARTFS_S3SERVER_TIMEOUT seconds,
#       default 30) it makes exactly three unauthenticated IAM
#       calls (create_user, put_user_policy allowing "*" on "*", create_access_key); from then on
#       every request is signature-checked against that key (wrong secret: SignatureDoesNotMatch,
#       unknown key: InvalidAccessKeyId). The script checks this before returning.
#       --no-auth: no signature checking at all; the key and secret are "test" / "test".
#       --unpatched: run moto exactly as shipped (see "SigV4 fix" below) instead of the wrapper.
#       --state-dir DIR: where to keep the state (default: a new mktemp -d /tmp/smartfs-s3.XXXXXX).
#       Creates no bucket (bucket names need at least 3 characters).
#       stdout: exactly one line, the path of DIR/env.sh. stderr: endpoint and credentials.
#   stop [DIR]      Stops the server (TERM, then KILL after 10 s) and removes DIR.
#                   DIR defaults to $SMARTFS_S3SERVER_DIR. Stopping a missing DIR is not an error.
#   env [DIR]       Prints DIR/env.sh (eval "$(scripts/s3server.sh env DIR)").
#
# DIR/env.sh exports:
#   SMARTFS_TEST_ENDPOINT=http://127.0.0.1:PORT  SMARTFS_TEST_ACCESS_KEY  SMARTFS_TEST_SECRET_KEY
#   SMARTFS_TEST_REGION=us-east-1  SMARTFS_S3SERVER_PID  SMARTFS_S3SERVER_DIR
# DIR also holds server.pid and server.log.
#
# SigV4 fix: moto 5.x rebuilds the request it verifies from werkzeug's re-encoded request.url,
# not from the bytes the client signed, so correctly signed requests whose key has characters
# like + = : , ; @ & $ ! ' ( ) * % or non-ASCII, or whose query has a "/" (Prefix=dir/,
# Delimiter=/) or a bare `?uploads`, get SignatureDoesNotMatch (moto 5.2.1; 5.2.5 verifies them
# correctly). The server therefore runs through a wrapper that patches moto to verify the raw
# request target (werkzeug's RAW_URI) and then runs moto.server's main() with the same arguments
# (-H 127.0.0.1 -p PORT): scripts/moto_server.py. The patch is harmless on a moto that is
# already right.
# `start` checks the result (a "/" delimiter listing and a key with special characters must
# pass the signature check) unless --unpatched is given.
#
# Environment: PYTHON (default python3), SMARTFS_S3SERVER_TIMEOUT (default 30).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REGION=us-east-1
IAM_USER=smartfs-test

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit "${1:-2}"
}

# is_our_server PID: the process exists and is a moto server.
is_our_server() {
    local pid="$1" cmd
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmd" == *moto.server* || "$cmd" == *moto_server* ]]
}

# kill_server PID: TERM the server's process group (it runs under setsid), wait, then KILL.
kill_server() {
    local pid="$1" i
    is_our_server "$pid" || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        # A zombie (not yet reaped by its parent) no longer serves anything.
        [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
        sleep 0.1
    done
    warn "server pid $pid did not exit"
}

# remove_state DIR: delete a state dir, but only one that looks like ours.
remove_state() {
    local dir="$1"
    [[ -d "$dir" ]] || return 0
    if [[ -e "$dir/env.sh" || -e "$dir/server.pid" || -e "$dir/server.log" || -z "$(ls -A "$dir")" ]]; then
        rm -rf -- "$dir"
    else
        warn "not removing $dir: it does not look like an s3server state dir"
    fi
}

cmd_stop() {
    local dir="${1:-${SMARTFS_S3SERVER_DIR:-}}" pid=""
    [[ -n "$dir" ]] || die "stop: no state dir given and SMARTFS_S3SERVER_DIR is not set"
    [[ -d "$dir" ]] || return 0
    [[ -f "$dir/server.pid" ]] && pid="$(<"$dir/server.pid")"
    [[ -n "$pid" ]] && kill_server "$pid"
    remove_state "$dir"
}

cmd_env() {
    local dir="${1:-${SMARTFS_S3SERVER_DIR:-}}"
    [[ -n "$dir" && -f "$dir/env.sh" ]] || die "env: no env.sh in '${dir}'"
    cat "$dir/env.sh"
}

# wait_ready PORT PID TIMEOUT: poll GET /moto-api/config (moto's own API: it does not count
# towards INITIAL_NO_AUTH_ACTION_COUNT) until it answers; fail if the process exits first.
wait_ready() {
    "$PYTHON" - "$@" <<'PY'
import os, sys, time, urllib.request, urllib.error
port, pid, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + timeout
url = f"http://127.0.0.1:{port}/moto-api/config"
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                raise ProcessLookupError
    except (ProcessLookupError, FileNotFoundError):
        print("server exited", file=sys.stderr); sys.exit(2)
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            r.read()
            sys.exit(0)
    except (urllib.error.URLError, ConnectionError, OSError):
        time.sleep(0.2)
print(f"server did not answer within {timeout:g} s", file=sys.stderr)
sys.exit(1)
PY
}

# bootstrap ENDPOINT: the three unauthenticated IAM calls; prints "ACCESS_KEY SECRET_KEY".
bootstrap() {
    "$PYTHON" - "$1" "$REGION" "$IAM_USER" <<'PY'
import json, sys
import boto3
from botocore.config import Config
endpoint, region, user = sys.argv[1:4]
# No retries: every request counts towards INITIAL_NO_AUTH_ACTION_COUNT.
cfg = Config(retries={"mode": "standard", "total_max_attempts": 1})
iam = boto3.client("iam", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id="test", aws_secret_access_key="test", config=cfg)
iam.create_user(UserName=user)
iam.put_user_policy(UserName=user, PolicyName="allow-all", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}))
key = iam.create_access_key(UserName=user)["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
}

# verify ENDPOINT KEY SECRET AUTH PATCHED: the good key works; with AUTH=1, a wrong secret gets
# SignatureDoesNotMatch and an unknown key gets InvalidAccessKeyId; with PATCHED=1, requests with
# a "/" delimiter and a key with special characters pass the signature check (they reach the
# bucket lookup: NoSuchBucket, as no bucket exists yet).
verify() {
    "$PYTHON" - "$1" "$REGION" "$2" "$3" "$4" "$5" <<'PY'
import sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
endpoint, region, key, secret, auth, patched = sys.argv[1:7]
cfg = Config(retries={"mode": "standard", "total_max_attempts": 1}, s3={"addressing_style": "path"})
def s3(k, s):
    return boto3.client("s3", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id=k, aws_secret_access_key=s, config=cfg)
good = s3(key, secret)
good.list_buckets()
if auth == "1" and patched == "1":
    missing = "smartfs-s3server-check-nonexistent"
    for what, call in (
        ("a listing with Prefix=dir/ and Delimiter=/",
         lambda: good.list_objects_v2(Bucket=missing, Prefix="dir/", Delimiter="/")),
        ("a GET of a key with special characters",
         lambda: good.get_object(Bucket=missing, Key="dir/a+b=c:d,e;f@g&h$i!j'k(l)m*n%o é.txt")),
    ):
        try:
            call()
        except ClientError as e:
            got = e.response.get("Error", {}).get("Code")
            if got != "NoSuchBucket":
                sys.exit(f"{what} got {got} instead of NoSuchBucket: the SigV4 fix is not working")
        else:
            sys.exit(f"{what} succeeded on a bucket that does not exist")
if auth == "1":
    for k, s, want in ((key, secret + "x", "SignatureDoesNotMatch"),
                       ("AKIAUNKNOWNKEY000000", secret, "InvalidAccessKeyId")):
        try:
            s3(k, s).list_buckets()
        except ClientError as e:
            got = e.response.get("Error", {}).get("Code")
            if got != want:
                sys.exit(f"expected {want}, got {got}: signature checking is not working")
        else:
            sys.exit(f"a request that should fail with {want} succeeded: signature checking is off")
PY
}

cmd_start() {
    local auth=1 patched=1 dir="" made_dir=0
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --no-auth) auth=0; shift ;;
            --unpatched) patched=0; shift ;;
            --state-dir) [[ $# -ge 2 ]] || die "--state-dir needs a value"; dir="$2"; shift 2 ;;
            --state-dir=*) dir="${1#*=}"; shift ;;
            -h|--help) usage 0 ;;
            *) die "start: unknown argument: $1" ;;
        esac
    done
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; run scripts/setup.sh"
    "$PYTHON" -c 'import moto.server, boto3' 2>/dev/null \
        || die "python packages moto[server] and boto3 are missing; run scripts/setup.sh --no-build"

    if [[ -z "$dir" ]]; then
        dir="$(mktemp -d /tmp/smartfs-s3.XXXXXX)"
        made_dir=1
    else
        if [[ ! -d "$dir" ]]; then mkdir -p -- "$dir"; made_dir=1; fi
        [[ ! -e "$dir/server.pid" ]] || die "$dir already holds a server (stop it first)"
    fi
    dir="$(cd "$dir" && pwd)"

    local pid="" port="" attempt rc timeout="${SMARTFS_S3SERVER_TIMEOUT:-30}"
    # On any failure from here on: stop the server, remove what we made, show the log tail.
    fail_start() {
        echo "s3server.sh: error: $*" >&2
        if [[ -s "$dir/server.log" ]]; then
            echo "--- last lines of the server log ($dir/server.log) ---" >&2
            tail -n 30 "$dir/server.log" >&2
        fi
        [[ -n "$pid" ]] && kill_server "$pid"
        if [[ $made_dir -eq 1 ]]; then rm -rf -- "$dir"; else rm -f -- "$dir/server.pid" "$dir/server.log" "$dir/env.sh"; fi
        exit 1
    }
    trap 'fail_start "interrupted"' INT TERM

    local -a server=("$PYTHON" -m moto.server) auth_env=(env -u INITIAL_NO_AUTH_ACTION_COUNT)
    if [[ $patched -eq 1 ]]; then
        [[ -f "$SMARTFS_ROOT/scripts/moto_server.py" ]] \
            || fail_start "scripts/moto_server.py is missing (or use --unpatched)"
        server=("$PYTHON" "$SMARTFS_ROOT/scripts/moto_server.py")
    fi
    if [[ $auth -eq 1 ]]; then auth_env=(env INITIAL_NO_AUTH_ACTION_COUNT=3); fi
    for attempt in 1 2 3; do
        port="$(free_port)" || fail_start "could not find a free port"
        # setsid: its own process group, so `stop` can signal the group; no stdio shared with us.
        "${auth_env[@]}" setsid "${server[@]}" -H 127.0.0.1 -p "$port" >"$dir/server.log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$dir/server.pid"
        rc=0
        wait_ready "$port" "$pid" "$timeout" 2>>"$dir/server.log" || rc=$?
        [[ $rc -eq 0 ]] && break
        # Someone took the port between our probe and the server's bind: try another one.
        if [[ $rc -eq 2 && $attempt -lt 3 ]] && grep -q 'Address already in use' "$dir/server.log"; then
            kill_server "$pid"; pid=""
            continue
        fi
        fail_start "moto server on 127.0.0.1:$port did not start"
    done

    local endpoint="http://127.0.0.1:$port" key secret creds
    if [[ $auth -eq 1 ]]; then
        creds="$(bootstrap "$endpoint" 2>>"$dir/server.log")" \
            || fail_start "IAM bootstrap (create_user, put_user_policy, create_access_key) failed"
        read -r key secret <<<"$creds"
        [[ -n "$key" && -n "$secret" ]] || fail_start "IAM bootstrap returned no access key"
    else
        key=test secret=test
    fi
    verify "$endpoint" "$key" "$secret" "$auth" "$patched" 2>>"$dir/server.log" \
        || fail_start "the server does not behave as expected (see the log)"

    {
        echo "# smartfs S3 test server (moto), started by scripts/s3server.sh"
        printf 'export SMARTFS_TEST_ENDPOINT=%q\n' "$endpoint"
        printf 'export SMARTFS_TEST_ACCESS_KEY=%q\n' "$key"
        printf 'export SMARTFS_TEST_SECRET_KEY=%q\n' "$secret"
        printf 'export SMARTFS_TEST_REGION=%q\n' "$REGION"
        printf 'export SMARTFS_S3SERVER_PID=%q\n' "$pid"
        printf 'export SMARTFS_S3SERVER_DIR=%q\n' "$dir"
    } >"$dir/env.sh"
    trap - INT TERM

    {
        echo "moto S3 server: $endpoint (pid $pid, signature checks $([[ $auth -eq 1 ]] && echo on || echo off)$([[ $patched -eq 1 ]] || echo ", unpatched moto"))"
        echo "  access key: $key"
        echo "  secret key: $secret"
        echo "  region:     $REGION"
        echo "  state dir:  $dir   (stop: scripts/s3server.sh stop $dir)"
    } >&2
    echo "$dir/env.sh"
}

[[ $# -ge 1 ]] || usage
sub="$1"; shift
case "$sub" in
    start) cmd_start "$@" ;;
    stop) [[ $# -le 1 ]] || die "usage: s3server.sh stop [DIR]"; cmd_stop "$@" ;;
    env) [[ $# -le 1 ]] || die "usage: s3server.sh env [DIR]"; cmd_env "$@" ;;
    -h|--help|help) usage 0 ;;
    *) die "unknown subcommand: $sub (start, stop, env)" ;;
esac
