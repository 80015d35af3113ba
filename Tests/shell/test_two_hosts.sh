#!/usr/bin/env bash
# Two mounts of the same buckets with separate cache dirs (two app servers): each sees the
# other's new, changed and deleted files within the metadata TTL (1 s here).
set -euo pipefail
source "$(dirname "$0")/mountlib.sh"

setup_modules_mount $'[cache]\nmetadata_ttl = 1'
A="$MNT"
B="$(mktemp_dir mnt-b)"
CACHE_B="$(mktemp_dir cache-b)"
LOG_B="$TEST_TMP/smartfs-b.log"
register_mount_cleanup "$B" "$LOG_B"
"$SMARTFS_BIN" mount "$B" --config "$CFG" --cache-dir "$CACHE_B" --log-file "$LOG_B" || fail "second mount failed"

# within DEADLINE seconds, COMMAND must succeed
eventually() {
    local deadline=$1; shift
    local i
    for ((i = 0; i < deadline * 10; i++)); do
        if "$@" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}
same_content() { [[ "$(cat "$1")" == "$2" ]]; }
absent() { [[ ! -e "$1" ]]; }

# New file on A, fsync'd: B sees it within the TTL.
mkdir -p "$A/docs/shared"
python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_WRONLY|os.O_CREAT|os.O_TRUNC, 0o644); os.write(fd, b"version 1\n"); os.fsync(fd); os.close(fd)' "$A/docs/shared/note.txt"
eventually 5 same_content "$B/docs/shared/note.txt" "version 1" || fail "B does not see A's new file (got: $(cat "$B/docs/shared/note.txt" 2>&1))"

# Changed on B (close, then the upload): A sees the new content, never a mix.
printf 'version 2, longer than the first\n' >"$B/docs/shared/note.txt"
"$SMARTFS_BIN" unmount "$B" >/dev/null || fail "unmount of B failed"   # waits for B's upload
eventually 5 same_content "$A/docs/shared/note.txt" "version 2, longer than the first" \
    || fail "A does not see B's change (got: $(cat "$A/docs/shared/note.txt" 2>&1))"
"$SMARTFS_BIN" mount "$B" --config "$CFG" --cache-dir "$CACHE_B" --log-file "$LOG_B" || fail "remount of B failed"

# Deleted on A: gone on B within the TTL; listings agree.
rm "$A/docs/shared/note.txt"
eventually 5 absent "$B/docs/shared/note.txt" || fail "B still shows the file A deleted"
assert_eq "" "$(ls "$B/docs/shared")" "B's listing after the delete"

# A directory made on B appears on A.
mkdir "$B/docs/from-b"
eventually 5 test -d "$A/docs/from-b" || fail "A does not see B's new directory"
smartfs_unmount "$B"
smartfs_unmount "$A"
echo "ok: two mounts see each other's new, changed and deleted files within the TTL"
