#!/bin/bash
# Issue 10, the S3 repository (Cumulus) of `stratus-cloud serve`, driven by
# curl's own AWS Signature Version 4 signer: buckets, objects (Range, HEAD,
# conditional GET), listings with prefix/delimiter/continuation, copy,
# multipart, virtual-host addressing, the shared `common` bucket, and the
# errors a user meets (bad secret, missing bucket, another user's bucket,
# a disabled user).
BIN=$1
source "$(dirname "$0")/lib.sh"
R=$E2E_TMP/cloud
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
S3PORT=$(free_port)
SVC_PID=
stop_service() {
  if [ -n "$SVC_PID" ]; then kill -"${1:-TERM}" "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  SVC_PID=
}
trap 'stop_service KILL; e2e_cleanup' EXIT
sc() { "$BIN/stratus-cloud" --root "$R" "$@"; }
prop() { sed -n "s/^$2=//p" "$R/$1.properties"; }

sc --service-url "http://127.0.0.1:$PORT" user add alice --properties "$R/alice.properties" >/dev/null || fail "user add alice"
sc --service-url "http://127.0.0.1:$PORT" user add bob --properties "$R/bob.properties" >/dev/null || fail "user add bob"
sc --service-url "http://127.0.0.1:$PORT" user add root --properties "$R/root.properties" >/dev/null || fail "user add root"
mkdir -p "$R/etc/stratus-cloud"
echo root > "$R/etc/stratus-cloud/s3-admins"
"$BIN/stratus-cloud" --root "$R" serve --listen "127.0.0.1:$PORT" --s3-listen "127.0.0.1:$S3PORT" --ec2-listen 127.0.0.1:0 >>"$E2E_TMP/service.log" 2>&1 &
SVC_PID=$!
wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $S3PORT), 1)' 2>/dev/null" 20 ||
  { cat "$E2E_TMP/service.log" >&2; fail "stratus-cloud serve did not open the S3 port"; }
pass "service up: REST on $PORT, S3 on $S3PORT"

U=http://127.0.0.1:$S3PORT
# s3 USER [curl args...]: a request signed with USER's access key; prints
# the body, then the status on a line of its own.
s3() {
  local who=$1; shift
  curl -sS --aws-sigv4 "aws:amz:stratus-1:s3" --user "$(prop "$who" stratus.access.key.id):$(prop "$who" stratus.secret.access.key)" \
    -w '\n%{http_code}' "$@"
}
status() { tail -n1 <<<"$1"; }
body() { sed '$d' <<<"$1"; }
expect() {  # expect STATUS OUTPUT WHAT
  [ "$(status "$2")" = "$1" ] || fail "$3: expected $1, got: $2"
}

out=$(s3 alice -X PUT "$U/photos") ; expect 200 "$out" "CreateBucket"
out=$(s3 alice -X PUT "$U/photos") ; expect 409 "$out" "CreateBucket again"
grep -q "<Code>BucketAlreadyOwnedByYou</Code>" <<<"$out" || fail "second create: $out"
out=$(s3 bob -X PUT "$U/photos") ; expect 409 "$out" "bob takes alice's bucket name"
grep -q "<Code>BucketAlreadyExists</Code>" <<<"$out" || fail "bob's create: $out"
out=$(s3 alice -X PUT "$U/Bad_Name") ; expect 400 "$out" "invalid bucket name"
out=$(s3 alice "$U/")
grep -q "<Name>photos</Name>" <<<"$out" && grep -q "<Name>common</Name>" <<<"$out" || fail "ListBuckets: $out"
out=$(s3 bob "$U/")
grep -q "<Name>photos</Name>" <<<"$out" && fail "bob sees alice's bucket: $out"
pass "CreateBucket, ListBuckets (own + common), name taken, invalid name"

