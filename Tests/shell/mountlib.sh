# shellcheck shell=bash
# Helpers for the mount tests (Tests/shell/test_mount_*.sh): four buckets, a config with four
# modules on them, a smartfs mount in the test's temp dir with its own cache dir and log file,
# and S3-side checks with boto3. Source it instead of lib.sh:
#
#   #!/usr/bin/env bash
#   set -euo pipefail
#   source "$(dirname "$0")/mountlib.sh"
#   setup_modules_mount                 # buckets + config + mount; sets the variables below
#   cp x.css "$MNT/media/"
#   eventually_eq "key=media/x.css size=..." "x.css in S3" s3_describe "$MEDIA_BUCKET" media/x.css
#
# The mount is write-back: close() returns once the data is journaled locally and the upload
# follows, so S3-side checks of what was just written go through `eventually_eq` (or fsync first).
#
# The modules (write_modules_config):
#   media   bucket MEDIA_BUCKET   preset: location media/, overwrite false; default_acl public-read (explicit)
#   docs    bucket DOCS_BUCKET    location "team/docs" (prefix team/docs/), default_acl private,
#                                 file_overwrite true, cache_control "max-age=60", storage_class STANDARD_IA
#   static  bucket STATIC_BUCKET  preset: location static/; read_only = true
#   public  bucket PUBLIC_BUCKET  preset: location public/, public-read, overwrite true
# All four share the test server's endpoint and credentials (from [defaults]), so copies between
# them are server-side copies.
#
# Variables set by setup_modules_mount (and usable before it to change paths):
#   MNT    mount point        CFG    config file (0600)
#   CACHE  cache dir          LOG    daemon log file
#
# Every mount made with smartfs_mount registers, once per mount point, an at_exit cleanup that
# unmounts it (fusermount3 -u, then -u -z), waits for its daemon to exit and, when the test
# fails, prints the daemon's log.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_s3
require_bin
require_fuse

# Byte-order sorting (ls, sort) and English error messages, whatever the caller's locale.
export LC_ALL=C.UTF-8

MNT="${MNT:-}"
CFG="${CFG:-}"
CACHE="${CACHE:-}"
LOG="${LOG:-}"
MEDIA_BUCKET="" DOCS_BUCKET="" STATIC_BUCKET="" PUBLIC_BUCKET=""
declare -A _MOUNTLIB_REGISTERED=()

