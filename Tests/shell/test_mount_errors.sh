#!/usr/bin/env bash
# How `smartfs mount`, `unmount` and `modules` fail: a bad config (exit 2, the key named), a
# missing bucket and a wrong secret (exit 1, module/bucket/S3 error named), a second mount on
# the same mount point, unmounting what is not mounted; SIGTERM to a --foreground mount
# unmounts it and ends the process; secrets never printed. Nothing may stay mounted or running
# after a failed mount.
set -euo pipefail
source "$(dirname "$0")/mountlib.sh"

create_module_buckets
MNT="$(mktemp_dir mnt)"
CACHE="$(mktemp_dir cache)"
CFG="$TEST_TMP/smartfs.toml"
LOG="$TEST_TMP/smartfs.log"
write_modules_config "$CFG"
register_mount_cleanup "$MNT" "$LOG"

# try_mount CONFIG: run `smartfs mount` on $MNT; sets OUT (stdout+stderr) and RC.
try_mount() {
    RC=0
    OUT="$("$SMARTFS_BIN" mount "$MNT" --config "$1" --cache-dir "$CACHE" --log-file "$LOG" 2>&1)" || RC=$?
}

# --- a bad config: unknown key ------------------------------------------------------------------
bad="$TEST_TMP/bad.toml"
sed 's/^storage_class = /storage_clas = /' "$CFG" >"$bad"
grep -q '^storage_clas = ' "$bad" || fail "could not make the bad config"
try_mount "$bad"
assert_eq 2 "$RC" "exit status of mount with an unknown key (output: $OUT)"
assert_contains "$OUT" "storage_clas" "the message names the unknown key"
assert_contains "$OUT" "modules.docs" "the message names the module table"
assert_not_mounted "$MNT" "after a bad config"
RC=0; OUT="$("$SMARTFS_BIN" modules --config "$bad" 2>&1)" || RC=$?
assert_eq 2 "$RC" "exit status of modules with an unknown key (output: $OUT)"
assert_contains "$OUT" "storage_clas" "modules names the unknown key"

# A missing config file is a configuration error too.
try_mount "$TEST_TMP/does-not-exist.toml"
assert_eq 2 "$RC" "exit status of mount with a missing config file (output: $OUT)"
assert_contains "$OUT" "does-not-exist.toml" "the message names the missing file"
assert_not_mounted "$MNT" "after a missing config file"

# --- a missing bucket ---------------------------------------------------------------------------------
missing_bucket="sfs-missing-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
missing="$TEST_TMP/missing.toml"
sed "s/^bucket_name = \"$STATIC_BUCKET\"/bucket_name = \"$missing_bucket\"/" "$CFG" >"$missing"
grep -q "$missing_bucket" "$missing" || fail "could not make the missing-bucket config"
try_mount "$missing"
assert_eq 1 "$RC" "exit status of mount with a missing bucket (output: $OUT)"
assert_contains "$OUT" "static" "the message names the module"
assert_contains "$OUT" "$missing_bucket" "the message names the bucket"
assert_not_mounted "$MNT" "after a missing bucket"

# --- a wrong secret ---------------------------------------------------------------------------------------
wrong_secret="${SMARTFS_TEST_SECRET_KEY%?}X"
[[ "$wrong_secret" != "$SMARTFS_TEST_SECRET_KEY" ]] || wrong_secret="${SMARTFS_TEST_SECRET_KEY%?}Y"
wrong="$TEST_TMP/wrong.toml"
SECRET="$SMARTFS_TEST_SECRET_KEY" WRONG="$wrong_secret" "$PYTHON" -c '
import os, sys
text = open(sys.argv[1]).read()
assert os.environ["SECRET"] in text
open(sys.argv[2], "w").write(text.replace(os.environ["SECRET"], os.environ["WRONG"]))' "$CFG" "$wrong"
try_mount "$wrong"
assert_eq 1 "$RC" "exit status of mount with a wrong secret (output: $OUT)"
assert_contains "$OUT" "SignatureDoesNotMatch" "the message names the S3 error"
[[ "$OUT" != *"$wrong_secret"* ]] || fail "the mount error prints the (wrong) secret key: $OUT"
assert_not_mounted "$MNT" "after a wrong secret"

# --- mount point problems -----------------------------------------------------------------------------------
RC=0; OUT="$("$SMARTFS_BIN" mount "$TEST_TMP/no-such-dir" --config "$CFG" --cache-dir "$CACHE" --log-file "$LOG" 2>&1)" || RC=$?
assert_eq 1 "$RC" "exit status of mount on a missing directory (output: $OUT)"
assert_contains "$OUT" "no-such-dir" "the message names the missing mount point"