head -c 3000000 /dev/urandom > "$E2E_TMP/obj.bin"
md5=$(md5sum "$E2E_TMP/obj.bin" | cut -d' ' -f1)
out=$(s3 alice -T "$E2E_TMP/obj.bin" -H 'Content-Type: application/x-test' -H 'x-amz-meta-origin: e2e' -D "$E2E_TMP/put.h" "$U/photos/dir/one%20two+three.bin")
expect 200 "$out" "PutObject"
grep -qi "^etag: \"$md5\"" "$E2E_TMP/put.h" || fail "PutObject ETag: $(cat "$E2E_TMP/put.h")"
grep -qi "^x-amz-request-id: " "$E2E_TMP/put.h" || fail "no x-amz-request-id"
s3 alice -o "$E2E_TMP/got.bin" "$U/photos/dir/one%20two+three.bin" >/dev/null
cmp -s "$E2E_TMP/obj.bin" "$E2E_TMP/got.bin" || fail "GetObject returned other bytes"
out=$(s3 alice -I "$U/photos/dir/one%20two+three.bin")
grep -qi "^content-length: 3000000" <<<"$out" || fail "HeadObject length: $out"
grep -qi "^content-type: application/x-test" <<<"$out" || fail "HeadObject type: $out"
grep -qi "^x-amz-meta-origin: e2e" <<<"$out" || fail "HeadObject metadata: $out"
grep -qi "^last-modified: " <<<"$out" || fail "HeadObject Last-Modified: $out"
pass "PutObject (3 MB, -T), GetObject identical, HeadObject length/type/metadata/ETag"

out=$(s3 alice -r 1000-1999 -o "$E2E_TMP/range.bin" -D "$E2E_TMP/range.h" "$U/photos/dir/one%20two+three.bin"); expect 206 "$out" "Range GET"
cmp -s "$E2E_TMP/range.bin" <(tail -c +1001 "$E2E_TMP/obj.bin" | head -c 1000) || fail "Range bytes differ"
grep -qi "^content-range: bytes 1000-1999/3000000" "$E2E_TMP/range.h" || fail "Content-Range: $(cat "$E2E_TMP/range.h")"
out=$(s3 alice -r -10 -o "$E2E_TMP/tail.bin" "$U/photos/dir/one%20two+three.bin"); expect 206 "$out" "suffix Range"
cmp -s "$E2E_TMP/tail.bin" <(tail -c 10 "$E2E_TMP/obj.bin") || fail "suffix Range bytes differ"
out=$(s3 alice -r 5000000- "$U/photos/dir/one%20two+three.bin"); expect 416 "$out" "Range past the end"
grep -q "<Code>InvalidRange</Code>" <<<"$out" || fail "416 body: $out"
out=$(s3 alice -H "If-None-Match: \"$md5\"" "$U/photos/dir/one%20two+three.bin"); expect 304 "$out" "If-None-Match"
out=$(s3 alice -H "If-Match: \"0000\"" "$U/photos/dir/one%20two+three.bin"); expect 412 "$out" "If-Match"
pass "Range (206, suffix, 416), If-None-Match 304, If-Match 412"

