#!/usr/bin/env bash
# Raw S3 client throughput: smartfs's S3 client (libcurl + SigV4) against boto3, on the same
# local moto server, same object size, one single-request PUT and one GET each, in one run.
#
# Usage: scripts/bench_s3_client.sh [SIZE_MIB]   (default 64)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_swift_path
size_mib="${1:-64}"
swift build -c release --product smartfs >/dev/null
bin="$(swift build -c release --show-bin-path)/smartfs"
env_file="$(scripts/s3server.sh start 2>/dev/null)"
# shellcheck disable=SC1090
source "$env_file"
trap 'scripts/s3server.sh stop "$SMARTFS_S3SERVER_DIR"' EXIT
export AWS_ACCESS_KEY_ID="$SMARTFS_TEST_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SMARTFS_TEST_SECRET_KEY"
python3 - "$SMARTFS_TEST_ENDPOINT" <<'PY'
import boto3, sys
boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1").create_bucket(Bucket="bench-client")
PY
echo "object size: ${size_mib} MiB, server: moto on 127.0.0.1 with signature checking"
for round in 1 2 3; do
    "$bin" bench-s3 --endpoint "$SMARTFS_TEST_ENDPOINT" --bucket bench-client --size $((size_mib << 20))
    python3 - "$SMARTFS_TEST_ENDPOINT" "$size_mib" <<'PY'
import boto3, sys, time
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
size = int(sys.argv[2]) << 20
body = bytes((i * 31) & 0xFF for i in range(256)) * (size // 256)
t = time.monotonic(); s3.put_object(Bucket="bench-client", Key="bench/boto3", Body=body); put = time.monotonic() - t
t = time.monotonic(); n = len(s3.get_object(Bucket="bench-client", Key="bench/boto3")["Body"].read()); get = time.monotonic() - t
mib = size / 1048576
print(f"boto3       put {mib / put:.1f} MiB/s get {mib / get:.1f} MiB/s ({n} bytes)")
PY
done
