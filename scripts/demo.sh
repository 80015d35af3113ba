#!/usr/bin/env bash
# smartfs in two minutes: five S3 buckets, one per preset module, mounted as one tree.
#
# Usage: scripts/demo.sh [MOUNTPOINT]          (default: /mnt/storage)
#
#   1. scripts/setup.sh: installs what is missing (fuse3, libcurl, moto, boto3, ...) and builds smartfs
#   2. a local S3 server (moto, through scripts/s3server.sh), left running after the demo
#   3. a bucket per preset module: media, static, documents, private, public
#   4. a configuration for them: DEMO_DIR/config.toml (chmod 600)
#   5. smartfs mount MOUNTPOINT (created with mkdir -p)
#   6. copies a few files in, moves one across modules, shows `ls -l` of the mount and, with boto3,
#      where each file landed in S3: bucket, key, ACL, Content-Type
#   7. prints how to unmount and how to stop the server
#
# Run it again at will (after `smartfs unmount MOUNTPOINT`, or even without: a mount of a previous
# run is unmounted first). The server and its buckets are reused while the server runs.
#
# Environment:
#   SMARTFS_DEMO_DIR       where the config, server state, cache and log live
#                          (default: ${XDG_STATE_HOME:-~/.local/state}/smartfs/demo)
#   SMARTFS_SCRATCH_PATH   swift build --scratch-path (default: .build), as for scripts/setup.sh
#   SMARTFS_BUILD_CONFIG   debug (default) or release
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
esac
[[ $# -le 1 ]] || die "usage: scripts/demo.sh [MOUNTPOINT]"
mnt="${1:-/mnt/storage}"
mnt="$(realpath -m -- "$mnt")"
demo="${SMARTFS_DEMO_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/smartfs/demo}"
server_dir="$demo/s3server"
config="$demo/config.toml"
cache="$demo/cache"
log="$demo/smartfs.log"
files="$demo/files"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

# --- 1. install and build ------------------------------------------------------------
step "Installing what is missing and building smartfs (scripts/setup.sh; the first build takes a few minutes)"
"$SMARTFS_ROOT/scripts/setup.sh"
ensure_swift_path
smartfs="$(smartfs_bin_path)"
[[ -x "$smartfs" ]] || die "no smartfs binary at $smartfs after scripts/setup.sh"
echo "smartfs: $smartfs"

mkdir -p -- "$demo"
chmod 700 "$demo"

# --- 2. the local S3 server ------------------------------------------------------------
server_alive() {
    [[ -f "$server_dir/env.sh" ]] || return 1
    (
        # shellcheck disable=SC1091
        source "$server_dir/env.sh"
        kill -0 "$SMARTFS_S3SERVER_PID" 2>/dev/null || exit 1
        "$PYTHON" - <<'PY' >/dev/null 2>&1
import os, boto3
from botocore.config import Config
boto3.client("s3", endpoint_url=os.environ["SMARTFS_TEST_ENDPOINT"], region_name=os.environ["SMARTFS_TEST_REGION"],
             aws_access_key_id=os.environ["SMARTFS_TEST_ACCESS_KEY"],
             aws_secret_access_key=os.environ["SMARTFS_TEST_SECRET_KEY"],
             config=Config(retries={"total_max_attempts": 1}, connect_timeout=3, read_timeout=10)).list_buckets()
PY
    )
}

if server_alive; then
    step "Reusing the local S3 server started by a previous run"
else
    step "Starting a local S3 server (moto, signature checks on)"
    # A previous server that is gone (or broken): clear its state first.
    "$SMARTFS_ROOT/scripts/s3server.sh" stop "$server_dir"
    "$SMARTFS_ROOT/scripts/s3server.sh" start --state-dir "$server_dir" >/dev/null
fi
# shellcheck disable=SC1091
source "$server_dir/env.sh"
echo "S3 endpoint: $SMARTFS_TEST_ENDPOINT (pid $SMARTFS_S3SERVER_PID, state in $server_dir)"

# s3demo CODE [ARGS...]: python with `s3`, a boto3 client for the demo server.
s3demo() {
    local code="$1"; shift
    "$PYTHON" -c 'import os, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=os.environ["SMARTFS_TEST_ENDPOINT"], region_name=os.environ["SMARTFS_TEST_REGION"],
                  aws_access_key_id=os.environ["SMARTFS_TEST_ACCESS_KEY"],
                  aws_secret_access_key=os.environ["SMARTFS_TEST_SECRET_KEY"],
                  config=Config(s3={"addressing_style": "path"}))
'"$code" "$@"
}

# --- 3. buckets ----------------------------------------------------------------------------
modules=(media static documents private public)
buckets=()
for m in "${modules[@]}"; do buckets+=("demo-$m"); done
step "Creating a bucket per module: ${buckets[*]}"
s3demo '
for b in sys.argv[1:]:
    try:
        s3.head_bucket(Bucket=b)
        print("  exists ", b)
        continue
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
    s3.create_bucket(Bucket=b)
    print("  created", b)
' "${buckets[@]}"

# --- 4. the configuration --------------------------------------------------------------------
step "Writing the configuration: $config"
: >"$config"
chmod 600 "$config"
cat >"$config" <<EOF
# smartfs demo configuration, written by scripts/demo.sh.
# One module per preset; each module is a top-level directory of the mount, backed by its own bucket.
# Presets: media, documents and private refuse to overwrite existing files (file_overwrite = false);
# documents and private are private; public is public-read; media and static take their ACL from here.

[defaults]
endpoint_url = "$SMARTFS_TEST_ENDPOINT"
region_name = "$SMARTFS_TEST_REGION"
addressing_style = "path"
access_key = "$SMARTFS_TEST_ACCESS_KEY"
secret_key = "$SMARTFS_TEST_SECRET_KEY"

[modules.media]        # location media/, no overwrite
bucket_name = "demo-media"
default_acl = "public-read"

[modules.static]       # location static/
bucket_name = "demo-static"
default_acl = "public-read"
cache_control = "public, max-age=86400"

[modules.documents]    # location documents/, private, no overwrite
bucket_name = "demo-documents"

[modules.private]      # location private/, private, no overwrite
bucket_name = "demo-private"

[modules.public]       # location public/, public-read
bucket_name = "demo-public"
EOF
printf '$ %s modules --config %s   (first lines)\n' "$smartfs" "$config"
modules_out="$("$smartfs" modules --config "$config")"
head -n 7 <<<"$modules_out"

# --- 5. mount ------------------------------------------------------------------------------------
step "Mounting at $mnt"
mkdir -p -- "$mnt"
if grep -qF " $mnt fuse.smartfs " /proc/self/mounts 2>/dev/null; then
    echo "$mnt is still mounted by a previous run: unmounting it first"
    "$smartfs" unmount "$mnt" || fusermount3 -u -- "$mnt" || die "cannot unmount the previous demo mount at $mnt"
elif mounts_under "$mnt" | grep -qxF -- "$mnt"; then
    die "$mnt is already a mount point (not smartfs): choose another one, e.g. scripts/demo.sh /tmp/storage"
fi
show "$smartfs" mount "$mnt" --config "$config" --cache-dir "$cache" --log-file "$log"

# --- 6. use it -------------------------------------------------------------------------------------
mkdir -p -- "$files"
"$PYTHON" - "$files/logo.png" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
raw = b"".join(b"\x00" + bytes([200, 30, 60]) * 16 for _ in range(16))  # 16x16, red
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)) \
      + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