# --data-binary: curl signs the body's hash, checked once read.
out=$(s3 alice -X PUT --data-binary 'small text' -H "Content-MD5: $(printf 'small text' | openssl md5 -binary | base64)" "$U/photos/dir/small.txt")
expect 200 "$out" "PutObject with Content-MD5"
out=$(s3 alice -X PUT --data-binary 'small text' -H "Content-MD5: $(printf 'other' | openssl md5 -binary | base64)" "$U/photos/dir/bad.txt")
expect 400 "$out" "PutObject with a wrong Content-MD5"
grep -q "<Code>BadDigest</Code>" <<<"$out" || fail "bad Content-MD5: $out"
out=$(s3 alice -I "$U/photos/dir/bad.txt"); expect 404 "$out" "the refused object"
out=$(s3 alice -X PUT --data-binary 'small text' -H "x-amz-checksum-crc32: AAAAAA==" "$U/photos/dir/bad.txt")
expect 400 "$out" "PutObject with a wrong x-amz-checksum-crc32"
grep -q "<Code>BadDigest</Code>" <<<"$out" || fail "bad CRC32: $out"
out=$(s3 alice -X PUT --data-binary 'small text' -H "x-amz-checksum-crc32: $(python3 -c 'import zlib,base64; print(base64.b64encode(zlib.crc32(b"small text").to_bytes(4,"big")).decode())')" "$U/photos/dir/crc.txt")
expect 200 "$out" "PutObject with the right x-amz-checksum-crc32"
for k in a/1 a/2 b/1 c d e; do s3 alice -X PUT --data-binary "$k" "$U/photos/list/$k" >/dev/null; done
out=$(s3 alice "$U/photos?list-type=2&prefix=list/&delimiter=/")
grep -q "<Prefix>list/a/</Prefix>" <<<"$out" && grep -q "<Prefix>list/b/</Prefix>" <<<"$out" || fail "CommonPrefixes: $out"
grep -q "<Key>list/c</Key>" <<<"$out" && ! grep -q "<Key>list/a/1</Key>" <<<"$out" || fail "delimited keys: $out"
# Page through with max-keys 2: a/, b/ | c, d | e.
seen=""; token=""; pages=0
while :; do
  q="list-type=2&prefix=list/&delimiter=/&max-keys=2"
  [ -n "$token" ] && q="$q&continuation-token=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$token")"
  out=$(s3 alice "$U/photos?$q"); expect 200 "$out" "ListObjectsV2 page"
  seen="$seen$(grep -o '<Key>[^<]*</Key>\|<CommonPrefixes><Prefix>[^<]*</Prefix>' <<<"$out" | sed 's/<[^>]*>//g' | tr '\n' ' ')"
  pages=$((pages + 1))
  grep -q "<IsTruncated>true</IsTruncated>" <<<"$out" || break
  token=$(grep -o '<NextContinuationToken>[^<]*' <<<"$out" | sed 's/.*>//')
  [ $pages -lt 10 ] || fail "listing does not end"
done
[ "$seen" = "list/a/ list/b/ list/c list/d list/e " ] || fail "paged listing: '$seen' in $pages pages"
[ $pages = 3 ] || fail "expected 3 pages, got $pages"
out=$(s3 alice "$U/photos?list-type=2&prefix=list/&start-after=list/c")
[ "$(grep -o '<Key>[^<]*</Key>' <<<"$out" | sed 's/<[^>]*>//g' | tr '\n' ' ')" = "list/d list/e " ] || fail "start-after: $out"
pass "Content-MD5 and x-amz-checksum-crc32 checked (BadDigest stores nothing), ListObjectsV2 prefix/delimiter/max-keys/continuation/start-after"

out=$(s3 alice -X PUT -H "x-amz-copy-source: /photos/dir/one%20two+three.bin" "$U/photos/copy.bin"); expect 200 "$out" "CopyObject"
grep -q "<ETag>&quot;$md5&quot;</ETag>\|<ETag>\"$md5\"</ETag>" <<<"$out" || fail "CopyObject result: $out"
s3 alice -o "$E2E_TMP/copy.bin" "$U/photos/copy.bin" >/dev/null
cmp -s "$E2E_TMP/obj.bin" "$E2E_TMP/copy.bin" || fail "copy differs"
out=$(s3 alice -X DELETE "$U/photos/copy.bin"); expect 204 "$out" "DeleteObject"
out=$(s3 alice "$U/photos/copy.bin"); expect 404 "$out" "GET a deleted object"
grep -q "<Code>NoSuchKey</Code>" <<<"$out" || fail "deleted object: $out"
pass "CopyObject, DeleteObject, NoSuchKey"

# Multipart: 5 MiB + 5 MiB + 1 KiB.
head -c $((5 << 20)) /dev/urandom > "$E2E_TMP/p1"; head -c $((5 << 20)) /dev/urandom > "$E2E_TMP/p2"; head -c 1024 /dev/urandom > "$E2E_TMP/p3"
out=$(s3 alice -X POST "$U/photos/big.bin?uploads"); expect 200 "$out" "CreateMultipartUpload"
id=$(grep -o '<UploadId>[^<]*' <<<"$out" | sed 's/.*>//')
[ -n "$id" ] || fail "no UploadId: $out"
parts=""
for n in 1 2 3; do
  out=$(s3 alice -T "$E2E_TMP/p$n" -D "$E2E_TMP/part.h" "$U/photos/big.bin?partNumber=$n&uploadId=$id"); expect 200 "$out" "UploadPart $n"
  etag=$(grep -i '^etag:' "$E2E_TMP/part.h" | tr -d '\r' | sed 's/^[^:]*: *//')
  parts="$parts<Part><PartNumber>$n</PartNumber><ETag>$etag</ETag></Part>"