# create_module_buckets: four fresh buckets, names in MEDIA_BUCKET DOCS_BUCKET STATIC_BUCKET PUBLIC_BUCKET.
create_module_buckets() {
    local suffix names
    suffix="$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')"
    MEDIA_BUCKET="sfs-media-$suffix"
    DOCS_BUCKET="sfs-docs-$suffix"
    STATIC_BUCKET="sfs-static-$suffix"
    PUBLIC_BUCKET="sfs-public-$suffix"
    names="$(s3py '
for b in sys.argv[1:]:
    s3.create_bucket(Bucket=b)
print(" ".join(sorted(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"] in sys.argv[1:])))
' "$MEDIA_BUCKET" "$DOCS_BUCKET" "$STATIC_BUCKET" "$PUBLIC_BUCKET")"
    assert_eq "$DOCS_BUCKET $MEDIA_BUCKET $PUBLIC_BUCKET $STATIC_BUCKET" "$names" "buckets created"
}

# toml_string TEXT: TEXT as a TOML basic string (quotes and backslashes escaped).
toml_string() {
    local s="${1//\\/\\\\}"
    s="${s//\"/\\\"}"
    printf '"%s"' "$s"
}

# write_modules_config FILE [EXTRA_TOML]: the four-module config (see the top of this file), with
# the test server's endpoint and credentials in [defaults]; EXTRA_TOML is appended (e.g. a
# [cache] table). The file is made 0600.
write_modules_config() {
    local file="$1" extra="${2:-}"
    : >"$file"
    chmod 600 "$file"
    cat >"$file" <<EOF
# smartfs test configuration (Tests/shell/mountlib.sh)
[defaults]
endpoint_url = $(toml_string "$SMARTFS_TEST_ENDPOINT")
region_name = $(toml_string "$SMARTFS_TEST_REGION")
addressing_style = "path"
access_key = $(toml_string "$SMARTFS_TEST_ACCESS_KEY")
secret_key = $(toml_string "$SMARTFS_TEST_SECRET_KEY")

[modules.media]
bucket_name = $(toml_string "$MEDIA_BUCKET")
default_acl = "public-read"

[modules.docs]
bucket_name = $(toml_string "$DOCS_BUCKET")
location = "team/docs"
default_acl = "private"
file_overwrite = true
cache_control = "max-age=60"
storage_class = "STANDARD_IA"

[modules.static]
bucket_name = $(toml_string "$STATIC_BUCKET")
read_only = true

[modules.public]
bucket_name = $(toml_string "$PUBLIC_BUCKET")

$extra
EOF
}

# daemon_pids MNT: pids of smartfs processes whose arguments include MNT (the mount point, as
# given to `smartfs mount`: the background daemon gets it as an absolute path).
daemon_pids() {
    local mnt="$1" p
    for p in /proc/[0-9]*; do
        [[ -r "$p/cmdline" ]] || continue
        local -a argv=()
        mapfile -d '' -t argv <"$p/cmdline" 2>/dev/null || continue
        [[ ${#argv[@]} -ge 3 && "${argv[0]}" == *smartfs* && "${argv[1]}" == mount ]] || continue
        local a
        for a in "${argv[@]:2}"; do
            if [[ "$a" == "$mnt" ]]; then
                printf '%s\n' "${p#/proc/}"
                break
            fi
        done
    done
}

# assert_not_mounted MNT [WHAT]: MNT is not a mount point and no smartfs process serves it.
assert_not_mounted() {
    local mnt="$1" what="${2:-}" pids
    if is_mounted "$mnt"; then fail "${what:+$what: }$mnt is mounted, expected nothing mounted"; fi
    pids="$(daemon_pids "$mnt")"
    if [[ -n "$pids" ]]; then
        fail "${what:+$what: }a smartfs process is still running for $mnt: $(for p in $pids; do tr '\0' ' ' <"/proc/$p/cmdline"; echo "(pid $p)"; done)"
    fi
}

# wait_for_pid_exit PID [TIMEOUT_S=20]: true once PID is gone (or a zombie).
wait_for_pid_exit() {
    local pid="$1" t="${2:-20}" i
    for ((i = 0; i < t * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
        sleep 0.1
    done
    return 1
}

# print_daemon_log LOG [LINES=150]: the last lines of a daemon log, indented, on stderr.
print_daemon_log() {
    local log="$1" n="${2:-150}"
    if [[ -s "$log" ]]; then
        echo "--- smartfs daemon log: $log (last $n lines) ---" >&2
        tail -n "$n" -- "$log" | sed 's/^/  > /' >&2
        echo "--- end of daemon log ---" >&2
    else
        echo "--- smartfs daemon log $log: missing or empty ---" >&2
    fi
}

# _mountlib_cleanup MNT LOG: at_exit handler (runs inside lib.sh's exit trap, where $rc is the
# test's exit status): unmount, wait for the daemon, print the log if the test failed.
_mountlib_cleanup() {
    local mnt="$1" log="$2" status="${rc:-0}" pid
    local -a pids=()
    mapfile -t pids < <(daemon_pids "$mnt")
    if is_mounted "$mnt"; then
        fusermount3 -u -- "$mnt" 2>/dev/null || fusermount3 -u -z -- "$mnt" 2>/dev/null || true
    fi
    for pid in "${pids[@]}"; do
        if ! wait_for_pid_exit "$pid" 15; then
            echo "smartfs daemon pid $pid for $mnt did not exit after the unmount; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
            status=1
        fi
    done
    if [[ "$status" != 0 ]]; then print_daemon_log "$log"; fi
}

# register_mount_cleanup MNT LOG: register _mountlib_cleanup for MNT (once).
register_mount_cleanup() {
    local mnt="$1" log="$2"
    [[ -z "${_MOUNTLIB_REGISTERED[$mnt]:-}" ]] || return 0
    _MOUNTLIB_REGISTERED[$mnt]=1
    at_exit "_mountlib_cleanup $(printf '%q' "$mnt") $(printf '%q' "$log")"
}

# smartfs_mount [EXTRA_ARGS...]: `smartfs mount $MNT --config $CFG --cache-dir $CACHE --log-file $LOG`;
# must exit 0 with MNT mounted when it returns. Fails the test (with the log) otherwise.
smartfs_mount() {
    local out rc=0
    register_mount_cleanup "$MNT" "$LOG"
    out="$("$SMARTFS_BIN" mount "$MNT" --config "$CFG" --cache-dir "$CACHE" --log-file "$LOG" "$@" 2>&1)" || rc=$?
    if [[ $rc -ne 0 ]]; then
        print_daemon_log "$LOG"
        fail "smartfs mount $MNT exited $rc: $out"
    fi
    is_mounted "$MNT" || fail "smartfs mount returned 0 but $MNT is not a mount point yet (output: $out)"
}

# smartfs_unmount [MNT]: `smartfs unmount`; must exit 0, leave nothing mounted, and the daemon must exit.
smartfs_unmount() {
    local mnt="${1:-$MNT}" out rc=0
    out="$("$SMARTFS_BIN" unmount "$mnt" 2>&1)" || rc=$?
    [[ $rc -eq 0 ]] || fail "smartfs unmount $mnt exited $rc: $out"
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -z "$(daemon_pids "$mnt")" ]] && break
        sleep 0.1
    done
    assert_not_mounted "$mnt" "after smartfs unmount"
}

# setup_modules_mount [EXTRA_TOML] [EXTRA_MOUNT_ARGS...]: buckets, config, mount.
setup_modules_mount() {
    local extra="${1:-}"
    [[ $# -gt 0 ]] && shift
    create_module_buckets
    [[ -n "$MNT" ]] || MNT="$(mktemp_dir mnt)"
    [[ -n "$CACHE" ]] || CACHE="$(mktemp_dir cache)"
    [[ -n "$CFG" ]] || CFG="$TEST_TMP/smartfs.toml"
    [[ -n "$LOG" ]] || LOG="$TEST_TMP/smartfs.log"
    write_modules_config "$CFG" "$extra"
    smartfs_mount "$@"
}

# --- S3-side checks (boto3) ---------------------------------------------------

_MOUNTLIB_PY='
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
def acl_of(bucket, key):
    grants = s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    public = any(g["Grantee"].get("URI") == ALL_USERS and g["Permission"] == "READ" for g in grants)
    others = [g for g in grants if g["Grantee"].get("Type") != "CanonicalUser"]
    if public and len(others) == 1:
        return "public-read"
    if not others and all(g["Permission"] == "FULL_CONTROL" for g in grants):
        return "private"
    return "other(" + ",".join(g["Grantee"].get("URI", g["Grantee"].get("ID", "?")) + ":" + g["Permission"] for g in grants) + ")"
def list_keys(bucket, prefix=""):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return sorted(keys)
def describe(bucket, key):
    h = s3.head_object(Bucket=bucket, Key=key)
    m = h.get("Metadata", {})
    fields = [("key", key), ("size", h["ContentLength"]), ("type", h.get("ContentType", "-")),
              ("class", h.get("StorageClass", "STANDARD")), ("cc", h.get("CacheControl", "-")),
              ("acl", acl_of(bucket, key)), ("mode", m.get("mode", "-")), ("uid", m.get("uid", "-")),
              ("gid", m.get("gid", "-"))]
    return " ".join("%s=%s" % f for f in fields)
'

# s3py_m CODE [ARGS...]: s3py with the helpers above (acl_of, list_keys, describe).
s3py_m() {
    local code="$1"; shift
    s3py "$_MOUNTLIB_PY"$'\n'"$code" "$@"
}

# s3_keys BUCKET [PREFIX]: every key (sorted, one per line).
s3_keys() {
    s3py_m 'print("\n".join(list_keys(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")))' "$@"
}

# s3_describe BUCKET KEY...: one line per key:
#   key=K size=N type=CONTENT-TYPE class=STORAGE-CLASS cc=CACHE-CONTROL acl=public-read|private|other(...) mode=M uid=U gid=G
s3_describe() {
    s3py_m 'print("\n".join(describe(sys.argv[1], k) for k in sys.argv[2:]))' "$@"
}

# s3_meta BUCKET KEY NAME: the x-amz-meta-NAME value ("-" when absent).
s3_meta() {
    s3py 'print(s3.head_object(Bucket=sys.argv[1], Key=sys.argv[2]).get("Metadata", {}).get(sys.argv[3], "-"))' "$@"
}

# s3_meta_seconds BUCKET KEY NAME: the whole seconds of a time value (x-amz-meta-mtime 123.456 -> 123).
s3_meta_seconds() {
    local v
    v="$(s3_meta "$@")"
    printf '%s\n' "${v%%.*}"
}

# s3_body BUCKET KEY: the object's body on stdout.
s3_body() {
    s3py 'sys.stdout.buffer.write(s3.get_object(Bucket=sys.argv[1], Key=sys.argv[2])["Body"].read())' "$@"
}

# s3_sha256 BUCKET KEY...: "sha256  key" per key.
s3_sha256() {
    s3py '
import hashlib
for k in sys.argv[2:]:
    print(hashlib.sha256(s3.get_object(Bucket=sys.argv[1], Key=k)["Body"].read()).hexdigest() + "  " + k)
' "$@"
}

# s3_put BUCKET KEY BODY: put an object (out of band, no metadata).
s3_put() {
    s3py 's3.put_object(Bucket=sys.argv[1], Key=sys.argv[2], Body=sys.argv[3].encode())' "$@"
}

# s3_keys_line BUCKET [PREFIX]: the keys on one line, separated by single spaces.
s3_keys_line() {
    local keys
    keys="$(s3_keys "$@")"
    printf '%s\n' "${keys//$'\n'/ }"
}

# eventually_eq EXPECTED WHAT CMD [ARGS...]: run CMD until its standard output is EXPECTED, at
# most SMARTFS_UPLOAD_WAIT seconds (default 20), else fail like assert_eq with the last output
# (and the last standard error). For S3-side checks of files written through the mount: close()
# only journals the data (write-back), the upload follows in the background.
eventually_eq() {
    local expected="$1" what="$2" got="" limit="${SMARTFS_UPLOAD_WAIT:-20}" start=$SECONDS errors
    shift 2
    errors="$(mktemp "$TEST_TMP/eventually.XXXXXX")"
    while :; do
        got="$("$@" 2>"$errors")" || true
        [[ "$got" == "$expected" ]] && { rm -f -- "$errors"; return 0; }
        (( SECONDS - start < limit )) || break
        sleep 0.2
    done
    fail "$what: expected [$expected], got [$got]$([[ -s "$errors" ]] && printf ' (stderr: %s)' "$(tail -n 5 "$errors")") (still so after ${limit}s: the upload did not happen or went wrong)"
}

# errno_of CODE [ARGS...]: run python CODE (with os, sys imported; ARGS in `a`), print OK or the
# errno name of the OSError it raised (EPERM, EROFS, ...).
errno_of() {
    local code="$1"; shift
    "$PYTHON" -c 'import errno, os, sys
a = sys.argv[2:]
try:
    exec(sys.argv[1])
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$code" "$@"
}

# expect_fail WHAT MESSAGE_PART CMD...: CMD must fail and its stderr contain MESSAGE_PART.
expect_fail() {
    local what="$1" part="$2" out rc=0
    shift 2
    out="$("$@" 2>&1 >/dev/null)" || rc=$?
    [[ $rc -ne 0 ]] || fail "$what: '$*' succeeded, expected it to fail with '$part'"
    assert_contains "$out" "$part" "$what: error message of '$*'"
}
