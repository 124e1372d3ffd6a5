// The official AWS SDK for JavaScript v3, unchanged, against stratus-cloud's
// S3 repository: its default request checksums (CRC32, as headers or as
// aws-chunked trailers), lib-storage's multipart Upload, and S3's errors.
// Usage: node s3_sdk.mjs ENDPOINT ACCESS_KEY SECRET
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  S3Client, CreateBucketCommand, ListBucketsCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, DeleteBucketCommand, CreateMultipartUploadCommand,
  UploadPartCommand, CompleteMultipartUploadCommand, AbortMultipartUploadCommand, ListPartsCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import http from "node:http";

const [endpoint, accessKeyId, secretAccessKey] = process.argv.slice(2);
const client = (secret = secretAccessKey, pathStyle = true) => new S3Client({
  endpoint, region: "stratus-1", forcePathStyle: pathStyle, credentials: { accessKeyId, secretAccessKey: secret },
});
const s3 = client();
const bucket = "sdk-bucket";
let step = 0;
const ok = (what) => console.log(`ok ${++step}: ${what}`);
const md5 = (b) => createHash("md5").update(b).digest("hex");
const bytes = (n, seed) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff; return b; };
const body = async (out) => Buffer.from(await out.Body.transformToByteArray());
const fails = async (promise, name, status) => {
  try { await promise; } catch (e) {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (status) assert.equal(e.$metadata.httpStatusCode, status);
    assert.ok(e.$metadata.requestId, "error without a RequestId");
    return;
  }
  assert.fail(`expected ${name}`);
};

await s3.send(new CreateBucketCommand({ Bucket: bucket }));
const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets.map((b) => b.Name);
assert.ok(buckets.includes(bucket) && buckets.includes("common"), `ListBuckets: ${buckets}`);
ok("CreateBucket, ListBuckets");

const small = Buffer.from("hello from the AWS SDK\n");
const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/hello.txt", Body: small, ContentType: "text/plain", Metadata: { origin: "sdk" } }));
assert.equal(put.ETag, `"${md5(small)}"`);
const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/hello.txt" }));
assert.deepEqual(await body(got), small);
assert.equal(got.ContentType, "text/plain");
assert.equal(got.Metadata.origin, "sdk");
ok("PutObject (Buffer, default CRC32 checksum), GetObject with metadata");

// A stream of unknown length: aws-chunked with a CRC32 trailer.
const streamed = bytes(300000, 7);
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/streamed.bin", Body: Readable.from([streamed.subarray(0, 100000), streamed.subarray(100000)]), ContentLength: streamed.length }));
assert.deepEqual(await body(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/streamed.bin" }))), streamed);
ok("PutObject (stream, aws-chunked body with checksum trailer)");

const range = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/streamed.bin", Range: "bytes=100-199" }));
assert.equal(range.$metadata.httpStatusCode, 206);
assert.deepEqual(await body(range), streamed.subarray(100, 200));
const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dir/streamed.bin" }));
assert.equal(head.ContentLength, streamed.length);
ok("GetObject Range (206), HeadObject");

// lib-storage: 12 MiB in 5 MiB parts, concurrently.
const big = bytes(12 * 1024 * 1024 + 123, 3);
const up = new Upload({ client: s3, params: { Bucket: bucket, Key: "images/big.img", Body: big }, partSize: 5 * 1024 * 1024, queueSize: 3 });
const done = await up.done();
assert.match(done.ETag, /^"[0-9a-f]{32}-3"$/, `multipart ETag ${done.ETag}`);
assert.deepEqual(await body(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "images/big.img" }))), big);
ok(`lib-storage Upload: 3 parts, ETag ${done.ETag}`);

// Explicit multipart with CRC32 part checksums, ListParts, then abort another.
const create = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "images/explicit.img", ChecksumAlgorithm: "CRC32" }));
const p1 = bytes(5 * 1024 * 1024, 1), p2 = bytes(1000, 2);
const parts = [];
for (const [n, data] of [[1, p1], [2, p2]]) {
  const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "images/explicit.img", UploadId: create.UploadId, PartNumber: n, Body: data, ChecksumAlgorithm: "CRC32" }));
  parts.push({ PartNumber: n, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32 });
}
const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "images/explicit.img", UploadId: create.UploadId }));
assert.equal(listed.Parts.length, 2);
await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "images/explicit.img", UploadId: create.UploadId, MultipartUpload: { Parts: parts } }));
assert.deepEqual(await body(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "images/explicit.img" }))), Buffer.concat([p1, p2]));
const other = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "images/aborted.img" }));
await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "images/aborted.img", UploadId: other.UploadId }));
await fails(s3.send(new ListPartsCommand({ Bucket: bucket, Key: "images/aborted.img", UploadId: other.UploadId })), "NoSuchUpload", 404);
ok("CreateMultipartUpload/UploadPart (CRC32)/ListParts/Complete, Abort -> NoSuchUpload");

const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
assert.deepEqual(list.CommonPrefixes.map((p) => p.Prefix), ["dir/", "images/"]);
let keys = [], token;
do {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2, ContinuationToken: token }));
  keys.push(...page.Contents.map((c) => c.Key));
  token = page.IsTruncated ? page.NextContinuationToken : undefined;
} while (token);
assert.deepEqual(keys, ["dir/hello.txt", "dir/streamed.bin", "images/big.img", "images/explicit.img"]);
ok("ListObjectsV2: delimiter, MaxKeys 2 with continuation tokens");

await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dir/copy.txt", CopySource: `${bucket}/dir/hello.txt` }));
assert.deepEqual(await body(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/copy.txt" }))), small);
ok("CopyObject");

// BUCKET.localhost names this machine: every name resolves to loopback here.
const loopback = (host, opts, cb) => (opts.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4));
const vhost = new S3Client({
  endpoint: endpoint.replace("127.0.0.1", "localhost"), region: "stratus-1", forcePathStyle: false,
  credentials: { accessKeyId, secretAccessKey },
  requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup: loopback }) }),
});
const vh = await vhost.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/hello.txt" }));
assert.deepEqual(await body(vh), small);
ok("virtual-host-style addressing (BUCKET.localhost)");

await fails(s3.send(new GetObjectCommand({ Bucket: "no-such-bucket", Key: "x" })), "NoSuchBucket", 404);
await fails(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })), "NoSuchKey", 404);
await fails(client("wrong-secret").send(new ListBucketsCommand({})), "SignatureDoesNotMatch", 403);
await fails(s3.send(new DeleteBucketCommand({ Bucket: bucket })), "BucketNotEmpty", 409);
ok("errors: NoSuchBucket, NoSuchKey, SignatureDoesNotMatch, BucketNotEmpty");

await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "dir/hello.txt" }));
const del = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: ["dir/streamed.bin", "dir/copy.txt", "images/big.img", "images/explicit.img"].map((Key) => ({ Key })) } }));
assert.equal(del.Deleted.length, 4);
assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount, 0);
await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
ok("DeleteObject, DeleteObjects (4 keys), DeleteBucket");
console.log(`${step} passed, 0 failed`);
