#!/usr/bin/env bash
# Peak resident memory of the smartfs daemon while a large file (default 1 GiB) is copied in,
# uploaded, and read back cold: data must stream through the cache, never a whole-file buffer.
#
# Usage: scripts/bench_memory.sh [SIZE_MIB]     (not part of CI: it moves 2 x SIZE through moto)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_swift_path
size_mib="${1:-1024}"
swift build -c release --product smartfs >/dev/null
bin="$(swift build -c release --show-bin-path)/smartfs"
work="$(mktemp -d /tmp/smartfs-memory.XXXXXX)"
env_file="$(scripts/s3server.sh start --state-dir "$work/s3" 2>/dev/null)"
# shellcheck disable=SC1090
source "$env_file"
cleanup() {
    fusermount3 -u "$work/mnt" 2>/dev/null || fusermount3 -uz "$work/mnt" 2>/dev/null || true
    scripts/s3server.sh stop "$work/s3" || true
    rm -rf "$work"
}
trap cleanup EXIT
python3 - "$SMARTFS_TEST_ENDPOINT" "$SMARTFS_TEST_ACCESS_KEY" "$SMARTFS_TEST_SECRET_KEY" <<'PY'
import boto3, sys
boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],
             region_name="us-east-1").create_bucket(Bucket="memory-bench")
PY
cat >"$work/smartfs.toml" <<TOML
[defaults]
endpoint_url = "$SMARTFS_TEST_ENDPOINT"
access_key = "$SMARTFS_TEST_ACCESS_KEY"
secret_key = "$SMARTFS_TEST_SECRET_KEY"
[modules.data]
bucket_name = "memory-bench"
TOML
chmod 600 "$work/smartfs.toml"
mkdir -p "$work/mnt"
head -c $((size_mib << 20)) /dev/urandom >"$work/input.bin"
peak() { awk '/VmHWM/ {print int($2 / 1024) " MiB"}' "/proc/$1/status"; }

"$bin" mount "$work/mnt" --config "$work/smartfs.toml" --cache-dir "$work/cache" >/dev/null
pid=$(cat "$(ls -d /run/smartfs 2>/dev/null || echo /tmp/smartfs-$(id -u))/$(echo "$work/mnt" | sed 's|^/||; s|/|_|g').pid")
start=$(date +%s.%N)
cp "$work/input.bin" "$work/mnt/data/big.bin"
python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)' "$work/mnt/data/big.bin"
echo "copied in and uploaded ${size_mib} MiB in $(echo "$(date +%s.%N) - $start" | bc) s; daemon peak RSS: $(peak "$pid")"
"$bin" unmount "$work/mnt" >/dev/null

"$bin" mount "$work/mnt" --config "$work/smartfs.toml" --cache-dir "$work/cache-cold" >/dev/null
pid=$(cat "$(ls -d /run/smartfs 2>/dev/null || echo /tmp/smartfs-$(id -u))/$(echo "$work/mnt" | sed 's|^/||; s|/|_|g').pid")
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
start=$(date +%s.%N)
cmp "$work/input.bin" "$work/mnt/data/big.bin"
echo "read back ${size_mib} MiB cold (verified) in $(echo "$(date +%s.%N) - $start" | bc) s; daemon peak RSS: $(peak "$pid")"
"$bin" unmount "$work/mnt" >/dev/null
