#!/usr/bin/env bash
# Mount basics, checked through the mount and through the S3 API: the root, where files land
# (bucket, location + path, ACL, Content-Type, POSIX metadata, storage class, Cache-Control),
# ls/stat/du/find, directories and markers, append, file_overwrite = false, read_only, symlinks,
# hard links, and chmod/touch surviving a remount.
set -euo pipefail
source "$(dirname "$0")/mountlib.sh"

setup_modules_mount

src="$(mktemp_dir src)"
printf 'body { color: red; }\n' >"$src/style.css"
head -c 3000 /dev/urandom >"$src/pic.png"
printf 'hello\n' >"$src/hello.txt"
chmod 644 "$src"/*

# --- the root -------------------------------------------------------------------
assert_eq "docs media public static" "$(ls "$MNT" | tr '\n' ' ' | sed 's/ $//')" "root lists exactly the modules"
assert_eq "docs media public static" "$(python3 -c 'import os,sys; print(" ".join(sorted(os.listdir(sys.argv[1]))))' "$MNT")" \
    "os.listdir of the root"
expect_fail "mkdir at the root" "Operation not permitted" mkdir "$MNT/newdir"
expect_fail "touch at the root" "Operation not permitted" touch "$MNT/newfile"
assert_eq EPERM "$(errno_of 'os.mkdir(a[0])' "$MNT/newdir")" "os.mkdir at the root"
assert_eq EPERM "$(errno_of 'open(a[0], "w").close()' "$MNT/newfile")" "open(O_CREAT) at the root"
assert_eq EPERM "$(errno_of 'os.rename(a[0], a[1])' "$MNT/media" "$MNT/media2")" "renaming a module directory"
assert_eq "docs media public static" "$(ls "$MNT" | tr '\n' ' ' | sed 's/ $//')" "root unchanged after refused writes"

# --- cp: key, ACL, Content-Type, metadata -----------------------------------------
cp "$src/style.css" "$MNT/media/style.css"
cp "$src/pic.png" "$MNT/docs/pic.png"
cp "$src/hello.txt" "$MNT/public/hello.txt"
eventually_eq "media/style.css" "media bucket keys after cp" s3_keys "$MEDIA_BUCKET"
eventually_eq "team/docs/pic.png" "docs bucket keys after cp" s3_keys "$DOCS_BUCKET"
eventually_eq "public/hello.txt" "public bucket keys after cp" s3_keys "$PUBLIC_BUCKET"
eventually_eq "key=media/style.css size=21 type=text/css class=STANDARD cc=- acl=public-read mode=33188 uid=0 gid=0" \
    "media/style.css in S3" s3_describe "$MEDIA_BUCKET" media/style.css
eventually_eq "key=team/docs/pic.png size=3000 type=image/png class=STANDARD_IA cc=max-age=60 acl=private mode=33188 uid=0 gid=0" \
    "docs/pic.png in S3 (private, storage class, cache-control)" s3_describe "$DOCS_BUCKET" team/docs/pic.png
eventually_eq "key=public/hello.txt size=6 type=text/plain class=STANDARD cc=- acl=public-read mode=33188 uid=0 gid=0" \
    "public/hello.txt in S3" s3_describe "$PUBLIC_BUCKET" public/hello.txt
cmp "$src/pic.png" <(s3_body "$DOCS_BUCKET" team/docs/pic.png) || fail "docs/pic.png body in S3 differs from the source"
cmp "$src/pic.png" "$MNT/docs/pic.png" || fail "docs/pic.png read through the mount differs from the source"
mtime_meta="$(s3_meta "$MEDIA_BUCKET" media/style.css mtime)"
assert_eq "$(stat -c %Y "$MNT/media/style.css")" "${mtime_meta%%.*}" "x-amz-meta-mtime (whole seconds) = stat mtime"
now=$(date +%s)
(( now - ${mtime_meta%%.*} >= 0 && now - ${mtime_meta%%.*} < 120 )) || fail "x-amz-meta-mtime $mtime_meta is not recent (now $now)"

# fsync returns only once the object is in S3 (close() alone may return before the upload).
got="$(s3py '
path, bucket = sys.argv[1], sys.argv[2]
with open(path, "wb") as f:
    f.write(b"synced\n")
    f.flush()
    os.fsync(f.fileno())
    body = s3.get_object(Bucket=bucket, Key="public/synced.txt")["Body"].read()
    print(body.decode().strip())
' "$MNT/public/synced.txt" "$PUBLIC_BUCKET")"
assert_eq "synced" "$got" "object in S3 as soon as fsync returned (before close)"
rm "$MNT/public/synced.txt"

# --- ls -l, stat, du, find ---------------------------------------------------------
assert_eq "-rw-r--r-- 21 style.css" "$(ls -l "$MNT/media" | awk 'NR > 1 { print $1, $5, $9 }')" "ls -l media"
assert_eq "regular file 3000 644 0 0" "$(stat -c '%F %s %a %u %g' "$MNT/docs/pic.png")" "stat docs/pic.png"
assert_eq "directory" "$(stat -c '%F' "$MNT/docs")" "stat of a module directory"
mkdir "$MNT/docs/du"
head -c 10000 /dev/urandom >"$MNT/docs/du/a.bin"
head -c 5000 /dev/urandom >"$MNT/docs/du/b.bin"
assert_eq 15000 "$(du -sb "$MNT/docs/du" | cut -f1)" "du -sb (apparent bytes)"
# st_blocks in 512-byte units: 10000 B -> 20, 5000 B -> 10, the directory 0: 30 blocks = 15 KiB.
assert_eq 15 "$(du -s -B1K "$MNT/docs/du" | cut -f1)" "du -s in KiB blocks"
assert_eq "$MNT/docs/du/a.bin $MNT/docs/du/b.bin $MNT/docs/pic.png" \
    "$(find "$MNT/docs" -type f | sort | tr '\n' ' ' | sed 's/ $//')" "find -type f"
assert_eq "$MNT/docs $MNT/docs/du" "$(find "$MNT/docs" -type d | sort | tr '\n' ' ' | sed 's/ $//')" "find -type d"

# --- mkdir -p, rmdir, rm -r --------------------------------------------------------------
mkdir -p "$MNT/docs/a/b/c"
eventually_eq "team/docs/a/ team/docs/a/b/ team/docs/a/b/c/" "mkdir -p markers" s3_keys_line "$DOCS_BUCKET" team/docs/a/
assert_eq "directory" "$(stat -c %F "$MNT/docs/a/b/c")" "stat of a new directory"
echo leaf >"$MNT/docs/a/b/c/leaf.txt"
echo mid >"$MNT/docs/a/mid.txt"
expect_fail "rmdir of a non-empty directory" "Directory not empty" rmdir "$MNT/docs/a/b"
assert_eq ENOTEMPTY "$(errno_of 'os.rmdir(a[0])' "$MNT/docs/a/b/c")" "os.rmdir of a non-empty directory"
mkdir "$MNT/docs/a/empty"
rmdir "$MNT/docs/a/empty"
[[ ! -e "$MNT/docs/a/empty" ]] || fail "rmdir of an empty directory left it"
rm -r "$MNT/docs/a"
eventually_eq "" "keys under team/docs/a/ after rm -r" s3_keys "$DOCS_BUCKET" team/docs/a/
eventually_eq "" "keys starting with team/docs/a after rm -r" s3_keys "$DOCS_BUCKET" team/docs/a
[[ ! -e "$MNT/docs/a" ]] || fail "docs/a still exists after rm -r"

# --- append on an overwrite-allowed module -------------------------------------------
echo one >"$MNT/docs/log.txt"
echo two >>"$MNT/docs/log.txt"
cat >>"$MNT/docs/log.txt" <<<"three"
assert_eq $'one\ntwo\nthree' "$(cat "$MNT/docs/log.txt")" "appended file through the mount"
eventually_eq $'one\ntwo\nthree' "appended file in S3" s3_body "$DOCS_BUCKET" team/docs/log.txt
echo replaced >"$MNT/docs/log.txt"
eventually_eq "replaced" "overwrite allowed on docs" s3_body "$DOCS_BUCKET" team/docs/log.txt

# --- file_overwrite = false (media) ------------------------------------------------------
expect_fail "overwriting an existing media file" "Operation not permitted" bash -c 'echo x >"$1"' _ "$MNT/media/style.css"
expect_fail "appending to an existing media file" "Operation not permitted" bash -c 'echo x >>"$1"' _ "$MNT/media/style.css"
assert_eq EPERM "$(errno_of 'os.truncate(a[0], 0)' "$MNT/media/style.css")" "truncate of an existing media file"
assert_eq EPERM "$(errno_of 'os.rename(a[0], a[1])' "$MNT/public/hello.txt" "$MNT/media/style.css")" \
    "replacing an existing media file by rename"
cmp "$src/style.css" <(s3_body "$MEDIA_BUCKET" media/style.css) || fail "media/style.css changed in S3 after refused writes"
cmp "$src/style.css" "$MNT/media/style.css" || fail "media/style.css changed in the mount after refused writes"
[[ -e "$MNT/public/hello.txt" ]] || fail "public/hello.txt vanished after a refused rename"
# A file just written (its upload possibly still pending) is an existing file too.
echo first >"$MNT/media/fresh.txt"
expect_fail "overwriting a just-written media file" "Operation not permitted" bash -c 'echo second >"$1"' _ "$MNT/media/fresh.txt"
assert_eq EPERM "$(errno_of 'os.truncate(a[0], 0)' "$MNT/media/fresh.txt")" "truncate of a just-written media file"
eventually_eq "first" "a just-written media file keeps its first content in S3" s3_body "$MEDIA_BUCKET" media/fresh.txt
assert_eq "first" "$(cat "$MNT/media/fresh.txt")" "a just-written media file keeps its first content"
rm "$MNT/media/fresh.txt"
echo new >"$MNT/media/new.txt"
eventually_eq "new" "creating a new media file" s3_body "$MEDIA_BUCKET" media/new.txt
chmod 600 "$MNT/media/new.txt"
eventually_eq 33152 "chmod allowed on media (x-amz-meta-mode)" s3_meta "$MEDIA_BUCKET" media/new.txt mode
touch -d '2021-06-01 12:00:00 UTC' "$MNT/media/new.txt"
assert_eq "$(date -d '2021-06-01 12:00:00 UTC' +%s)" "$(stat -c %Y "$MNT/media/new.txt")" "touch -d allowed on media"
eventually_eq "$(date -d '2021-06-01 12:00:00 UTC' +%s)" "x-amz-meta-mtime after touch -d on media" s3_meta_seconds "$MEDIA_BUCKET" media/new.txt mtime
assert_eq "new" "$(s3_body "$MEDIA_BUCKET" media/new.txt)" "media/new.txt body unchanged by chmod/touch"
rm "$MNT/media/new.txt"
eventually_eq "media/style.css" "rm on media deletes the key" s3_keys "$MEDIA_BUCKET"

# --- read_only (static) ------------------------------------------------------------------
s3_put "$STATIC_BUCKET" static/site.css 'h1 { }'
assert_eq 'h1 { }' "$(cat "$MNT/static/site.css")" "reading a read-only module"
expect_fail "touch in a read-only module" "Read-only file system" touch "$MNT/static/x"
expect_fail "overwrite in a read-only module" "Read-only file system" bash -c 'echo x >"$1"' _ "$MNT/static/site.css"
expect_fail "rm in a read-only module" "Read-only file system" rm -f "$MNT/static/site.css"
expect_fail "mkdir in a read-only module" "Read-only file system" mkdir "$MNT/static/d"
assert_eq EROFS "$(errno_of 'os.chmod(a[0], 0o600)' "$MNT/static/site.css")" "chmod in a read-only module"
assert_eq EROFS "$(errno_of 'open(a[0], "a").close()' "$MNT/static/site.css")" "open for append in a read-only module"
assert_eq "static/site.css" "$(s3_keys "$STATIC_BUCKET")" "static bucket unchanged"
assert_eq "-" "$(s3_meta "$STATIC_BUCKET" static/site.css mode)" "static/site.css metadata unchanged"

# --- symlinks and hard links -----------------------------------------------------------------
ln -s hello.txt "$MNT/public/link"
assert_eq "hello.txt" "$(readlink "$MNT/public/link")" "readlink"
assert_eq "symbolic link" "$(stat -c %F "$MNT/public/link")" "stat of a symlink"
assert_eq "hello" "$(cat "$MNT/public/link")" "reading through a symlink"
eventually_eq "hello.txt" "symlink object body" s3_body "$PUBLIC_BUCKET" public/link
assert_eq $((8#120777)) "$(s3_meta "$PUBLIC_BUCKET" public/link mode)" "symlink object mode (S_IFLNK|0777)"
expect_fail "hard link" "Operation not permitted" ln "$MNT/public/hello.txt" "$MNT/public/hard"
assert_eq EPERM "$(errno_of 'os.link(a[0], a[1])' "$MNT/public/hello.txt" "$MNT/public/hard")" "os.link"
[[ ! -e "$MNT/public/hard" ]] || fail "a refused hard link left public/hard"

# --- chmod / touch / mkdir mode survive a remount ----------------------------------------------
chmod 640 "$MNT/docs/pic.png"
touch -d 2020-01-01 "$MNT/docs/pic.png"
mkdir -m 750 "$MNT/docs/keep"
echo owned >"$MNT/docs/owned.txt"
chown 1234:5678 "$MNT/docs/owned.txt"
eventually_eq "key=team/docs/owned.txt size=6 type=text/plain class=STANDARD_IA cc=max-age=60 acl=private mode=33188 uid=1234 gid=5678" \
    "x-amz-meta-uid/gid after chown" s3_describe "$DOCS_BUCKET" team/docs/owned.txt
expected_mtime="$(date -d 2020-01-01 +%s)"
assert_eq "640 $expected_mtime" "$(stat -c '%a %Y' "$MNT/docs/pic.png")" "chmod/touch before the remount"
eventually_eq $((8#100640)) "x-amz-meta-mode after chmod 640" s3_meta "$DOCS_BUCKET" team/docs/pic.png mode
eventually_eq "$expected_mtime" "x-amz-meta-mtime after touch -d" s3_meta_seconds "$DOCS_BUCKET" team/docs/pic.png mtime
assert_eq "key=team/docs/pic.png size=3000 type=image/png class=STANDARD_IA cc=max-age=60 acl=private mode=33184 uid=0 gid=0" \
    "$(s3_describe "$DOCS_BUCKET" team/docs/pic.png)" "pic.png keeps type, class, cache-control and ACL after metadata changes"
cmp "$src/pic.png" <(s3_body "$DOCS_BUCKET" team/docs/pic.png) || fail "pic.png body changed by chmod/touch"
smartfs_unmount
smartfs_mount
assert_eq "640 $expected_mtime 3000" "$(stat -c '%a %Y %s' "$MNT/docs/pic.png")" "chmod 640 and touch -d after the remount"
assert_eq "750 directory" "$(stat -c '%a %F' "$MNT/docs/keep")" "mkdir -m 750 after the remount"
assert_eq "1234 5678 owned" "$(stat -c '%u %g' "$MNT/docs/owned.txt") $(cat "$MNT/docs/owned.txt")" "chown after the remount"
cmp "$src/pic.png" "$MNT/docs/pic.png" || fail "pic.png read after the remount differs"
assert_eq "docs media public static" "$(ls "$MNT" | tr '\n' ' ' | sed 's/ $//')" "root after the remount"

# --- storage class / Cache-Control (docs) vs none (media, public) ---------------------------------
python_out="$(s3py '
h = s3.head_object(Bucket=sys.argv[1], Key="team/docs/log.txt")
print(h.get("StorageClass"), h.get("CacheControl"), h.get("ContentType"))
' "$DOCS_BUCKET")"
assert_eq "STANDARD_IA max-age=60 text/plain" "$python_out" "head_object of a docs file"

# --- smartfs mount --read-only: every module refuses writes ----------------------------------------
smartfs_unmount
smartfs_mount --read-only
assert_eq "replaced" "$(cat "$MNT/docs/log.txt")" "reading with --read-only"
expect_fail "writing with --read-only" "Read-only file system" bash -c 'echo x >>"$1"' _ "$MNT/docs/log.txt"
expect_fail "creating with --read-only" "Read-only file system" touch "$MNT/public/new.txt"
expect_fail "removing with --read-only" "Read-only file system" rm "$MNT/public/hello.txt"
assert_eq "replaced" "$(s3_body "$DOCS_BUCKET" team/docs/log.txt)" "docs/log.txt unchanged with --read-only"
assert_eq "public/hello.txt public/link" "$(s3_keys "$PUBLIC_BUCKET" | tr '\n' ' ' | sed 's/ $//')" "public bucket unchanged with --read-only"

echo "ok: basics"
