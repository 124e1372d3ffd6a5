#!/bin/bash
# Issue 10, the EC2 Query API of `stratus-cloud serve` on a simulated node
# (test:///default), driven by curl's own AWS Signature Version 4 signer
# (service ec2, region stratus-1), one request by a Python Signature
# Version 2 signer: regions and zones, images (a shared one, one registered
# from the S3 repository), key pairs, RunInstances with a client token,
# DescribeInstances with filters and pagination, tags, stop/start/reboot,
# console output, terminate, and the errors a client meets.
BIN=$1
source "$(dirname "$0")/lib.sh"
R=$E2E_TMP/cloud
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
S3PORT=$(free_port)
EC2PORT=$(free_port)
SVC_PID=
trap '[ -n "$SVC_PID" ] && { kill -KILL "$SVC_PID" 2>/dev/null; wait "$SVC_PID" 2>/dev/null; }; e2e_cleanup' EXIT
command -v qemu-img >/dev/null || { echo "SKIP: qemu-img not installed (images are checked with it)"; exit 0; }
command -v ssh-keygen >/dev/null || { echo "SKIP: ssh-keygen not installed (openssh-client makes key pairs)"; exit 0; }
sc() { "$BIN/stratus-cloud" --root "$R" "$@"; }
prop() { sed -n "s/^$2=//p" "$R/$1.properties"; }

sc --service-url "http://127.0.0.1:$PORT" user add alice --properties "$R/alice.properties" >/dev/null || fail "user add alice"
sc --service-url "http://127.0.0.1:$PORT" user add bob --properties "$R/bob.properties" >/dev/null || fail "user add bob"
sc node add test:///default --memory 65536 --vcpus 64 --networks default >/dev/null || fail "node add"
# a second zone, on a node too small for any flavour (placement stays on the first)
sc node add test:///zone-b --memory 16 --vcpus 1 --networks default --zone stratus-1b >/dev/null || fail "node add --zone"
sc node add test:///zone-c --memory 16 --vcpus 1 --zone 'Bad Zone' >/dev/null 2>&1 && fail "node add took a bad zone name"
mkdir -p "$R/etc/stratus-cloud/network-pools"
{
  echo 192.168.122.1
  for i in $(seq 10 19); do echo "vm$i 192.168.122.$i 192.168.122.1 192.168.122.255 255.255.255.0"; done
} >"$R/etc/stratus-cloud/network-pools/default"
head -c 65536 /dev/zero >"$E2E_TMP/tiny.img"
sc image add tiny "$E2E_TMP/tiny.img" --common >/dev/null || fail "image add"
"$BIN/stratus-cloud" --root "$R" serve --listen "127.0.0.1:$PORT" --s3-listen "127.0.0.1:$S3PORT" \
  --ec2-listen "127.0.0.1:$EC2PORT" >>"$E2E_TMP/service.log" 2>&1 &
SVC_PID=$!
wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $EC2PORT), 1)' 2>/dev/null" 20 ||
  { cat "$E2E_TMP/service.log" >&2; fail "stratus-cloud serve did not open the EC2 port"; }
pass "service up: EC2 Query API on $EC2PORT"

U=http://127.0.0.1:$EC2PORT
# ec2 USER Action [PARAM=VALUE...]: a signed POST; prints the body, then
# the status on a line of its own.
ec2() {
  local who=$1 action=$2; shift 2
  local args=(--data-urlencode "Action=$action" --data-urlencode "Version=2016-11-15")
  for p in "$@"; do args+=(--data-urlencode "$p"); done
  curl -sS --aws-sigv4 "aws:amz:stratus-1:ec2" --user "$(prop "$who" stratus.access.key.id):$(prop "$who" stratus.secret.access.key)" \
    -w '\n%{http_code}' "${args[@]}" "$U/"
}
status() { tail -n1 <<<"$1"; }
expect() { [ "$(status "$2")" = "$1" ] || fail "$3: expected HTTP $1, got: $2"; }
has() { grep -q -- "$2" <<<"$1" || fail "$3: no '$2' in: $1"; }
xval() { grep -o "<$1>[^<]*</$1>" <<<"$2" | head -1 | sed "s/<[^>]*>//g"; }
count() { grep -o "$1" <<<"$2" | wc -l; }

