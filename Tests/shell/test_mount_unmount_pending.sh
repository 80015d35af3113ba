#!/usr/bin/env bash
# `smartfs unmount` when an upload cannot succeed: the public bucket disappears after the mount,
# so a file closed in public cannot be uploaded. `smartfs unmount` ("Unmount MOUNTPOINT once
# every pending upload is in S3") must not report plain success: it fails (exit 1) and names the
# file that is not in S3. The data stays in the upload journal, and the next mount with the same
# cache dir uploads it once the bucket is back.
set -euo pipefail
source "$(dirname "$0")/mountlib.sh"

setup_modules_mount
s3py '
b = sys.argv[1]
for o in s3.list_objects_v2(Bucket=b).get("Contents", []):
    s3.delete_object(Bucket=b, Key=o["Key"])
s3.delete_bucket(Bucket=b)' "$PUBLIC_BUCKET"
printf 'not uploadable yet\n' >"$MNT/public/unsent.txt"
RC=0; OUT="$("$SMARTFS_BIN" unmount "$MNT" 2>&1)" || RC=$?
unmount_rc=$RC unmount_out="$OUT"
wait_for_unmount "$MNT" 60
for pid in $(daemon_pids "$MNT"); do wait_for_pid_exit "$pid" 60 || fail "daemon $pid still running after the unmount"; done
s3py 's3.create_bucket(Bucket=sys.argv[1])' "$PUBLIC_BUCKET"
smartfs_mount
eventually_eq "not uploadable yet" "the journaled file is uploaded by the next mount once the bucket is back" \
    s3_body "$PUBLIC_BUCKET" public/unsent.txt
smartfs_unmount
echo "smartfs unmount said (exit $unmount_rc): $unmount_out"
assert_contains "$unmount_out" "public/unsent.txt" "smartfs unmount names the file that is not in S3 (exit $unmount_rc)"
assert_eq 1 "$unmount_rc" "exit status of smartfs unmount when an upload could not be done (output: $unmount_out)"

echo "ok: unmount with an upload that cannot be done"
