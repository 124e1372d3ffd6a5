// Issue 10's "done when", with the official AWS SDK for JavaScript v3
// (unchanged) against stratus-cloud on a real node: a key pair; the test
// guest's bootable disk uploaded to S3 in parts (lib-storage's multipart
// upload); RegisterImage; RunInstances with UserData; the SDK's waiter for
// `running`; the guest's console (GetConsoleOutput) shows the user data it
// read from its cloud-init seed; DescribeInstances, tags, reboot (a second
// boot on the console), terminate (the SDK's waiter for `terminated`); and
// the errors for a bad signature, an unknown image and a missing bucket.
// Usage: node ec2_node_sdk.mjs EC2_URL S3_URL ACCESS_KEY SECRET DISK_IMAGE EXPECTED_IP
import assert from "node:assert/strict";
import { createReadStream, statSync } from "node:fs";
import {
  EC2Client, CreateKeyPairCommand, RegisterImageCommand, RunInstancesCommand, DescribeInstancesCommand,
  GetConsoleOutputCommand, CreateTagsCommand, DescribeTagsCommand, RebootInstancesCommand, TerminateInstancesCommand,
  DescribeRegionsCommand, waitUntilInstanceRunning, waitUntilInstanceTerminated,
} from "@aws-sdk/client-ec2";
import { S3Client, CreateBucketCommand, HeadObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const [endpoint, s3endpoint, accessKeyId, secretAccessKey, diskImage, expectedIp] = process.argv.slice(2);
const region = "stratus-1";
const credentials = { accessKeyId, secretAccessKey };
const ec2 = new EC2Client({ endpoint, region, credentials });
const s3 = new S3Client({ endpoint: s3endpoint, region, credentials, forcePathStyle: true });
let step = 0;
const ok = (what) => console.log(`ok ${++step}: ${what}`);
const fails = async (promise, name, status) => {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (status) assert.equal(e.$metadata.httpStatusCode, status);
    return;
  }
  assert.fail(`expected ${name}`);
};
// Polls the guest's console until `done` holds for it (at most `seconds`).
const consoleOf = async (id) => {
  const out = await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }));
  return Buffer.from(out.Output ?? "", "base64").toString();
};
const consoleUntil = async (id, done, seconds, what) => {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const text = await consoleOf(id);
    if (done(text)) return text;
    if (Date.now() > deadline) assert.fail(`${what} not on the console within ${seconds} s:\n${text.slice(-600)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};

const key = await ec2.send(new CreateKeyPairCommand({ KeyName: "node-key" }));
assert.match(key.KeyMaterial, /PRIVATE KEY/);
ok("CreateKeyPair node-key");

await s3.send(new CreateBucketCommand({ Bucket: "guest-images" }));
const size = statSync(diskImage).size;
const partSize = 8 * 1024 * 1024;
const upload = new Upload({
  client: s3, partSize, queueSize: 2,
  params: { Bucket: "guest-images", Key: "boot.img", Body: createReadStream(diskImage) },
});
const done = await upload.done();
assert.match(done.ETag, new RegExp(`-${Math.ceil(size / partSize)}"$`), `not a multipart ETag: ${done.ETag}`);
const head = await s3.send(new HeadObjectCommand({ Bucket: "guest-images", Key: "boot.img" }));
assert.equal(head.ContentLength, size);
ok(`multipart upload of boot.img (${size} bytes, ${Math.ceil(size / partSize)} parts)`);

const reg = await ec2.send(new RegisterImageCommand({ Name: "guest", ImageLocation: "guest-images/boot.img" }));
assert.match(reg.ImageId, /^ami-[0-9a-f]{8}$/);
ok(`RegisterImage: ${reg.ImageId}`);

const marker = `sdk-user-data-${process.pid}`;
const run = await ec2.send(new RunInstancesCommand({
  ImageId: reg.ImageId, MinCount: 1, MaxCount: 1, InstanceType: "t1.micro", KeyName: "node-key",
  UserData: Buffer.from(`#cloud-config\nmarker: ${marker}\n`).toString("base64"),
}));
const id = run.Instances[0].InstanceId;
await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 120, minDelay: 1, maxDelay: 2 }, { InstanceIds: [id] });
ok(`RunInstances with UserData: ${id} running (the SDK's waiter)`);

const text = await consoleUntil(id, (t) => t.includes("GUEST-USERDATA-END"), 240, "the user data");
const userData = text.slice(text.indexOf("GUEST-USERDATA-BEGIN"), text.indexOf("GUEST-USERDATA-END"));
assert.ok(userData.includes(`marker: ${marker}`), `the console's user data is not ours:\n${userData}`);
ok("GetConsoleOutput: the guest printed the UserData of its cloud-init seed");

const described = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations[0].Instances[0];
assert.equal(described.State.Name, "running");
assert.equal(described.ImageId, reg.ImageId);
assert.equal(described.KeyName, "node-key");
assert.equal(described.InstanceType, "t1.micro");
assert.equal(described.PrivateIpAddress, expectedIp);
await consoleUntil(id, (t) => t.includes(`GUEST-DHCP ${expectedIp}/`), 120, `the guest's DHCP address ${expectedIp}`);
ok(`DescribeInstances: running, ${described.PrivateIpAddress} (what the guest got by DHCP), key, type, image`);

await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "Name", Value: "sdk-node" }] }));
const tags = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [id] }] }));
assert.deepEqual(tags.Tags.map((t) => [t.Key, t.Value]), [["Name", "sdk-node"]]);
ok("CreateTags, DescribeTags");

const boots = (t) => t.split("GUEST-READY").length - 1;
const before = boots(await consoleOf(id));
await ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
await consoleUntil(id, (t) => boots(t) > before, 240, "a second boot");
ok("RebootInstances: the guest booted again");

await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
await waitUntilInstanceTerminated({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { InstanceIds: [id] });
ok("TerminateInstances: terminated (the SDK's waiter)");

const wrong = new EC2Client({ endpoint, region, credentials: { accessKeyId, secretAccessKey: "not-the-secret" } });
await fails(wrong.send(new DescribeRegionsCommand({})), "AuthFailure", 401);
await fails(ec2.send(new RunInstancesCommand({ ImageId: "ami-0badf00d", MinCount: 1, MaxCount: 1 })), "InvalidAMIID.NotFound", 400);
await fails(s3.send(new GetObjectCommand({ Bucket: "no-such-bucket", Key: "boot.img" })), "NoSuchBucket", 404);
ok("errors: a bad signature (AuthFailure), an unknown image (InvalidAMIID.NotFound), a missing bucket (NoSuchBucket)");
