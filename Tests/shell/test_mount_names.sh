#!/usr/bin/env bash
# File names with characters that need care in URLs, signatures and shells (space, é, 日本, +, %,
# #, ?, &, =, a leading dash) round-trip: created through the mount, the exact key is in S3;
# created with the S3 API, the file reads through the mount; renamed (a server-side copy, whose
# x-amz-copy-source must be encoded) and deleted through the mount.
set -euo pipefail
source "$(dirname "$0")/mountlib.sh"

setup_modules_mount

names=(
    "with space.txt"
    "café é.txt"
    "日本.txt"
    "a+b.txt"
    "100%.txt"
    "%41%2F.txt"
    "#hash.txt"
    "what?.txt"
    "-x"
    "a&b.txt"
    "k=v.txt"
    "mix +%#?&= é日本.txt"
)
dirname_odd="dir +%#?&= é"
sorted_names="$(printf '%s\n' "${names[@]}" | sort)"

# --- created through the mount ------------------------------------------------------------------
mkdir "$MNT/docs/names"
(
    cd "$MNT/docs/names"
    for n in "${names[@]}"; do
        printf 'body of %s\n' "$n" >"./$n"
    done
    mkdir "./$dirname_odd"
    printf 'nested\n' >"./$dirname_odd/a+b #1.txt"
)
expected_keys="$( (printf 'team/docs/names/\n'
    printf 'team/docs/names/%s\n' "${names[@]}"
    printf 'team/docs/names/%s/\n' "$dirname_odd"
    printf 'team/docs/names/%s/a+b #1.txt\n' "$dirname_odd") | LC_ALL=C sort)"
eventually_eq "$expected_keys" "exact keys in S3 for names made through the mount" s3_keys "$DOCS_BUCKET" team/docs/names/
# Bodies, from S3 and through the mount.
got="$(s3py '
b = sys.argv[1]
for n in sys.argv[2:]:
    body = s3.get_object(Bucket=b, Key="team/docs/names/" + n)["Body"].read().decode()
    print("ok" if body == "body of %s\n" % n else "BAD %r: %r" % (n, body))
' "$DOCS_BUCKET" "${names[@]}" | sort -u)"
assert_eq "ok" "$got" "bodies in S3 of the files made through the mount"
assert_eq "nested" "$(s3_body "$DOCS_BUCKET" "team/docs/names/$dirname_odd/a+b #1.txt")" "nested file under an odd directory name"
assert_eq "$(printf '%s\n' "$sorted_names" "$dirname_odd" | sort)" \
    "$(ls -1 "$MNT/docs/names")" "ls of the names made through the mount"
for n in "${names[@]}"; do
    assert_eq "body of $n" "$(cat -- "$MNT/docs/names/$n")" "reading '$n' through the mount"
done
assert_eq "body of -x" "$(cd "$MNT/docs/names" && cat ./-x)" "cat ./-x"
assert_eq "application/octet-stream text/plain" \
    "$(s3py 'print(s3.head_object(Bucket=sys.argv[1], Key="team/docs/names/-x")["ContentType"], s3.head_object(Bucket=sys.argv[1], Key="team/docs/names/what?.txt")["ContentType"])' "$DOCS_BUCKET")" \
    "Content-Type of '-x' (no extension) and 'what?.txt'"

# --- created with the S3 API, read through the mount ------------------------------------------------
s3py '
b = sys.argv[1]
for n in sys.argv[2:]:
    s3.put_object(Bucket=b, Key="public/s3names/" + n, Body=("s3 " + n).encode())
s3.put_object(Bucket=b, Key="public/s3names/sub +%#?&= é/inner &=.txt", Body=b"inner")
' "$PUBLIC_BUCKET" "${names[@]}"
assert_eq "$(printf '%s\n' "$sorted_names" "sub +%#?&= é" | sort)" "$(ls -1 "$MNT/public/s3names")" \
    "ls of names made with the S3 API"
assert_eq "$(printf '%s\n' "$sorted_names" "sub +%#?&= é" | sort)" \
    "$(python3 -c 'import os, sys; print("\n".join(sorted(os.listdir(sys.argv[1]))))' "$MNT/public/s3names")" \
    "os.listdir of names made with the S3 API (exact bytes)"
for n in "${names[@]}"; do
    assert_eq "s3 $n" "$(cat -- "$MNT/public/s3names/$n")" "reading '$n' (made with the S3 API) through the mount"
    assert_eq "regular file $(printf 's3 %s' "$n" | wc -c)" "$(stat -c '%F %s' -- "$MNT/public/s3names/$n")" "stat of '$n'"
done
assert_eq "inner" "$(cat "$MNT/public/s3names/sub +%#?&= é/inner &=.txt")" "a file under an odd prefix made with the S3 API"

# --- rename (server-side copy) and delete -------------------------------------------------------------
mv "$MNT/docs/names/a+b.txt" "$MNT/docs/names/moved +%#?&=日本.txt"
mv "$MNT/docs/names/100%.txt" "$MNT/public/100% moved.txt"
mv "$MNT/docs/names/$dirname_odd" "$MNT/docs/names/renamed $dirname_odd"
got_keys="$(s3_keys "$DOCS_BUCKET" team/docs/names/)"
assert_contains "$got_keys" "team/docs/names/moved +%#?&=日本.txt" "renamed file in S3"
assert_contains "$got_keys" "team/docs/names/renamed $dirname_odd/a+b #1.txt" "renamed directory's file in S3"
if grep -qxF "team/docs/names/a+b.txt" <<<"$got_keys"; then fail "a+b.txt still in S3 after mv"; fi
if grep -qxF "team/docs/names/100%.txt" <<<"$got_keys"; then fail "100%.txt still in S3 after mv"; fi
if grep -qF "team/docs/names/$dirname_odd/" <<<"$got_keys"; then fail "the old directory's keys are still in S3 after mv: $got_keys"; fi
assert_eq "body of a+b.txt" "$(s3_body "$DOCS_BUCKET" "team/docs/names/moved +%#?&=日本.txt")" "renamed file body"
assert_eq "body of 100%.txt" "$(s3_body "$PUBLIC_BUCKET" "public/100% moved.txt")" "file moved across modules"
assert_eq "body of a+b.txt" "$(cat "$MNT/docs/names/moved +%#?&=日本.txt")" "renamed file through the mount"
assert_eq "nested" "$(cat "$MNT/docs/names/renamed $dirname_odd/a+b #1.txt")" "renamed directory's file through the mount"
(cd "$MNT/docs/names" && rm ./-x)
for n in "${names[@]}"; do
    case "$n" in "a+b.txt"|"100%.txt"|"-x") continue ;; esac
    rm -- "$MNT/docs/names/$n"
    rm -- "$MNT/public/s3names/$n"
done
rm -r "$MNT/docs/names/renamed $dirname_odd" "$MNT/public/s3names/sub +%#?&= é"
assert_eq $'team/docs/names/\nteam/docs/names/moved +%#?&=日本.txt' "$(s3_keys "$DOCS_BUCKET" team/docs/names/)" "docs keys after the deletes"
assert_eq $'public/s3names/-x\npublic/s3names/100%.txt\npublic/s3names/a+b.txt' "$(s3_keys "$PUBLIC_BUCKET" public/s3names/)" \
    "public keys after the deletes"

echo "ok: names"
