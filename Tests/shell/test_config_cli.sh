#!/usr/bin/env bash
# The configuration through the command line: `smartfs modules` on good and bad files, exit
# codes, and a file its user cannot read (run as another uid).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_bin

dir="$(mktemp_dir cfg)"
chmod 755 "$dir"
cat >"$dir/good.toml" <<'TOML'
[defaults]
access_key = "AKIAEXAMPLEKEY123456"
secret_key = "verysecretvalue/with+chars"
endpoint_url = "http://127.0.0.1:9"

[modules.media]
bucket_name = "my-media-bucket"
default_acl = "public-read"

[modules."Compliance Docs"]
bucket_name = "compliance-docs"
region_name = "us-gov-west-1"
TOML
out="$("$SMARTFS_BIN" modules --config "$dir/good.toml")"
assert_contains "$out" "my-media-bucket"
assert_contains "$out" "Compliance Docs"
assert_contains "$out" "media/"
[[ "$out" != *verysecretvalue* ]] || fail "modules printed the secret key"
[[ "$out" != *AKIAEXAMPLEKEY123456* ]] || fail "modules printed the whole access key"

printf '[modules.media]\nbucket = "x"\n' >"$dir/unknown.toml"
rc=0; out="$("$SMARTFS_BIN" modules --config "$dir/unknown.toml" 2>&1)" || rc=$?
assert_eq 2 "$rc" "exit code for an unknown key"
assert_contains "$out" "did you mean 'bucket_name'?"

printf '[modules.media\n' >"$dir/syntax.toml"
rc=0; out="$("$SMARTFS_BIN" modules --config "$dir/syntax.toml" 2>&1)" || rc=$?
assert_eq 2 "$rc" "exit code for a TOML syntax error"
assert_contains "$out" "line 1"

rc=0; out="$("$SMARTFS_BIN" modules --config "$dir/missing.toml" 2>&1)" || rc=$?
assert_eq 2 "$rc" "exit code for a missing file"

# A file the user cannot read: run as nobody (root reads everything), from a directory that
# nobody can reach (the test's own temp dirs are 0700).
command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed to run as another user"
dir="$(mktemp -d /tmp/smartfs-config-cli.XXXXXX)"
at_exit "rm -rf $(printf '%q' "$dir")"
chmod 755 "$dir"
printf '[modules.media]\nbucket_name = "my-media-bucket"\n' >"$dir/unreadable.toml"
chmod 000 "$dir/unreadable.toml"
bin_copy="$dir/smartfs"
cp "$SMARTFS_BIN" "$bin_copy"
chmod 755 "$bin_copy"
rc=0; out="$(cd "$dir" && HOME="$dir" setpriv --reuid=65534 --regid=65534 --clear-groups "$bin_copy" modules --config "$dir/unreadable.toml" 2>&1)" || rc=$?
assert_eq 2 "$rc" "exit code for an unreadable file (output: $out)"
assert_contains "$out" "$dir/unreadable.toml: cannot read the configuration file: Permission denied"
echo "ok: modules table, masking, exit codes, unreadable file"
