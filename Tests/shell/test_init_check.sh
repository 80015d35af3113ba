#!/usr/bin/env bash
# `smartfs init` writes a starter config that parses; `smartfs check` probes each module for
# real (exists, list, write) and exits 1 naming what is wrong.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_bin
require_s3

dir="$(mktemp_dir init)"
out="$("$SMARTFS_BIN" init "$dir/conf/config.toml")"
assert_contains "$out" "wrote $dir/conf/config.toml"
assert_eq "600" "$(stat -c %a "$dir/conf/config.toml")" "starter config mode"
modules="$("$SMARTFS_BIN" modules --config "$dir/conf/config.toml")"
for name in media static documents private public; do assert_contains "$modules" "$name"; done
rc=0; "$SMARTFS_BIN" init "$dir/conf/config.toml" >/dev/null 2>&1 || rc=$?
assert_eq 1 "$rc" "init refuses to overwrite"

good="$(new_bucket check-good)"
readonly_bucket="$(new_bucket check-ro)"
cat >"$dir/check.toml" <<TOML
[defaults]
endpoint_url = "$SMARTFS_TEST_ENDPOINT"
access_key = "$SMARTFS_TEST_ACCESS_KEY"
secret_key = "$SMARTFS_TEST_SECRET_KEY"

[modules.media]
bucket_name = "$good"

[modules.archive]
bucket_name = "$readonly_bucket"
read_only = true

[modules.missing]
bucket_name = "no-such-bucket-$RANDOM$RANDOM"
TOML
chmod 600 "$dir/check.toml"
rc=0; out="$("$SMARTFS_BIN" check --config "$dir/check.toml" 2>&1)" || rc=$?
assert_eq 1 "$rc" "check exits 1 when a module fails (output: $out)"
assert_contains "$out" "ok    media: s3://$good/media/ can be listed and written"
assert_contains "$out" "ok    archive: s3://$readonly_bucket/ exists and can be listed (read-only"
assert_contains "$out" "FAIL  missing: bucket 'no-such-bucket-"
# The probe object is gone again.
assert_eq "0" "$(s3py 'print(s3.list_objects_v2(Bucket=sys.argv[1]).get("KeyCount", 0))' "$good")" "probe object removed"

sed -i "s|^secret_key = .*|secret_key = \"wrong-secret\"|" "$dir/check.toml"
rc=0; out="$("$SMARTFS_BIN" check --config "$dir/check.toml" 2>&1)" || rc=$?
assert_eq 1 "$rc" "check with a wrong secret"
assert_contains "$out" "SignatureDoesNotMatch"
[[ "$out" != *wrong-secret* ]] || fail "check printed the secret"
echo "ok: init writes a config that parses; check reports each module"