done
out=$(s3 alice "$U/photos/big.bin?uploadId=$id"); expect 200 "$out" "ListParts"
[ "$(grep -o '<PartNumber>' <<<"$out" | wc -l)" = 3 ] || fail "ListParts: $out"
out=$(s3 alice "$U/photos?uploads"); grep -q "<UploadId>$id</UploadId>" <<<"$out" || fail "ListMultipartUploads: $out"
out=$(s3 alice -X POST --data-binary "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>x</ETag></Part><Part><PartNumber>1</PartNumber><ETag>y</ETag></Part></CompleteMultipartUpload>" "$U/photos/big.bin?uploadId=$id")
expect 400 "$out" "Complete out of order"
out=$(s3 alice -X POST --data-binary "<CompleteMultipartUpload>$parts</CompleteMultipartUpload>" "$U/photos/big.bin?uploadId=$id"); expect 200 "$out" "CompleteMultipartUpload"
want=$(python3 - "$E2E_TMP" <<'PY'
import hashlib, sys
d = sys.argv[1]
print(hashlib.md5(b"".join(hashlib.md5(open(f"{d}/p{n}", "rb").read()).digest() for n in (1, 2, 3))).hexdigest() + "-3")
PY
)
grep -q "$want" <<<"$out" || fail "multipart ETag: want $want in $out"
s3 alice -o "$E2E_TMP/big.bin" "$U/photos/big.bin" >/dev/null
cmp -s "$E2E_TMP/big.bin" <(cat "$E2E_TMP/p1" "$E2E_TMP/p2" "$E2E_TMP/p3") || fail "multipart object differs"
out=$(s3 alice -X POST "$U/photos/gone.bin?uploads"); id2=$(grep -o '<UploadId>[^<]*' <<<"$out" | sed 's/.*>//')
s3 alice -T "$E2E_TMP/p3" "$U/photos/gone.bin?partNumber=1&uploadId=$id2" >/dev/null
out=$(s3 alice -X DELETE "$U/photos/gone.bin?uploadId=$id2"); expect 204 "$out" "AbortMultipartUpload"
out=$(s3 alice "$U/photos/gone.bin?uploadId=$id2"); expect 404 "$out" "ListParts of an aborted upload"
grep -q "<Code>NoSuchUpload</Code>" <<<"$out" || fail "aborted upload: $out"
pass "multipart: create, 3 parts, ListParts, ListMultipartUploads, InvalidPartOrder, complete (ETag $want), abort"

# Virtual-host addressing: BUCKET.localhost.
out=$(s3 alice --resolve "photos.localhost:$S3PORT:127.0.0.1" "http://photos.localhost:$S3PORT/dir/small.txt")
expect 200 "$out" "virtual-host GET"; [ "$(body "$out")" = "small text" ] || fail "virtual-host body: $out"
pass "virtual-host-style addressing (photos.localhost)"

# A presigned URL (signed here by Python per AWS's algorithm): valid for
# its X-Amz-Expires, refused once expired.
presign() {  # presign KEY_PATH EXPIRES SIGNED_AT_OFFSET_SECONDS
  python3 - "$(prop alice stratus.access.key.id)" "$(prop alice stratus.secret.access.key)" "127.0.0.1:$S3PORT" "$@" <<'PY'
import datetime, hashlib, hmac, sys, urllib.parse
ak, sk, host, path, expires, offset = sys.argv[1:7]
t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=int(offset))
amz, day = t.strftime("%Y%m%dT%H%M%SZ"), t.strftime("%Y%m%d")
scope = f"{day}/stratus-1/s3/aws4_request"
q = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": f"{ak}/{scope}", "X-Amz-Date": amz,
     "X-Amz-Expires": expires, "X-Amz-SignedHeaders": "host"}
