#!/usr/bin/env bash
# Write-back cache: close() returns once the data is journaled locally; files read, list and
# stat correctly while their upload is pending; after kill -9 of the daemon, the next mount
# with the same cache dir uploads every file whose close() had returned, with that content;
# fsync waits for S3; an upload that keeps failing is kept and retried until it succeeds.
set -euo pipefail
source "$(dirname "$0")/mountlib.sh"

[[ -n "${SMARTFS_S3SERVER_PID:-}" ]] || fail "SMARTFS_S3SERVER_PID is not set (run under scripts/test.sh)"
MOTO="$SMARTFS_S3SERVER_PID"
# Never leave the S3 server frozen, whatever happens.
at_exit "kill -CONT $MOTO 2>/dev/null || true"

setup_modules_mount
SRC="$(mktemp_dir src)"
N=60
for i in $(seq 1 "$N"); do
    head -c $(( (i * 7919) % 300000 + 1 )) /dev/urandom >"$SRC/f_$i"
done
: >"$SRC/empty"
mkdir "$MNT/docs/crash"

# 1. With the S3 server frozen, writes still complete: they only touch the local journal.
kill -STOP "$MOTO"
start=$(date +%s%N)
for i in $(seq 1 "$N"); do cp "$SRC/f_$i" "$MNT/docs/crash/f_$i"; done
cp "$SRC/empty" "$MNT/docs/crash/empty"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
(( elapsed_ms < 20000 )) || fail "writing $N files with S3 frozen took ${elapsed_ms} ms: close() waited for S3"

# `smartfs status` shows them waiting (the control socket answers while S3 does not).
status="$("$SMARTFS_BIN" status "$MNT")" || fail "smartfs status failed: $status"
assert_contains "$status" "uploads:"
queued=$(sed -n 's/^uploads: *\([0-9]*\) queued, \([0-9]*\) in flight.*/\1 \2/p' <<<"$status")
(( ${queued% *} + ${queued#* } >= N - 4 )) || fail "status should show the pending uploads: $status"

# 2. While pending: listed, stat'ed and read correctly from the cache.
assert_eq "$((N + 1))" "$(ls "$MNT/docs/crash" | wc -l)" "pending files are listed"
assert_eq "$(stat -c %s "$SRC/f_17")" "$(stat -c %s "$MNT/docs/crash/f_17")" "pending file size"
cmp "$SRC/f_17" "$MNT/docs/crash/f_17" || fail "pending file reads back different"
cmp "$SRC/f_$N" <(cat "$MNT/docs/crash/f_$N") || fail "pending file reads back different (another process)"

# 3. kill -9 right after the last close, with nothing uploaded yet.
mapfile -t pids < <(daemon_pids "$MNT")
[[ ${#pids[@]} -ge 1 ]] || fail "no daemon found for $MNT"
kill -KILL "${pids[@]}"
for pid in "${pids[@]}"; do wait_for_pid_exit "$pid" 10 || fail "daemon $pid survived SIGKILL"; done
journal_entries=$(find "$CACHE" -path '*/journal/*.json' | wc -l)
(( journal_entries >= N )) || fail "expected at least $N journal records after kill -9, found $journal_entries"
fusermount3 -u -z "$MNT" 2>/dev/null || true
kill -CONT "$MOTO"
# (Requests the workers had already sent sit in the frozen server's socket buffers and may
# complete now; the journal records above prove that no upload had been acknowledged.)

# 4. The next mount with the same cache dir uploads them all; unmount waits for it.
smartfs_mount
smartfs_unmount
s3py '
import hashlib
bucket, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = ["f_%d" % i for i in range(1, n + 1)] + ["empty"]
bad = [name for name in names
       if s3.get_object(Bucket=bucket, Key="team/docs/crash/" + name)["Body"].read() != open(src + "/" + name, "rb").read()]
assert not bad, "objects differ from what was written: %s" % bad
print("verified", len(names))
' "$DOCS_BUCKET" "$SRC" "$N"
assert_eq "0" "$(find "$CACHE" -path '*/journal/*' -type f | wc -l)" "journal empty after the uploads"

# 5. `smartfs flush` returns once everything written is in S3; fsync once the file is.
smartfs_mount
mkdir "$MNT/docs/flushed"
for i in $(seq 1 20); do cp "$SRC/f_$i" "$MNT/docs/flushed/f_$i"; done
out="$("$SMARTFS_BIN" flush "$MNT")" || fail "smartfs flush failed: $out"
assert_contains "$out" "is in S3"
assert_eq "20" "$(s3py 'print(s3.list_objects_v2(Bucket=sys.argv[1], Prefix="team/docs/flushed/f_")["KeyCount"])' "$DOCS_BUCKET")" "objects in S3 right after flush"
python3 - "$MNT/docs/synced.bin" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b"x" * 100000)
os.fsync(fd)
os.close(fd)
PY
assert_eq "100000" "$(s3py 'print(s3.head_object(Bucket=sys.argv[1], Key="team/docs/synced.bin")["ContentLength"])' "$DOCS_BUCKET")" "fsync'd object in S3"

# 6. An upload that fails (the bucket is gone) is kept and retried; it lands once the bucket is back.
s3py '
b = sys.argv[1]
for o in s3.list_objects_v2(Bucket=b).get("Contents", []): s3.delete_object(Bucket=b, Key=o["Key"])
s3.delete_bucket(Bucket=b)' "$PUBLIC_BUCKET"
echo "kept while the bucket is gone" >"$MNT/public/retry.txt"
sleep 2
grep -q "upload failed" "$LOG" || fail "no log line for the failing upload"
status="$("$SMARTFS_BIN" status "$MNT")"
assert_contains "$status" "failing: /public/retry.txt"
assert_contains "$status" "NoSuchBucket"
grep "upload failed" "$LOG" | grep -q "NoSuchBucket" || fail "the failure log line does not name the S3 error code"
s3py 's3.create_bucket(Bucket=sys.argv[1])' "$PUBLIC_BUCKET"
for _ in $(seq 1 60); do
    if s3py 's3.head_object(Bucket=sys.argv[1], Key="public/retry.txt")' "$PUBLIC_BUCKET" 2>/dev/null; then break; fi
    sleep 1
done
assert_eq "kept while the bucket is gone" "$(s3py 'print(s3.get_object(Bucket=sys.argv[1], Key="public/retry.txt")["Body"].read().decode().strip())' "$PUBLIC_BUCKET")" "retried upload landed"
# 7. dd conv=notrunc into a large existing object: the rest of the object is kept.
s3py 'import random; random.seed(5); s3.put_object(Bucket=sys.argv[1], Key="team/docs/big.img", Body=random.randbytes(70 << 20))' "$DOCS_BUCKET"
printf 'PATCHED!' | dd of="$MNT/docs/big.img" bs=1 seek=$((33 << 20)) conv=notrunc status=none
smartfs_unmount
s3py '
import random, hashlib
random.seed(5); expected = bytearray(random.randbytes(70 << 20)); expected[33 << 20:(33 << 20) + 8] = b"PATCHED!"
body = s3.get_object(Bucket=sys.argv[1], Key="team/docs/big.img")["Body"].read()
assert body == bytes(expected), "dd notrunc result differs (%d bytes)" % len(body)' "$DOCS_BUCKET"
echo "ok: $N files survived kill -9 with S3 frozen; reads during upload; fsync; retry after failure; dd notrunc into a 70 MiB object"
