#!/usr/bin/env bash
# Objects written, changed and deleted with the S3 API (not through the mount) show up in the
# mount: keys whose parent directories exist only as prefixes, a `dir/` marker object, a
# directory of 1,500 objects (more than one listing page), and changes/deletions seen once the
# metadata TTL (1 s here) has passed.
set -euo pipefail
source "$(dirname "$0")/mountlib.sh"

setup_modules_mount $'[cache]\nmetadata_ttl = 1'

# --- objects put before the directory is first looked at -------------------------------------
s3py '
b = sys.argv[1]
s3.put_object(Bucket=b, Key="team/docs/oob/readme.txt", Body=b"read me\n")
s3.put_object(Bucket=b, Key="team/docs/oob/deep/er/file.txt", Body=b"deep file\n")
s3.put_object(Bucket=b, Key="team/docs/oob/marker-only/", Body=b"")
s3.put_object(Bucket=b, Key="team/docs/oob/marked/", Body=b"")
s3.put_object(Bucket=b, Key="team/docs/oob/marked/inside.txt", Body=b"inside\n")
s3.put_object(Bucket=b, Key="team/docs/top.txt", Body=b"top\n")
s3.put_object(Bucket=b, Key="outside/not-in-module.txt", Body=b"x")
' "$DOCS_BUCKET"

assert_eq "oob top.txt" "$(ls "$MNT/docs" | tr '\n' ' ' | sed 's/ $//')" "docs lists only keys under its location"
assert_eq "deep marked marker-only readme.txt" "$(ls "$MNT/docs/oob" | tr '\n' ' ' | sed 's/ $//')" "ls docs/oob"
assert_eq "directory directory directory regular file" \
    "$(stat -c %F "$MNT/docs/oob/deep" "$MNT/docs/oob/marked" "$MNT/docs/oob/marker-only" "$MNT/docs/oob/readme.txt" | tr '\n' ' ' | sed 's/ $//')" \
    "types of out-of-band entries"
assert_eq "er" "$(ls "$MNT/docs/oob/deep")" "a directory that exists only as a prefix"
assert_eq "directory" "$(stat -c %F "$MNT/docs/oob/deep/er")" "a nested prefix-only directory"
assert_eq "deep file" "$(cat "$MNT/docs/oob/deep/er/file.txt")" "a file under prefix-only directories"
assert_eq "" "$(ls -A "$MNT/docs/oob/marker-only")" "a marker-only directory is empty"
assert_eq "inside.txt" "$(ls -A "$MNT/docs/oob/marked")" "a marked directory lists its file (not the marker)"
assert_eq "read me" "$(cat "$MNT/docs/oob/readme.txt")" "reading an out-of-band object"
assert_eq "8" "$(stat -c %s "$MNT/docs/oob/readme.txt")" "size of an out-of-band object"
assert_eq "$MNT/docs/oob/deep/er/file.txt $MNT/docs/oob/marked/inside.txt $MNT/docs/oob/readme.txt" \
    "$(find "$MNT/docs/oob" -type f | sort | tr '\n' ' ' | sed 's/ $//')" "find over out-of-band objects"
# An object without x-amz-meta-* gets the module's defaults (docs is private: 0600) and the
# object's Last-Modified as mtime.
lm="$(s3py 'print(int(s3.head_object(Bucket=sys.argv[1], Key="team/docs/top.txt")["LastModified"].timestamp()))' "$DOCS_BUCKET")"
assert_eq "600 $lm" "$(stat -c '%a %Y' "$MNT/docs/top.txt")" "mode and mtime of an object without metadata"

# Writing into a prefix-only directory through the mount.
echo added >"$MNT/docs/oob/deep/er/added.txt"
eventually_eq "team/docs/oob/deep/er/added.txt team/docs/oob/deep/er/file.txt" "a file created in a prefix-only directory" \
    s3_keys_line "$DOCS_BUCKET" team/docs/oob/deep/