cq = "&".join(f"{urllib.parse.quote(k, safe='~')}={urllib.parse.quote(v, safe='~')}" for k, v in sorted(q.items()))
creq = "\n".join(["GET", path, cq, f"host:{host}\n", "host", "UNSIGNED-PAYLOAD"])
sts = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(creq.encode()).hexdigest()])
k = b"AWS4" + sk.encode()
for part in (day, "stratus-1", "s3", "aws4_request"): k = hmac.new(k, part.encode(), hashlib.sha256).digest()
print(f"http://{host}{path}?{cq}&X-Amz-Signature={hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()}")
PY
}
out=$(curl -sS -w '\n%{http_code}' "$(presign /photos/dir/small.txt 300 0)"); expect 200 "$out" "a presigned GET"
[ "$(body "$out")" = "small text" ] || fail "presigned body: $out"
out=$(curl -sS -w '\n%{http_code}' "$(presign /photos/dir/small.txt 60 -120)"); expect 403 "$out" "an expired presigned GET"
grep -q "expired" <<<"$out" || fail "expired URL: $out"
pass "presigned URL: served within X-Amz-Expires, refused after"

# Signature Version 2 (old clients): "Authorization: AWS KEY:SIG" over
# verb, Content-MD5, type, Date, x-amz-* headers and /BUCKET/KEY.
v2auth() {  # v2auth VERB RESOURCE DATE
  python3 - "$(prop alice stratus.access.key.id)" "$(prop alice stratus.secret.access.key)" "$@" <<'PY'
import base64, hashlib, hmac, sys
ak, sk, verb, resource, date = sys.argv[1:6]
sts = "\n".join([verb, "", "", date, resource])
print(f"AWS {ak}:" + base64.b64encode(hmac.new(sk.encode(), sts.encode(), hashlib.sha1).digest()).decode())
PY
}
d=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
out=$(curl -sS -w '\n%{http_code}' -H "Date: $d" -H "Authorization: $(v2auth GET /photos/dir/small.txt "$d")" "$U/photos/dir/small.txt")
expect 200 "$out" "a Signature Version 2 GET"; [ "$(body "$out")" = "small text" ] || fail "V2 body: $out"
out=$(curl -sS -w '\n%{http_code}' -H "Date: $d" -H "Authorization: $(v2auth GET /photos/dir/small.txt "$d")" --resolve "photos.localhost:$S3PORT:127.0.0.1" "http://photos.localhost:$S3PORT/dir/small.txt")
expect 200 "$out" "a Signature Version 2 GET, virtual host"
old=$(LC_ALL=C date -u -d '-20 min' '+%a, %d %b %Y %H:%M:%S GMT')
out=$(curl -sS -w '\n%{http_code}' -H "Date: $old" -H "Authorization: $(v2auth GET /photos/dir/small.txt "$old")" "$U/photos/dir/small.txt")
expect 403 "$out" "a Signature Version 2 GET 20 minutes old"
grep -q "<Code>RequestTimeTooSkewed</Code>" <<<"$out" || fail "V2 skew: $out"
pass "Signature Version 2: path and virtual-host style; RequestTimeTooSkewed past 15 minutes"

