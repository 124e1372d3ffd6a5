// Issue 10's load test, driven by the official AWS SDK for JavaScript v3:
// CONCURRENCY clients share TOTAL requests, in turn DescribeInstances (EC2),
// PutObject and GetObject (S3) of 1 KiB objects, against stratus-cloud's
// endpoints on loopback. Any error fails the run. Prints `name value unit`
// lines (bench/cloud-api-load.sh shows them): latency percentiles per
// operation, throughput, errors.
//
//   node load.mjs S3_URL EC2_URL ACCESS_KEY SECRET TOTAL CONCURRENCY
// EC2_URL "-": no EC2 endpoint (S3 only; said on a `#` line).
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";

const [s3Url, ec2Url, accessKeyId, secretAccessKey, totalArg, concArg] = process.argv.slice(2);
const total = Number(totalArg);
const concurrency = Number(concArg);
if (!s3Url || !ec2Url || !accessKeyId || !secretAccessKey || !(total > 0) || !(concurrency > 0)) {
  console.error("usage: node load.mjs S3_URL EC2_URL ACCESS_KEY SECRET TOTAL CONCURRENCY");
  process.exit(2);
}
const credentials = { accessKeyId, secretAccessKey };
const region = "stratus-1";
const s3 = new S3Client({ endpoint: s3Url, region, credentials, forcePathStyle: true });
let ec2 = null;
let DescribeInstancesCommand = null;
if (ec2Url !== "-") {
  const mod = await import("@aws-sdk/client-ec2");
  DescribeInstancesCommand = mod.DescribeInstancesCommand;
  ec2 = new mod.EC2Client({ endpoint: ec2Url, region, credentials });
} else {
  console.log("# no EC2 endpoint: PutObject and GetObject only");
}

const bucket = "load-" + Date.now().toString(36);
const body = Buffer.alloc(1024, 0x61);
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
const seeds = 64;
for (let k = 0; k < seeds; k++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `seed/${k}`, Body: body }));

const ops = [];
if (ec2) ops.push(["ec2_describe_instances", () => ec2.send(new DescribeInstancesCommand({}))]);
ops.push(["s3_put_object", (i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `obj/${i}`, Body: body }))]);
ops.push([
  "s3_get_object",
  async (i) => {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `seed/${i % seeds}` }));
    const got = await r.Body.transformToByteArray();
    if (got.length !== body.length) throw new Error(`GetObject returned ${got.length} bytes, not ${body.length}`);
  },
]);

const latencies = new Map(ops.map(([name]) => [name, []]));
const errors = [];
let next = 0;
const started = process.hrtime.bigint();
async function client() {
  for (;;) {
    const i = next++;
    if (i >= total) return;
    const [name, run] = ops[i % ops.length];
    const t0 = process.hrtime.bigint();
    try {
      await run(i);
      latencies.get(name).push(Number(process.hrtime.bigint() - t0) / 1e6);
    } catch (e) {
      errors.push(`${name} #${i}: ${e.name}: ${e.message}`);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, client));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
console.log(`requests ${total} count`);
console.log(`concurrency ${concurrency} clients`);
console.log(`throughput ${(total / seconds).toFixed(0)} req/s`);
for (const [name, list] of latencies) {
  list.sort((a, b) => a - b);
  if (!list.length) continue;
  for (const p of [50, 95, 99]) console.log(`${name}_p${p} ${pct(list, p).toFixed(1)} ms`);
  console.log(`${name}_max ${list[list.length - 1].toFixed(1)} ms`);
}
console.log(`errors ${errors.length} count`);
for (const e of errors.slice(0, 10)) console.error(e);
process.exit(errors.length ? 1 : 0);
