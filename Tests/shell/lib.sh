# shellcheck shell=bash
# Helpers for Tests/shell/test_*.sh and smoke_*.sh. Source it first thing:
#
#   #!/usr/bin/env bash
#   set -euo pipefail
#   source "$(dirname "$0")/lib.sh"
#   require_s3                      # SMARTFS_TEST_* must be set (run.sh / scripts/test.sh do it)
#   require_fuse                    # for mount tests: skips (exit 77) without /dev/fuse
#   bucket="$(new_bucket)"          # creates a fresh bucket, prints its name
#   mnt="$(mktemp_dir mnt)"         # a dir under this test's private temp root
#   "$SMARTFS_BIN" mount ... "$mnt" &
#   at_exit "kill $! 2>/dev/null || true"
#   wait_for_mount "$mnt"
#   assert_eq "hello" "$(cat "$mnt/$bucket/key")" "read through the mount"
#   s3py 'print(s3.get_object(Bucket=sys.argv[1], Key="k")["Body"].read())' "$bucket"
#
# The trap pattern: sourcing this installs `trap _shell_lib_exit EXIT` and turns INT/TERM into an
# exit, so on any exit it runs your at_exit commands (last registered first), then unmounts every
# mount under the test's temp root (cleanup_mounts) and deletes that root. Register more cleanup
# with `at_exit 'command'`; do not replace the EXIT trap (or call _shell_lib_exit from yours).
#
# Exit codes understood by run.sh: 0 pass, 77 skip, anything else fail.
#
# Environment: SMARTFS_TEST_ENDPOINT, SMARTFS_TEST_ACCESS_KEY, SMARTFS_TEST_SECRET_KEY,
# SMARTFS_TEST_REGION, SMARTFS_BIN (the smartfs binary), SMARTFS_TEST_TMPDIR (parent for temp dirs).

SHELL_TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../scripts/lib.sh
source "$SHELL_TESTS_DIR/../../scripts/lib.sh"

# This test's private temp root; every mktemp_dir lives below it.
TEST_TMP="$(mktemp -d "${SMARTFS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/smartfs-shell.XXXXXX")"
_SHELL_LIB_AT_EXIT=()

# fail MSG...: print "FAIL: MSG" on stderr and exit 1.
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# skip MSG...: print "SKIP: MSG" and exit 77 (run.sh reports SKIP).
skip() {
    printf 'SKIP: %s\n' "$*" >&2
    exit 77
}

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
    if [[ "$1" != "$2" ]]; then
        fail "${3:-values differ}: expected [$1], got [$2]"
    fi
}

# assert_ne UNEXPECTED ACTUAL [WHAT]
assert_ne() {
    if [[ "$1" == "$2" ]]; then
        fail "${3:-values are equal}: did not expect [$1]"
    fi
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
    if [[ "$1" != *"$2"* ]]; then
        fail "${3:-missing text}: [$2] not found in [$1]"
    fi
}

# mktemp_dir [NAME]: create and print a new directory under the test's temp root.
mktemp_dir() {
    mktemp -d "$TEST_TMP/${1:-tmp}.XXXXXX"
}

# at_exit COMMAND: run COMMAND (with eval) when the test exits, before mounts are cleaned up.
at_exit() {
    _SHELL_LIB_AT_EXIT+=("$1")
}

# cleanup_mounts [DIR...]: unmount every mount at or below DIRs (default: the test's temp root);
# fusermount3 -u, falling back to fusermount3 -uz.
cleanup_mounts() {
    if [[ $# -eq 0 ]]; then set -- "$TEST_TMP"; fi
    unmount_all_under "$@"
}

# is_mounted DIR: DIR is a mount point.
is_mounted() {
    local d
    d="$(realpath -m -- "$1")"
    mounts_under "$d" | grep -qxF -- "$d"
}

# wait_for_mount DIR [TIMEOUT_S=20]: wait until DIR is a mount point, else fail.
wait_for_mount() {
    local dir="$1" t="${2:-20}" i
    for ((i = 0; i < t * 10; i++)); do
        is_mounted "$dir" && return 0
        sleep 0.1
    done
    fail "$dir was not mounted within ${t}s"
}

# wait_for_unmount DIR [TIMEOUT_S=20]: wait until DIR is no longer a mount point, else fail.
wait_for_unmount() {
    local dir="$1" t="${2:-20}" i
    for ((i = 0; i < t * 10; i++)); do
        is_mounted "$dir" || return 0
        sleep 0.1
    done
    fail "$dir was still mounted after ${t}s"
}

# require_s3: the S3 test server env must be set.
require_s3() {
    local v
    for v in SMARTFS_TEST_ENDPOINT SMARTFS_TEST_ACCESS_KEY SMARTFS_TEST_SECRET_KEY SMARTFS_TEST_REGION; do
        [[ -n "${!v:-}" ]] || fail "$v is not set: run through Tests/shell/run.sh or scripts/test.sh"
    done
}

# require_bin: SMARTFS_BIN must be an executable smartfs binary.
require_bin() {
    [[ -n "${SMARTFS_BIN:-}" && -x "$SMARTFS_BIN" ]] \
        || fail "SMARTFS_BIN='${SMARTFS_BIN:-}' is not an executable (build first: swift build)"
}

# require_fuse: skip the test (exit 77) when FUSE mounts cannot work here.
require_fuse() {
    [[ -e /dev/fuse ]] || skip "/dev/fuse does not exist"
    command -v fusermount3 >/dev/null 2>&1 || skip "fusermount3 is not installed"
}

# s3py CODE [ARGS...]: run a python snippet with boto3; `s3` is a client for the test server
# with the test keys, `client(access_key=..., secret_key=...)` makes another one, `ClientError`
# is imported, ARGS are in sys.argv[1:]. Example: s3py 'print(s3.list_buckets()["Buckets"])'
s3py() {
    require_s3
    local code="$1"; shift
    "$PYTHON" -c "$_S3PY_PRELUDE"$'\n'"$code" "$@"
}
_S3PY_PRELUDE='import json, os, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

def client(access_key=None, secret_key=None, **kw):
    cfg = Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "total_max_attempts": 2},
                 connect_timeout=10, read_timeout=60)
    return boto3.client("s3", endpoint_url=os.environ["SMARTFS_TEST_ENDPOINT"],
                        region_name=os.environ["SMARTFS_TEST_REGION"],
                        aws_access_key_id=access_key or os.environ["SMARTFS_TEST_ACCESS_KEY"],
                        aws_secret_access_key=secret_key or os.environ["SMARTFS_TEST_SECRET_KEY"],
                        config=cfg, **kw)

s3 = client()'

# new_bucket [PREFIX]: create a bucket with a unique name (3-63 lowercase chars), print the name.
new_bucket() {
    local name
    name="${1:-smartfs-test}-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    s3py 's3.create_bucket(Bucket=sys.argv[1])' "$name" >/dev/null
    printf '%s\n' "$name"
}

_shell_lib_exit() {
    local rc=$? i
    trap - EXIT INT TERM
    set +e
    for ((i = ${#_SHELL_LIB_AT_EXIT[@]} - 1; i >= 0; i--)); do
        eval "${_SHELL_LIB_AT_EXIT[i]}"
    done
    cleanup_mounts "$TEST_TMP"
    rm -rf --one-file-system -- "$TEST_TMP"
    exit "$rc"
}
trap _shell_lib_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