# Errors, as S3 writes them.
out=$(curl -sS --aws-sigv4 "aws:amz:stratus-1:s3" --user "$(prop alice stratus.access.key.id):wrongsecret" -w '\n%{http_code}' "$U/photos/dir/small.txt")
expect 403 "$out" "a bad secret"
grep -q "<Code>SignatureDoesNotMatch</Code>" <<<"$out" && grep -q "<RequestId>" <<<"$out" || fail "bad secret: $out"
out=$(curl -sS --aws-sigv4 "aws:amz:stratus-1:s3" --user "$(prop alice stratus.access.key.id):wrongsecret" -w '\n%{http_code}' -T "$E2E_TMP/p3" "$U/photos/forged.bin")
expect 403 "$out" "an upload with a bad secret"
grep -q "<Code>SignatureDoesNotMatch</Code>" <<<"$out" || fail "bad secret upload: $out"
# The signature is checked before anything about the bucket is told.
out=$(curl -sS --aws-sigv4 "aws:amz:stratus-1:s3" --user "$(prop alice stratus.access.key.id):wrongsecret" -w '\n%{http_code}' -X PUT --data-binary 'x' "$U/nosuchbucket/forged.bin")
expect 403 "$out" "a --data upload with a bad secret into a missing bucket"
grep -q "<Code>SignatureDoesNotMatch</Code>" <<<"$out" || fail "bad secret, missing bucket: $out"
[ -z "$(ls -A "$R/var/lib/stratus-cloud/s3/.incoming")" ] || fail "staged uploads left: $(ls -A "$R/var/lib/stratus-cloud/s3/.incoming")"
out=$(s3 alice "$U/nosuchbucket/x"); expect 404 "$out" "a missing bucket"
grep -q "<Code>NoSuchBucket</Code>" <<<"$out" && grep -q "<Resource>/nosuchbucket/x</Resource>" <<<"$out" || fail "missing bucket: $out"
out=$(s3 bob "$U/photos/dir/small.txt"); expect 403 "$out" "bob reads alice's object"
grep -q "<Code>AccessDenied</Code>" <<<"$out" || fail "bob: $out"
out=$(curl -sS -w '\n%{http_code}' "$U/photos/dir/small.txt"); expect 403 "$out" "an unsigned request"
out=$(curl -sS --aws-sigv4 "aws:amz:stratus-1:s3" --user "AKIDNOSUCHKEY0000000:x" -w '\n%{http_code}' "$U/"); expect 403 "$out" "an unknown key"
grep -q "<Code>InvalidAccessKeyId</Code>" <<<"$out" || fail "unknown key: $out"
pass "SignatureDoesNotMatch (GET and upload), NoSuchBucket, AccessDenied (other user, unsigned), InvalidAccessKeyId"

# The shared bucket: administrators write, everyone reads.
out=$(s3 alice -X PUT --data-binary 'nope' "$U/common/x.img"); expect 403 "$out" "alice writes common"
out=$(s3 root -T "$E2E_TMP/p3" "$U/common/base.img"); expect 200 "$out" "root writes common"
s3 bob -o "$E2E_TMP/common.img" "$U/common/base.img" >/dev/null
cmp -s "$E2E_TMP/common.img" "$E2E_TMP/p3" || fail "bob reads common"
out=$(s3 root -X DELETE "$U/common"); expect 403 "$out" "deleting common"
pass "common: read by every user, written by an administrator only"

out=$(s3 alice -X DELETE "$U/photos"); expect 409 "$out" "DeleteBucket with objects"
grep -q "<Code>BucketNotEmpty</Code>" <<<"$out" || fail "BucketNotEmpty: $out"
sc user disable alice >/dev/null || fail "user disable"
out=$(s3 alice "$U/photos/dir/small.txt"); expect 403 "$out" "a disabled user"
sc user enable alice >/dev/null || fail "user enable"
while IFS= read -r k; do
  out=$(s3 alice -X DELETE "$U/photos/$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$k")")
  expect 204 "$out" "DeleteObject $k"
done < <(s3 alice "$U/photos?list-type=2" | grep -o '<Key>[^<]*' | sed 's/.*>//')
out=$(s3 alice -X DELETE "$U/photos"); expect 204 "$out" "DeleteBucket"
out=$(s3 alice -I "$U/photos"); expect 404 "$out" "HeadBucket after delete"
[ -z "$(ls "$R/var/lib/stratus-cloud/s3/common" | grep -v '^o-')" ] || fail "temporary files left: $(ls -a "$R/var/lib/stratus-cloud/s3/common")"
pass "BucketNotEmpty, disabled user refused, DeleteBucket"

stop_service TERM
echo "all S3 checks passed"