# ---- errors of the protocol ----
out=$(curl -sS -w '\n%{http_code}' --data "Action=DescribeRegions&Version=2016-11-15" "$U/"); expect 401 "$out" "unsigned"
has "$out" "<Code>AuthFailure</Code>" "unsigned request"
has "$out" "<RequestID>" "unsigned request"
out=$(curl -sS --aws-sigv4 "aws:amz:stratus-1:ec2" --user "$(prop alice stratus.access.key.id):wrongsecret" -w '\n%{http_code}' \
  --data "Action=DescribeRegions&Version=2016-11-15" "$U/"); expect 401 "$out" "bad secret"
has "$out" "<Code>AuthFailure</Code>" "bad secret"
out=$(ec2 alice NoSuchThing); expect 400 "$out" "unknown action"
has "$out" "<Code>InvalidAction</Code>" "unknown action"
pass "unsigned and wrongly signed requests: 401 AuthFailure; unknown action: InvalidAction"

# ---- regions, zones (GET with a signed query string too) ----
out=$(ec2 alice DescribeRegions); expect 200 "$out" "DescribeRegions"
has "$out" 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"' "namespace"
has "$out" "<regionName>stratus-1</regionName>" "DescribeRegions"
has "$out" "<requestId>" "requestId"
out=$(curl -sS -G --aws-sigv4 "aws:amz:stratus-1:ec2" --user "$(prop alice stratus.access.key.id):$(prop alice stratus.secret.access.key)" \
  -w '\n%{http_code}' --data "Action=DescribeAvailabilityZones&Version=2016-11-15" "$U/"); expect 200 "$out" "GET DescribeAvailabilityZones"
