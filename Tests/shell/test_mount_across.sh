#!/usr/bin/env bash
# Copies and moves across modules (and so across buckets): cp -r of a tree of mixed sizes,
# mv of a file and of a directory (server-side copy + delete: the destination objects take the
# destination module's ACL and prefix, the source keys are gone), tar from one module into
# another, and rsync -a whose second run transfers nothing.
set -euo pipefail
source "$(dirname "$0")/mountlib.sh"
command -v rsync >/dev/null 2>&1 || fail "rsync is not installed (apt-get install rsync; scripts/setup.sh should install it)"

setup_modules_mount

# A local tree of mixed sizes: empty, small, odd sizes around 1 MiB, 8 MiB.
tree="$(mktemp_dir tree)/tree"
mkdir -p "$tree/sub/deeper" "$tree/empty-dir"
: >"$tree/empty.txt"
printf 'a\n' >"$tree/a.txt"
head -c 4097 /dev/urandom >"$tree/sub/b.bin"
head -c $((1024 * 1024 + 3)) /dev/urandom >"$tree/sub/c.png"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$tree/sub/deeper/d.bin"
printf 'body{}\n' >"$tree/sub/deeper/e.css"
touch -d '2022-02-02 02:02:02 UTC' "$tree/a.txt" "$tree/sub/c.png"
tree_files=(a.txt empty.txt sub/b.bin sub/c.png sub/deeper/d.bin sub/deeper/e.css)
(cd "$tree" && sha256sum "${tree_files[@]}") >"$TEST_TMP/tree.sha256"

# tree_sums DIR: sha256sum of the tree's files under DIR, in the same format as tree.sha256.
tree_sums() { (cd "$1" && sha256sum "${tree_files[@]}"); }