# --- mounting twice on the same mount point -------------------------------------------------------------------
smartfs_mount
echo once >"$MNT/public/once.txt"
try_mount "$CFG"
assert_eq 1 "$RC" "exit status of a second mount on the same mount point (output: $OUT)"
assert_contains "$OUT" "$MNT" "the message names the mount point"
assert_eq 1 "$(grep -c " $MNT fuse" /proc/mounts)" "exactly one mount at $MNT after the second attempt"
assert_eq 1 "$(daemon_pids "$MNT" | wc -l)" "exactly one smartfs daemon for $MNT"
assert_eq "once" "$(cat "$MNT/public/once.txt")" "the first mount still works"
smartfs_unmount
assert_eq "once" "$(s3_body "$PUBLIC_BUCKET" public/once.txt)" "file written before the unmount is in S3"

# --- unmounting what is not mounted -----------------------------------------------------------------------------
RC=0; OUT="$("$SMARTFS_BIN" unmount "$MNT" 2>&1)" || RC=$?
assert_eq 1 "$RC" "exit status of smartfs unmount on a directory that is not mounted (output: $OUT)"
assert_contains "$OUT" "not mounted" "the message says it is not mounted"
plain="$(mktemp_dir plain)"
RC=0; OUT="$("$SMARTFS_BIN" unmount "$plain" 2>&1)" || RC=$?
assert_eq 1 "$RC" "exit status of smartfs unmount on a plain directory (output: $OUT)"

# --- SIGTERM to a --foreground mount ----------------------------------------------------------------------------
fg_mnt="$(mktemp_dir fgmnt)"
fg_log="$TEST_TMP/foreground.log"
register_mount_cleanup "$fg_mnt" "$fg_log"
"$SMARTFS_BIN" mount "$fg_mnt" --foreground --config "$CFG" --cache-dir "$CACHE" --log-file "$fg_log" </dev/null >"$TEST_TMP/fg.out" 2>&1 &
fg_pid=$!
at_exit "kill -KILL $fg_pid 2>/dev/null || true"
wait_for_mount "$fg_mnt" 20
kill -0 "$fg_pid" 2>/dev/null || fail "the --foreground mount process is not running while mounted"
printf 'written before SIGTERM\n' >"$fg_mnt/docs/before-term.txt"
# A file still open (being written) when SIGTERM arrives must be uploaded on the way out.
exec 7>"$fg_mnt/public/open-at-term.txt"
printf 'open at SIGTERM\n' >&7
kill -TERM "$fg_pid"
exec 7>&-
wait_for_pid_exit "$fg_pid" 30 || fail "the --foreground mount did not exit within 30 s of SIGTERM"
fg_rc=0; wait "$fg_pid" || fg_rc=$?
assert_eq 0 "$fg_rc" "exit status of a --foreground mount after SIGTERM (output: $(cat "$TEST_TMP/fg.out"))"
if grep -qF " $fg_mnt " /proc/mounts; then fail "$fg_mnt is still in /proc/mounts after SIGTERM"; fi
assert_not_mounted "$fg_mnt" "after SIGTERM"
assert_eq "written before SIGTERM" "$(s3_body "$DOCS_BUCKET" team/docs/before-term.txt)" "file written before SIGTERM is in S3"
assert_eq "open at SIGTERM" "$(s3_body "$PUBLIC_BUCKET" public/open-at-term.txt)" "file open at SIGTERM is in S3"
assert_contains "$(cat "$fg_log")" "unmounted" "the foreground log records the unmount"

# --- smartfs modules never prints the secret ---------------------------------------------------------------------
RC=0; OUT="$("$SMARTFS_BIN" modules --config "$CFG" 2>&1)" || RC=$?
assert_eq 0 "$RC" "exit status of smartfs modules (output: $OUT)"
for m in media docs static public; do assert_contains "$OUT" "[modules.$m]" "modules lists $m"; done
assert_contains "$OUT" "$DOCS_BUCKET" "modules shows the docs bucket"
assert_contains "$OUT" "team/docs/" "modules shows the docs prefix"
[[ "$OUT" != *"$SMARTFS_TEST_SECRET_KEY"* ]] || fail "smartfs modules prints the secret key"
[[ "$OUT" != *"$SMARTFS_TEST_ACCESS_KEY"* ]] || fail "smartfs modules prints the whole access key (it should be masked)"
# Nor any long piece of it (a partial mask would still leak).
[[ "$OUT" != *"${SMARTFS_TEST_SECRET_KEY:0:12}"* ]] || fail "smartfs modules prints part of the secret key"
for f in "$LOG" "$fg_log"; do
    [[ ! -e "$f" ]] || [[ "$(cat "$f")" != *"$SMARTFS_TEST_SECRET_KEY"* ]] || fail "the daemon log $f contains the secret key"
done

echo "ok: errors"