has "$out" "<zoneName>stratus-1a</zoneName>" "zones"
has "$out" "<zoneName>stratus-1b</zoneName>" "zones (node add --zone)"
# Signature Version 2, as old EC2 tools sign: HMAC-SHA256 over the sorted, encoded parameters.
out=$(python3 - "$U" "$(prop alice stratus.access.key.id)" "$(prop alice stratus.secret.access.key)" <<'PY'
import base64, hashlib, hmac, sys, time, urllib.parse, urllib.request
url, key, secret = sys.argv[1:4]
host = urllib.parse.urlparse(url).netloc
p = {"Action": "DescribeRegions", "Version": "2016-11-15", "AWSAccessKeyId": key, "SignatureMethod": "HmacSHA256",
     "SignatureVersion": "2", "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
q = "&".join(urllib.parse.quote(k, safe="-_.~") + "=" + urllib.parse.quote(v, safe="-_.~") for k, v in sorted(p.items()))
sig = base64.b64encode(hmac.new(secret.encode(), ("POST\n" + host + "\n/\n" + q).encode(), hashlib.sha256).digest()).decode()
body = q + "&Signature=" + urllib.parse.quote(sig, safe="-_.~")
req = urllib.request.Request(url + "/", data=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
try:
    r = urllib.request.urlopen(req); print(r.read().decode()); print(r.status)
except urllib.error.HTTPError as e:
    print(e.read().decode()); print(e.code)
PY
); expect 200 "$out" "Signature Version 2"
has "$out" "<regionName>stratus-1</regionName>" "SigV2 DescribeRegions"
pass "DescribeRegions (POST SigV4, POST SigV2), DescribeAvailabilityZones (GET SigV4): stratus-1a, stratus-1b"

# ---- images ----
out=$(ec2 alice DescribeImages); expect 200 "$out" "DescribeImages"
has "$out" "<name>tiny</name>" "common image"
TINY=$(xval imageId "$out")
[[ $TINY =~ ^ami-[0-9a-f]{8}$ ]] || fail "image id: $TINY"
s3() {
  local who=$1; shift
  curl -sS --aws-sigv4 "aws:amz:stratus-1:s3" --user "$(prop "$who" stratus.access.key.id):$(prop "$who" stratus.secret.access.key)" \
    -w '\n%{http_code}' "$@"
}
qemu-img create -q -f qcow2 "$E2E_TMP/disk.qcow2" 16M || fail "qemu-img create"
out=$(s3 alice -X PUT "http://127.0.0.1:$S3PORT/alice-images"); expect 200 "$out" "CreateBucket"
out=$(s3 alice -T "$E2E_TMP/disk.qcow2" "http://127.0.0.1:$S3PORT/alice-images/disk.qcow2"); expect 200 "$out" "PutObject"
out=$(ec2 alice RegisterImage Name=mine ImageLocation=alice-images/disk.qcow2); expect 200 "$out" "RegisterImage"
MINE=$(xval imageId "$out")
[[ $MINE =~ ^ami-[0-9a-f]{8}$ ]] || fail "registered image id: $out"
out=$(ec2 alice RegisterImage Name=mine ImageLocation=alice-images/disk.qcow2); expect 400 "$out" "RegisterImage twice"
has "$out" "InvalidAMIName.Duplicate" "RegisterImage twice"
out=$(ec2 alice RegisterImage Name=other ImageLocation=alice-images/nothing); expect 400 "$out" "RegisterImage of no object"
out=$(ec2 bob RegisterImage Name=stolen ImageLocation=alice-images/disk.qcow2); expect 400 "$out" "bob registers alice's object"
out=$(ec2 alice DescribeImages Owner.1=self); expect 200 "$out" "DescribeImages self"
has "$out" "<imageId>$MINE</imageId>" "own image"
grep -q "<imageId>$TINY</imageId>" <<<"$out" && fail "Owner=self lists the common image: $out"
out=$(ec2 alice DescribeImages ImageId.1="$MINE"); has "$out" "<name>mine</name>" "DescribeImages by id"
out=$(ec2 bob DescribeImages ImageId.1="$MINE"); expect 400 "$out" "bob sees alice's image"
has "$out" "InvalidAMIID.NotFound" "bob sees alice's image"
pass "DescribeImages ($TINY common), RegisterImage from S3 ($MINE), duplicates and other users refused"

# ---- one store: cloud-client's images are S3 objects, S3 objects are images ----
out=$(ec2 alice DescribeImages ImageId.1="$MINE"); has "$out" "<imageLocation>alice-images/disk.qcow2</imageLocation>" "RegisterImage keeps the object's place"
cc() { "$BIN/cloud-client" --conf "$R/$1.properties" "${@:2}"; }
head -c 131072 /dev/urandom >"$E2E_TMP/up.img"
out=$(cc alice --transfer --sourcefile "$E2E_TMP/up.img") || fail "cloud-client --transfer: $out"
LOC=$(grep -o 's3://images-[0-9]*/up.img' <<<"$out") || fail "--transfer does not say where the image is: $out"
BUCKET=$(cut -d/ -f3 <<<"$LOC")
s3 alice -o "$E2E_TMP/up.back" "http://127.0.0.1:$S3PORT/$BUCKET/up.img" >/dev/null
cmp -s "$E2E_TMP/up.img" "$E2E_TMP/up.back" || fail "GetObject of $LOC is not the transferred file"
out=$(s3 alice "http://127.0.0.1:$S3PORT/$BUCKET?list-type=2"); has "$out" "<Key>up.img</Key>" "ListObjectsV2 of $BUCKET"
out=$(cc alice --list); has "$out" "Location: $LOC" "cloud-client --list"
out=$(s3 bob -X PUT "http://127.0.0.1:$S3PORT/$BUCKET"); expect 403 "$out" "bob takes alice's image bucket"
# An object put with S3 into the image bucket runs by its key.
out=$(s3 alice -T "$E2E_TMP/up.img" "http://127.0.0.1:$S3PORT/$BUCKET/by-s3.img"); expect 200 "$out" "PutObject into $BUCKET"
out=$(cc alice --list); has "$out" "'by-s3.img'  Size: 131072 bytes  Format: checked when first run  Location: s3://$BUCKET/by-s3.img" "--list shows the S3 object"
out=$(cc alice --run --name by-s3.img --hours 1) || fail "cloud-client --run of an S3 object: $out"
has "$out" "Running: 'vm-" "cloud-client --run of an S3 object"
H=$(grep -o "Running: 'vm-[0-9a-f]*" <<<"$out" | cut -d"'" -f2)
cc alice --terminate --handle "$H" >/dev/null || fail "cloud-client --terminate $H"
out=$(ec2 alice DescribeImages Filter.1.Name=name Filter.1.Value.1=by-s3.img); has "$out" "<imageLocation>$BUCKET/by-s3.img</imageLocation>" "the S3 object registered"
# An object deleted behind its image: listed as failed, refused at launch.
out=$(s3 alice -T "$E2E_TMP/up.img" "http://127.0.0.1:$S3PORT/alice-images/gone.img"); expect 200 "$out" "PutObject gone.img"
out=$(ec2 alice RegisterImage Name=gone ImageLocation=alice-images/gone.img); expect 200 "$out" "RegisterImage gone"
GONE=$(xval imageId "$out")
out=$(s3 alice -X DELETE "http://127.0.0.1:$S3PORT/alice-images/gone.img"); expect 204 "$out" "DeleteObject gone.img"
out=$(ec2 alice DescribeImages ImageId.1="$GONE"); has "$out" "<imageState>failed</imageState>" "an image without its object"
has "$out" "was deleted from bucket" "the reason"
out=$(ec2 alice RunInstances ImageId="$GONE" MinCount=1 MaxCount=1); expect 400 "$out" "RunInstances of an image without its object"
has "$out" "InvalidAMIID.Unavailable" "RunInstances of an image without its object"
# cloud-client --delete takes the object along; DeregisterImage leaves it.
cc alice --delete --name up.img >/dev/null || fail "cloud-client --delete"
out=$(s3 alice -I "http://127.0.0.1:$S3PORT/$BUCKET/up.img"); expect 404 "$out" "the deleted image's object"
out=$(ec2 alice DeregisterImage ImageId="$MINE"); expect 200 "$out" "DeregisterImage"
out=$(s3 alice -I "http://127.0.0.1:$S3PORT/alice-images/disk.qcow2"); expect 200 "$out" "the deregistered image's object"
out=$(ec2 alice RegisterImage Name=mine ImageLocation=alice-images/disk.qcow2); expect 200 "$out" "RegisterImage again"
MINE=$(xval imageId "$out")
pass "one store: --transfer is object $LOC, an S3 object runs by its key, a deleted object's image fails, --delete removes the object"

# ---- key pairs ----
out=$(ec2 alice CreateKeyPair KeyName=k1); expect 200 "$out" "CreateKeyPair"
has "$out" "BEGIN RSA PRIVATE KEY" "CreateKeyPair material"
has "$out" "<keyFingerprint>" "CreateKeyPair fingerprint"
out=$(ec2 alice CreateKeyPair KeyName=k1); expect 400 "$out" "CreateKeyPair twice"
has "$out" "InvalidKeyPair.Duplicate" "CreateKeyPair twice"
ssh-keygen -q -t ed25519 -N '' -C imported -f "$E2E_TMP/imported" || fail "ssh-keygen"
out=$(ec2 alice ImportKeyPair KeyName=k2 PublicKeyMaterial="$(base64 -w0 "$E2E_TMP/imported.pub")"); expect 200 "$out" "ImportKeyPair"
out=$(ec2 alice ImportKeyPair KeyName=k3 PublicKeyMaterial="$(echo 'not a key' | base64 -w0)"); expect 400 "$out" "ImportKeyPair junk"
has "$out" "InvalidKey.Format" "ImportKeyPair junk"
out=$(ec2 alice DescribeKeyPairs); has "$out" "<keyName>k1</keyName>" "DescribeKeyPairs"; has "$out" "<keyName>k2</keyName>" "DescribeKeyPairs"
has "$out" "<keyType>ed25519</keyType>" "DescribeKeyPairs type"
out=$(ec2 bob DescribeKeyPairs); grep -q "<keyName>k1" <<<"$out" && fail "bob sees alice's keys: $out"
out=$(ec2 alice DeleteKeyPair KeyName=k2); has "$out" "<return>true</return>" "DeleteKeyPair"
out=$(ec2 alice DescribeKeyPairs KeyName.1=k2); expect 400 "$out" "deleted key"
has "$out" "InvalidKeyPair.NotFound" "deleted key"
pass "CreateKeyPair (private key once), ImportKeyPair (ed25519), DescribeKeyPairs, DeleteKeyPair"

# ---- RunInstances ----
out=$(ec2 alice RunInstances ImageId=ami-0000ffff MinCount=1 MaxCount=1); expect 400 "$out" "unknown image"
has "$out" "<Code>InvalidAMIID.NotFound</Code>" "unknown image"
out=$(ec2 alice RunInstances MinCount=1 MaxCount=1); expect 400 "$out" "no image"
has "$out" "<Code>MissingParameter</Code>" "no image"
out=$(ec2 alice RunInstances ImageId="$TINY" MinCount=1 MaxCount=1 InstanceType=z9.huge); has "$out" "InvalidParameterValue" "bad type"
out=$(ec2 alice RunInstances ImageId="$TINY" MinCount=1 MaxCount=1 KeyName=nokey); has "$out" "InvalidKeyPair.NotFound" "bad key"
out=$(ec2 alice RunInstances ImageId="$TINY" MinCount=1 MaxCount=1 Placement.AvailabilityZone=mars-1a); has "$out" "InvalidParameterValue" "bad zone"
# a zone's nodes only: stratus-1b's one node is too small for any flavour
out=$(ec2 alice RunInstances ImageId="$TINY" MinCount=1 MaxCount=1 Placement.AvailabilityZone=stratus-1b)
has "$out" "<Code>InsufficientInstanceCapacity</Code>" "a zone without room"
has "$out" "in zone &apos;stratus-1b&apos;\|in zone 'stratus-1b'" "the zone in the message"
out=$(ec2 alice RunInstances ImageId="$TINY" MinCount=1 MaxCount=1 UserData='***'); has "$out" "InvalidParameterValue" "bad user data"
UD=$(printf '#cloud-config\nhello: world\n' | base64 -w0)
out=$(ec2 alice RunInstances ImageId="$TINY" MinCount=2 MaxCount=2 InstanceType=t2.micro KeyName=k1 UserData="$UD" ClientToken=tok-1 \
  Placement.AvailabilityZone=stratus-1a TagSpecification.1.ResourceType=instance TagSpecification.1.Tag.1.Key=team TagSpecification.1.Tag.1.Value=blue)
expect 200 "$out" "RunInstances"
RES=$(xval reservationId "$out")
[ "$(count '<instanceId>' "$out")" = 2 ] || fail "RunInstances made not 2: $out"
IDS=$(grep -o '<instanceId>[^<]*' <<<"$out" | sed 's/<instanceId>//' | tr '\n' ' ')
I1=$(cut -d' ' -f1 <<<"$IDS"); I2=$(cut -d' ' -f2 <<<"$IDS")
has "$out" "<instanceType>t2.micro</instanceType>" "instance type"
has "$out" "<keyName>k1</keyName>" "key name"
has "$out" "<privateIpAddress>192.168.122.10</privateIpAddress>" "address"
# the retry names no zone (where, not what: EC2 does not compare it)
out=$(ec2 alice RunInstances ImageId="$TINY" MinCount=2 MaxCount=2 InstanceType=t2.micro KeyName=k1 UserData="$UD" ClientToken=tok-1 \
  TagSpecification.1.ResourceType=instance TagSpecification.1.Tag.1.Key=team TagSpecification.1.Tag.1.Value=blue)
expect 200 "$out" "RunInstances again"
[ "$(xval reservationId "$out")" = "$RES" ] || fail "same client token, another reservation: $out"
has "$out" "<instanceId>$I1</instanceId>" "same token, same instance"
out=$(ec2 alice RunInstances ImageId="$TINY" MinCount=2 MaxCount=2 InstanceType=m1.small KeyName=k1 UserData="$UD" ClientToken=tok-1 \
  TagSpecification.1.ResourceType=instance TagSpecification.1.Tag.1.Key=team TagSpecification.1.Tag.1.Value=blue)
expect 400 "$out" "same token, another instance type"
has "$out" "<Code>IdempotentParameterMismatch</Code>" "same token, another instance type"
has "$out" "<RequestID>" "IdempotentParameterMismatch"
out=$(ec2 alice DescribeInstances); expect 200 "$out" "DescribeInstances"
[ "$(count '<instanceId>' "$out")" = 2 ] || fail "a retried RunInstances made more instances: $out"
has "$out" "<code>16</code><name>running</name>" "running state"
has "$out" "<reservationId>$RES</reservationId>" "reservation"
has "$out" "<availabilityZone>stratus-1a</availabilityZone>" "placement"
has "$out" "<key>team</key><value>blue</value>" "TagSpecification"
has "$out" "<launchTime>" "launchTime"
pass "RunInstances: $I1 $I2 in $RES (t2.micro, k1, user data), the same ClientToken returns them, with another type it is IdempotentParameterMismatch; input errors refused"

# ---- more instances, filters and pagination ----
out=$(ec2 alice RunInstances ImageId="$MINE" MinCount=5 MaxCount=5); expect 200 "$out" "RunInstances 5"
[ "$(count '<instanceId>' "$out")" = 5 ] || fail "5 instances: $out"
has "$out" "<instanceType>m1.small</instanceType>" "default type"
out=$(ec2 alice DescribeInstances MaxResults=5); expect 200 "$out" "page 1"
[ "$(count '<instanceId>' "$out")" = 5 ] || fail "page 1: $out"
TOKEN=$(xval nextToken "$out"); [ -n "$TOKEN" ] || fail "no nextToken: $out"
out=$(ec2 alice DescribeInstances MaxResults=5 NextToken="$TOKEN"); expect 200 "$out" "page 2"
[ "$(count '<instanceId>' "$out")" = 2 ] || fail "page 2: $out"
grep -q "<nextToken>" <<<"$out" && fail "a third page: $out"
out=$(ec2 alice DescribeInstances Filter.1.Name=image-id Filter.1.Value.1="$MINE"); [ "$(count '<instanceId>' "$out")" = 5 ] || fail "image-id filter: $out"
out=$(ec2 alice DescribeInstances InstanceId.1="$I2"); [ "$(count '<instanceId>' "$out")" = 1 ] || fail "by id: $out"
out=$(ec2 alice DescribeInstances InstanceId.1=i-0000beef); expect 400 "$out" "unknown instance id"
has "$out" "InvalidInstanceID.NotFound" "unknown instance id"
out=$(ec2 bob DescribeInstances InstanceId.1="$I1"); has "$out" "InvalidInstanceID.NotFound" "bob describes alice's instance"
out=$(ec2 alice DescribeInstances Filter.1.Name=bogus Filter.1.Value.1=x); has "$out" "InvalidParameterValue" "unknown filter"
pass "DescribeInstances: MaxResults/NextToken pages (5 + 2), filters image-id, ids, other users' instances hidden"

# ---- tags ----
out=$(ec2 alice CreateTags ResourceId.1="$I1" ResourceId.2="$MINE" Tag.1.Key=Name Tag.1.Value=web); expect 200 "$out" "CreateTags"
out=$(ec2 alice DescribeInstances Filter.1.Name=tag:Name Filter.1.Value.1=we*); [ "$(count '<instanceId>' "$out")" = 1 ] || fail "tag filter: $out"
has "$out" "<instanceId>$I1</instanceId>" "tag filter"
out=$(ec2 alice DescribeTags Filter.1.Name=resource-type Filter.1.Value.1=image); has "$out" "<resourceId>$MINE</resourceId>" "DescribeTags image"
grep -q "<resourceId>$I1</resourceId>" <<<"$out" && fail "resource-type filter: $out"
out=$(ec2 bob CreateTags ResourceId.1="$I1" Tag.1.Key=x Tag.1.Value=y); has "$out" "InvalidInstanceID.NotFound" "bob tags alice's instance"
out=$(ec2 alice DeleteTags ResourceId.1="$I1" Tag.1.Key=Name); expect 200 "$out" "DeleteTags"
out=$(ec2 alice DescribeInstances Filter.1.Name=tag:Name Filter.1.Value.1=web); [ "$(count '<instanceId>' "$out")" = 0 ] || fail "tag still there: $out"
pass "CreateTags/DescribeTags/DeleteTags on instances and images"

# ---- power ----
out=$(ec2 alice StopInstances InstanceId.1="$I1"); expect 200 "$out" "StopInstances"
has "$out" "<currentState><code>80</code><name>stopped</name></currentState><previousState><code>16</code>" "stop states"
out=$(ec2 alice DescribeInstances Filter.1.Name=instance-state-name Filter.1.Value.1=stopped); has "$out" "<instanceId>$I1</instanceId>" "stopped filter"
has "$out" "<privateIpAddress>192.168.122.10</privateIpAddress>" "a stopped instance keeps its slot"
out=$(ec2 alice RebootInstances InstanceId.1="$I1"); has "$out" "IncorrectInstanceState" "reboot a stopped instance"
out=$(ec2 alice StartInstances InstanceId.1="$I1"); expect 200 "$out" "StartInstances"
has "$out" "<currentState><code>16</code><name>running</name>" "start states"
out=$(ec2 alice RebootInstances InstanceId.1="$I1"); expect 200 "$out" "RebootInstances"
has "$out" "<return>true</return>" "reboot"
out=$(ec2 alice GetConsoleOutput InstanceId="$I1"); expect 200 "$out" "GetConsoleOutput"
has "$out" "<instanceId>$I1</instanceId>" "GetConsoleOutput"
has "$out" "<timestamp>" "GetConsoleOutput"
pass "StopInstances (keeps its address), StartInstances, RebootInstances, GetConsoleOutput"

# ---- terminate ----
out=$(ec2 alice TerminateInstances InstanceId.1="$I1" InstanceId.2="$I2"); expect 200 "$out" "TerminateInstances"
[ "$(count '<name>terminated</name>' "$out")" = 2 ] || fail "terminated states: $out"
out=$(ec2 alice DescribeInstances); grep -q "<instanceId>$I1</instanceId>" <<<"$out" && fail "terminated instance listed: $out"
[ "$(count '<instanceId>' "$out")" = 5 ] || fail "after terminate: $out"
out=$(ec2 alice DescribeInstances InstanceId.1="$I1"); has "$out" "<code>48</code><name>terminated</name>" "terminated by id"
out=$(ec2 alice TerminateInstances InstanceId.1="$I1"); expect 200 "$out" "terminate twice"
out=$(ec2 alice DeregisterImage ImageId="$TINY"); has "$out" "UnauthorizedOperation" "deregister the common image"
out=$(ec2 alice DeregisterImage ImageId="$MINE"); expect 200 "$out" "DeregisterImage"
out=$(ec2 alice DescribeImages ImageId.1="$MINE"); has "$out" "InvalidAMIID.NotFound" "deregistered image"
pass "TerminateInstances (terminated shown by id only), DeregisterImage"

kill -TERM "$SVC_PID"; wait "$SVC_PID" || fail "the service did not stop cleanly"
SVC_PID=
pass "service stopped"