# --- cp -r local -> media, then media -> public ------------------------------------------------
cp -r "$tree" "$MNT/media/tree"
diff -r "$tree" "$MNT/media/tree" || fail "diff -r local tree vs media/tree"
cp -r "$MNT/media/tree" "$MNT/public/tree"
diff -r "$tree" "$MNT/public/tree" || fail "diff -r local tree vs public/tree (copied from media)"
assert_eq "$(cat "$TEST_TMP/tree.sha256")" "$(tree_sums "$MNT/public/tree")" "sha256sums through the mount"
expected_keys="$(printf 'public/tree/%s\n' "${tree_files[@]}" "" empty-dir/ sub/ sub/deeper/ | sort)"
eventually_eq "$expected_keys" "keys in the public bucket after cp -r (files, and a marker per directory)" s3_keys "$PUBLIC_BUCKET" public/tree/
assert_eq "$(sed 's#  #  public/tree/#' "$TEST_TMP/tree.sha256")" \
    "$(s3_sha256 "$PUBLIC_BUCKET" "${tree_files[@]/#/public/tree/}")" "sha256sums of the objects in S3"
got="$(s3_describe "$PUBLIC_BUCKET" public/tree/empty.txt public/tree/sub/c.png public/tree/sub/deeper/e.css | cut -d' ' -f1-6)"
assert_eq "key=public/tree/empty.txt size=0 type=text/plain class=STANDARD cc=- acl=public-read
key=public/tree/sub/c.png size=1048579 type=image/png class=STANDARD cc=- acl=public-read
key=public/tree/sub/deeper/e.css size=7 type=text/css class=STANDARD cc=- acl=public-read" "$got" "copied objects in the public bucket"
eventually_eq "media/tree/sub/deeper/d.bin public-read 8388608" "8 MiB object in media" \
    s3py_m 'print(sys.argv[2], acl_of(sys.argv[1], sys.argv[2]), s3.head_object(Bucket=sys.argv[1], Key=sys.argv[2])["ContentLength"])' "$MEDIA_BUCKET" media/tree/sub/deeper/d.bin

# --- mv of a file docs -> public --------------------------------------------------------------
cp "$tree/sub/c.png" "$MNT/docs/report.png"
chmod 640 "$MNT/docs/report.png"
touch -d '2019-09-09 09:09:09 UTC' "$MNT/docs/report.png"
eventually_eq "key=team/docs/report.png size=1048579 type=image/png class=STANDARD_IA cc=max-age=60 acl=private mode=33184 uid=0 gid=0" \
    "report.png in docs before the move" s3_describe "$DOCS_BUCKET" team/docs/report.png
mv "$MNT/docs/report.png" "$MNT/public/report.png"
assert_eq "" "$(s3_keys "$DOCS_BUCKET" team/docs/report.png)" "source key gone after mv"
assert_eq "key=public/report.png size=1048579 type=image/png class=STANDARD cc=- acl=public-read mode=33184 uid=0 gid=0" \
    "$(s3_describe "$PUBLIC_BUCKET" public/report.png)" "moved file: destination prefix, ACL, type, mode"
assert_eq "$(date -d '2019-09-09 09:09:09 UTC' +%s)" "$(s3_meta_seconds "$PUBLIC_BUCKET" public/report.png mtime)" "moved file keeps x-amz-meta-mtime"
# A file moved right after it was written (its upload possibly still pending) ends up in the
# destination only.
printf 'fresh\n' >"$MNT/docs/fresh.txt"
mv "$MNT/docs/fresh.txt" "$MNT/public/fresh.txt"
eventually_eq "key=public/fresh.txt size=6 type=text/plain class=STANDARD cc=- acl=public-read mode=33188 uid=0 gid=0" \
    "a file moved right after it was written" s3_describe "$PUBLIC_BUCKET" public/fresh.txt
assert_eq "" "$(s3_keys "$DOCS_BUCKET" team/docs/fresh.txt)" "no source key for a file moved right after it was written"
assert_eq "640 $(date -d '2019-09-09 09:09:09 UTC' +%s)" "$(stat -c '%a %Y' "$MNT/public/report.png")" "stat of the moved file"
cmp "$tree/sub/c.png" "$MNT/public/report.png" || fail "moved file content"
[[ ! -e "$MNT/docs/report.png" ]] || fail "docs/report.png still visible after mv"

# --- mv of a directory docs -> public -----------------------------------------------------------
mkdir -p "$MNT/docs/project/src" "$MNT/docs/project/empty"
printf 'readme\n' >"$MNT/docs/project/README.md"
printf 'int main;\n' >"$MNT/docs/project/src/main.c"
cp "$tree/sub/b.bin" "$MNT/docs/project/src/data.bin"
s3_put "$DOCS_BUCKET" team/docs/project/src/oob.txt "out of band"   # an object with no metadata
src_keys="$(printf 'team/docs/project/%s\n' "" README.md empty/ src/ src/data.bin src/main.c src/oob.txt)"
eventually_eq "$src_keys" "the project directory in docs before the move" s3_keys "$DOCS_BUCKET" team/docs/project/
mv "$MNT/docs/project" "$MNT/public/project"
assert_eq "" "$(s3_keys "$DOCS_BUCKET" team/docs/project)" "no source keys left after mv of a directory"
assert_eq "$(sed 's#^team/docs/#public/#' <<<"$src_keys")" "$(s3_keys "$PUBLIC_BUCKET" public/project/)" \
    "every source key copied under the destination prefix"
got="$(s3py_m '
b = sys.argv[1]
for k in list_keys(b, "public/project/"):
    print(k, acl_of(b, k), s3.head_object(Bucket=b, Key=k).get("StorageClass", "STANDARD"))
' "$PUBLIC_BUCKET")"
assert_eq "$(sed 's#^team/docs/\(.*\)#public/\1 public-read STANDARD#' <<<"$src_keys")" "$got" "moved directory: every object public-read"
assert_eq "readme" "$(cat "$MNT/public/project/README.md")" "moved directory content"
assert_eq "out of band" "$(cat "$MNT/public/project/src/oob.txt")" "moved out-of-band object"
cmp "$tree/sub/b.bin" "$MNT/public/project/src/data.bin" || fail "moved binary content"
assert_eq "directory" "$(stat -c %F "$MNT/public/project/empty")" "moved empty directory"
[[ ! -e "$MNT/docs/project" ]] || fail "docs/project still visible after mv"
# A directory moved right after files were written into it.
mkdir "$MNT/docs/fresh-dir"
printf 'x\n' >"$MNT/docs/fresh-dir/x.txt"
cp "$tree/sub/c.png" "$MNT/docs/fresh-dir/c.png"
mv "$MNT/docs/fresh-dir" "$MNT/public/fresh-dir"
eventually_eq "public/fresh-dir/ public/fresh-dir/c.png public/fresh-dir/x.txt" "a directory moved right after it was written" \
    s3_keys_line "$PUBLIC_BUCKET" public/fresh-dir/
assert_eq "" "$(s3_keys "$DOCS_BUCKET" team/docs/fresh-dir)" "no source keys for a directory moved right after it was written"
assert_eq "acl=public-read acl=public-read" \
    "$(s3_describe "$PUBLIC_BUCKET" public/fresh-dir/c.png public/fresh-dir/x.txt | grep -o 'acl=[a-z-]*' | tr '\n' ' ' | sed 's/ $//')" \
    "ACL of files moved right after they were written"
cmp "$tree/sub/c.png" <(s3_body "$PUBLIC_BUCKET" public/fresh-dir/c.png) || fail "content of public/fresh-dir/c.png in S3"

# --- tar from media into docs, extracted into public ------------------------------------------------
tar cf "$MNT/docs/tree.tar" -C "$MNT/media" tree
assert_eq "$(cd "$MNT/media" && find tree -type d -printf '%p/\n' -o -printf '%p\n' | sort)" "$(tar tf "$MNT/docs/tree.tar" | sort)" \
    "tar listing of the archive written into docs"
mkdir "$MNT/public/untar"
tar xf "$MNT/docs/tree.tar" -C "$MNT/public/untar"
diff -r "$tree" "$MNT/public/untar/tree" || fail "diff -r local tree vs tar-extracted tree"
assert_eq "$(cat "$TEST_TMP/tree.sha256")" "$(tree_sums "$MNT/public/untar/tree")" "sha256sums of the extracted tree"
assert_eq "$(cd "$MNT/media/tree" && stat -c '%n %Y %s' "${tree_files[@]}")" \
    "$(cd "$MNT/public/untar/tree" && stat -c '%n %Y %s' "${tree_files[@]}")" "tar x restores the mtimes recorded by tar c"

# --- rsync -a into a module, twice ---------------------------------------------------------------
rsync -a "$tree/" "$MNT/docs/rs/"
diff -r "$tree" "$MNT/docs/rs" || fail "diff -r after rsync -a"
assert_eq "$(cd "$tree" && stat -c '%n %a %Y %s' "${tree_files[@]}")" \
    "$(cd "$MNT/docs/rs" && stat -c '%n %a %Y %s' "${tree_files[@]}")" "rsync -a keeps modes and mtimes"
second="$(rsync -a --itemize-changes "$tree/" "$MNT/docs/rs/")"
assert_eq "" "$second" "second rsync -a --itemize-changes transfers nothing"
eventually_eq "$(printf 'team/docs/rs/%s\n' "${tree_files[@]}" "" empty-dir/ sub/ sub/deeper/ | sort)" \
    "keys after rsync: the files and directory markers, no temporary files" s3_keys "$DOCS_BUCKET" team/docs/rs/
eventually_eq "$(date -d '2022-02-02 02:02:02 UTC' +%s)" "x-amz-meta-mtime of an rsynced file" s3_meta_seconds "$DOCS_BUCKET" team/docs/rs/a.txt mtime

echo "ok: across modules"