printf 'body { font-family: sans-serif; color: #333; }\n' >"$files/site.css"
printf '<!doctype html>\n<title>smartfs demo</title>\n<link rel="stylesheet" href="/static/css/site.css">\n<img src="/media/uploads/logo.png">\n' >"$files/index.html"
printf 'Quarterly numbers: confidential.\n' >"$files/q3-report.txt"
printf 'Meeting notes, %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$files/notes.txt"

step "Removing the files of a previous run (overwriting is refused in media, documents and private)"
rm -rf -- "$mnt/media/uploads" "$mnt/static/css" "$mnt/documents/notes.txt" "$mnt/documents/minutes.txt" "$mnt/private/q3-report.txt" \
    "$mnt/public/index.html" "$mnt/public/notes.txt"

step "Copying files in, one module each, and moving one across modules"
show mkdir -p "$mnt/media/uploads" "$mnt/static/css"
show cp "$files/logo.png" "$mnt/media/uploads/logo.png"
show cp "$files/site.css" "$mnt/static/css/site.css"
show cp "$files/index.html" "$mnt/public/index.html"
show cp "$files/q3-report.txt" "$mnt/private/q3-report.txt"
show cp "$files/notes.txt" "$mnt/documents/notes.txt"
show cp "$files/notes.txt" "$mnt/documents/minutes.txt"
show mv "$mnt/documents/notes.txt" "$mnt/public/notes.txt"
echo "# media refuses to overwrite an existing file (file_overwrite = false):"
if cp "$files/logo.png" "$mnt/media/uploads/logo.png" 2>"$demo/cp.err"; then
    echo "  (unexpected: the overwrite was accepted)"
else
    printf '$ cp %s %s\n  %s\n' "$files/logo.png" "$mnt/media/uploads/logo.png" "$(cat "$demo/cp.err")"
fi

step "Waiting for the uploads"
echo "# close() returns once the data is safe in the local upload journal; uploads run in the background."
echo "# fsync waits until a file is in S3; \`sync FILE...\` calls it:"
show sync "$mnt/media/uploads/logo.png" "$mnt/static/css/site.css" "$mnt/public/index.html" \
    "$mnt/private/q3-report.txt" "$mnt/documents/minutes.txt" "$mnt/public/notes.txt"

step "The mount"
show ls -l "$mnt"
for m in "${modules[@]}"; do
    show ls -lR "$mnt/$m"
done

step "Where each file landed in S3 (boto3: list_objects_v2, head_object, get_object_acl)"
s3demo '
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
rows = [("BUCKET", "KEY", "ACL", "CONTENT-TYPE", "SIZE")]
for b in sys.argv[1:]:
    for o in s3.list_objects_v2(Bucket=b).get("Contents", []):
        h = s3.head_object(Bucket=b, Key=o["Key"])
        grants = s3.get_object_acl(Bucket=b, Key=o["Key"])["Grants"]
        acl = "public-read" if any(g["Grantee"].get("URI") == ALL_USERS and g["Permission"] == "READ" for g in grants) else "private"
        rows.append((b, o["Key"], acl, h.get("ContentType", "-"), str(h["ContentLength"])))
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
for r in rows:
    print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
' "${buckets[@]}"

step "Done"
cat <<EOF
The mount stays up: try  ls $mnt/media  or  cp some-file $mnt/public/
Configuration: $config     daemon log: $log

Unmount:          $smartfs unmount $mnt
Stop the server:  $SMARTFS_ROOT/scripts/s3server.sh stop $server_dir
                  (it holds the buckets in memory: stopping it deletes them)
Run the demo again: $0 $mnt
EOF
