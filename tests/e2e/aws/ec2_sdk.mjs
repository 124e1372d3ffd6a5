// The official AWS SDK for JavaScript v3 (@aws-sdk/client-ec2), unchanged,
// against stratus-cloud's EC2 Query API on a simulated node: regions and
// zones, an image registered from the S3 repository, key pairs,
// RunInstances with a client token and user data, the DescribeInstances
// paginator, tags, stop/start/reboot, console output, terminate, errors.
// Usage: node ec2_sdk.mjs EC2_ENDPOINT S3_ENDPOINT ACCESS_KEY SECRET DISK_IMAGE
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  EC2Client, DescribeRegionsCommand, DescribeAvailabilityZonesCommand, DescribeImagesCommand, RegisterImageCommand,
  DeregisterImageCommand, CreateKeyPairCommand, ImportKeyPairCommand, DescribeKeyPairsCommand, DeleteKeyPairCommand,
  RunInstancesCommand, DescribeInstancesCommand, TerminateInstancesCommand, StopInstancesCommand, StartInstancesCommand,
  RebootInstancesCommand, GetConsoleOutputCommand, CreateTagsCommand, DeleteTagsCommand, DescribeTagsCommand,
  paginateDescribeInstances,
} from "@aws-sdk/client-ec2";
import { S3Client, CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";

const [endpoint, s3endpoint, accessKeyId, secretAccessKey, diskImage] = process.argv.slice(2);
const ec2For = (secret) => new EC2Client({ endpoint, region: "stratus-1", credentials: { accessKeyId, secretAccessKey: secret } });
const ec2 = ec2For(secretAccessKey);
let step = 0;
const ok = (what) => console.log(`ok ${++step}: ${what}`);
const fails = async (promise, name, status) => {
  try { await promise; } catch (e) {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (status) assert.equal(e.$metadata.httpStatusCode, status);
    assert.ok(e.$metadata.requestId, "error without a RequestId");
    return;
  }
  assert.fail(`expected ${name}`);
};
const instancesOf = (out) => out.Reservations.flatMap((r) => r.Instances);

const regions = await ec2.send(new DescribeRegionsCommand({}));
assert.equal(regions.Regions[0].RegionName, "stratus-1");
const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
assert.equal(zones.AvailabilityZones[0].ZoneName, "stratus-1a");
assert.equal(zones.AvailabilityZones[0].State, "available");
await fails(ec2For("wrong-secret").send(new DescribeRegionsCommand({})), "AuthFailure", 401);
ok("DescribeRegions, DescribeAvailabilityZones; a wrong secret is AuthFailure (401)");

// An image: the disk goes to S3, RegisterImage makes it an AMI.
const s3 = new S3Client({ endpoint: s3endpoint, region: "stratus-1", forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
await s3.send(new CreateBucketCommand({ Bucket: "sdk-images" }));
await s3.send(new PutObjectCommand({ Bucket: "sdk-images", Key: "disk.qcow2", Body: readFileSync(diskImage) }));
const reg = await ec2.send(new RegisterImageCommand({ Name: "sdk-disk", ImageLocation: "sdk-images/disk.qcow2" }));
assert.match(reg.ImageId, /^ami-[0-9a-f]{8}$/);
const images = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
assert.deepEqual(images.Images.map((i) => i.ImageId), [reg.ImageId]);
assert.equal(images.Images[0].Name, "sdk-disk");
assert.equal(images.Images[0].State, "available");
await fails(ec2.send(new DescribeImagesCommand({ ImageIds: ["ami-0000ffff"] })), "InvalidAMIID.NotFound", 400);
ok(`RegisterImage from S3 (${reg.ImageId}), DescribeImages Owners=self`);

const key = await ec2.send(new CreateKeyPairCommand({ KeyName: "sdk-key" }));
assert.match(key.KeyMaterial, /BEGIN RSA PRIVATE KEY/);
assert.ok(key.KeyFingerprint);
const edKey = await ec2.send(new CreateKeyPairCommand({ KeyName: "sdk-ed", KeyType: "ed25519" }));
assert.match(edKey.KeyMaterial, /BEGIN OPENSSH PRIVATE KEY/);
const pub = (await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["sdk-ed"], IncludePublicKey: true }))).KeyPairs[0].PublicKey;
assert.match(pub, /^ssh-ed25519 /);
await ec2.send(new ImportKeyPairCommand({ KeyName: "sdk-imported", PublicKeyMaterial: Buffer.from(pub) }));
const keys = (await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs.map((k) => k.KeyName).sort();
assert.deepEqual(keys, ["sdk-ed", "sdk-imported", "sdk-key"]);
await fails(ec2.send(new CreateKeyPairCommand({ KeyName: "sdk-key" })), "InvalidKeyPair.Duplicate", 400);
await ec2.send(new DeleteKeyPairCommand({ KeyName: "sdk-imported" }));
ok("CreateKeyPair (rsa, ed25519), ImportKeyPair, DescribeKeyPairs, DeleteKeyPair");

const userData = Buffer.from("#cloud-config\nfrom: sdk\n").toString("base64");
const run = (token) => ec2.send(new RunInstancesCommand({
  ImageId: reg.ImageId, MinCount: 3, MaxCount: 3, InstanceType: "t3.micro", KeyName: "sdk-key", UserData: userData,
  ClientToken: token, TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "suite", Value: "sdk" }] }],
}));
const first = await run("sdk-token-1");
assert.equal(first.Instances.length, 3);
const again = await run("sdk-token-1");
assert.equal(again.ReservationId, first.ReservationId);
assert.deepEqual(again.Instances.map((i) => i.InstanceId), first.Instances.map((i) => i.InstanceId));
await fails(ec2.send(new RunInstancesCommand({ ImageId: reg.ImageId, MinCount: 3, MaxCount: 3, InstanceType: "t3.small",
  ClientToken: "sdk-token-1" })), "IdempotentParameterMismatch", 400);