# --- objects put after the directory was listed ------------------------------------------------
s3_put "$DOCS_BUCKET" team/docs/oob/later.txt "later"
sleep 2.5
assert_eq "deep later.txt marked marker-only readme.txt" "$(ls "$MNT/docs/oob" | tr '\n' ' ' | sed 's/ $//')" \
    "an object put after the listing appears after the TTL"
assert_eq "later" "$(cat "$MNT/docs/oob/later.txt")" "reading the later object"

# --- 1,500 objects in one directory ------------------------------------------------------------
s3py '
from concurrent.futures import ThreadPoolExecutor
b = sys.argv[1]
def put(i):
    s3.put_object(Bucket=b, Key="public/many/f%04d.txt" % i, Body=b"%d\n" % i)
with ThreadPoolExecutor(8) as pool:
    list(pool.map(put, range(1500)))
' "$PUBLIC_BUCKET"
assert_eq 1500 "$(s3_keys "$PUBLIC_BUCKET" public/many/ | wc -l)" "1,500 objects in S3"
listing="$(ls "$MNT/public/many")"
assert_eq 1500 "$(wc -l <<<"$listing")" "ls | wc -l of a directory of 1,500 objects"
assert_eq "$(printf 'f%04d.txt\n' $(seq 0 1499))" "$listing" "every one of the 1,500 names, once, in order"
assert_eq 1500 "$(find "$MNT/public/many" -type f | wc -l)" "find over 1,500 objects"
assert_eq "1499" "$(cat "$MNT/public/many/f1499.txt")" "reading the last of the 1,500 objects"

# --- changed and deleted out of band -------------------------------------------------------------
assert_eq "read me" "$(cat "$MNT/docs/oob/readme.txt")" "readme.txt before the out-of-band delete"
s3py '
b = sys.argv[1]
s3.delete_object(Bucket=b, Key="team/docs/oob/readme.txt")
s3.put_object(Bucket=b, Key="team/docs/oob/deep/er/file.txt", Body=b"deep file, changed out of band\n")
s3.delete_object(Bucket=b, Key="team/docs/oob/marker-only/")
' "$DOCS_BUCKET"
sleep 2.5
assert_eq "deep later.txt marked" "$(ls "$MNT/docs/oob" | tr '\n' ' ' | sed 's/ $//')" \
    "deleted object and marker gone from the listing after the TTL"
[[ ! -e "$MNT/docs/oob/readme.txt" ]] || fail "docs/oob/readme.txt still exists after the TTL"
assert_eq ENOENT "$(errno_of 'os.stat(a[0])' "$MNT/docs/oob/readme.txt")" "stat of an object deleted out of band"
assert_eq ENOENT "$(errno_of 'open(a[0]).read()' "$MNT/docs/oob/readme.txt")" "open of an object deleted out of band"
assert_eq ENOENT "$(errno_of 'os.listdir(a[0])' "$MNT/docs/oob/marker-only")" "a directory whose marker was deleted"
assert_eq "deep file, changed out of band" "$(cat "$MNT/docs/oob/deep/er/file.txt")" "an object changed out of band"

# Deleting every object of a prefix-only directory makes the directory go away too.
s3py 's3.delete_object(Bucket=sys.argv[1], Key="team/docs/top.txt")' "$DOCS_BUCKET"
s3py '
b = sys.argv[1]
for k in ("team/docs/oob/deep/er/file.txt", "team/docs/oob/deep/er/added.txt"):
    s3.delete_object(Bucket=b, Key=k)
' "$DOCS_BUCKET"
sleep 2.5
assert_eq "later.txt marked" "$(ls "$MNT/docs/oob" | tr '\n' ' ' | sed 's/ $//')" "an emptied prefix-only directory disappears"
assert_eq "oob" "$(ls "$MNT/docs")" "docs after out-of-band deletes"

echo "ok: out of band"