const more = await ec2.send(new RunInstancesCommand({ ImageId: reg.ImageId, MinCount: 4, MaxCount: 4 }));
assert.equal(more.Instances[0].InstanceType, "m1.small");
await fails(ec2.send(new RunInstancesCommand({ ImageId: "ami-0000ffff", MinCount: 1, MaxCount: 1 })), "InvalidAMIID.NotFound", 400);
ok(`RunInstances: ${first.ReservationId} (3, idempotent by ClientToken; other parameters: IdempotentParameterMismatch) and 4 more`);

let pages = 0, seen = [];
for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 5 }, {})) {
  pages++;
  seen.push(...instancesOf(page));
}
assert.equal(pages, 2);
assert.equal(seen.length, 7);
const one = seen.find((i) => i.InstanceId === first.Instances[0].InstanceId);
assert.equal(one.State.Name, "running");
assert.equal(one.State.Code, 16);
assert.equal(one.InstanceType, "t3.micro");
assert.equal(one.KeyName, "sdk-key");
assert.equal(one.Placement.AvailabilityZone, "stratus-1a");
assert.match(one.PrivateIpAddress, /^192\.168\.122\.\d+$/);
assert.ok(one.LaunchTime instanceof Date);
assert.deepEqual(one.Tags, [{ Key: "suite", Value: "sdk" }]);
const filtered = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:suite", Values: ["sdk"] }] }));
assert.equal(instancesOf(filtered).length, 3);
ok("DescribeInstances paginator (5 + 2), states, type, key, zone, address, tags, tag filter");

const id = first.Instances[0].InstanceId;
await ec2.send(new CreateTagsCommand({ Resources: [id, reg.ImageId], Tags: [{ Key: "Name", Value: "sdk-web" }] }));
const tags = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "key", Values: ["Name"] }] }));
assert.deepEqual(tags.Tags.map((t) => [t.ResourceId, t.ResourceType]).sort(), [[reg.ImageId, "image"], [id, "instance"]].sort());
await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: "Name" }] }));
assert.equal((await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [id] }] }))).Tags.length, 1);
ok("CreateTags, DescribeTags, DeleteTags");

const stopped = await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
assert.equal(stopped.StoppingInstances[0].CurrentState.Name, "stopped");
await fails(ec2.send(new RebootInstancesCommand({ InstanceIds: [id] })), "IncorrectInstanceState", 400);
const started = await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
assert.equal(started.StartingInstances[0].CurrentState.Name, "running");
await ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
const console_ = await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }));
assert.equal(console_.InstanceId, id);
assert.ok(console_.Timestamp instanceof Date);
ok("StopInstances, StartInstances, RebootInstances, GetConsoleOutput");

const all = seen.map((i) => i.InstanceId);
const term = await ec2.send(new TerminateInstancesCommand({ InstanceIds: all }));
assert.ok(term.TerminatingInstances.every((t) => t.CurrentState.Name === "terminated"));
assert.equal(instancesOf(await ec2.send(new DescribeInstancesCommand({}))).length, 0);
await ec2.send(new DeregisterImageCommand({ ImageId: reg.ImageId }));
await fails(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0000beef"] })), "InvalidInstanceID.NotFound", 400);
ok("TerminateInstances, DeregisterImage, InvalidInstanceID.NotFound");
