#!/usr/bin/env python3
"""Signs requests the way AWS documents Signature Versions 4 and 2 and the
aws-chunked payload, independently of the C++ code, and prints them as C++
constants for tests/unit/aws_auth_test.cpp (vectors.inc). Regenerate with:
  python3 tests/data/aws/make_vectors.py > tests/data/aws/vectors.inc
"""
import base64, hashlib, hmac, urllib.parse, zlib

KEY, SECRET = "AKIDSTRATUSEXAMPLE01", "s3cr3t/Key+With/Slashes0123456789abcdefg"
NOW = 1700000000  # 2023-11-14T22:13:20Z
AMZ_DATE, DATE = "20231114T221320Z", "20231114"
REGION, SERVICE = "stratus-1", "s3"

def h(b): return hashlib.sha256(b).hexdigest()
def mac(k, s): return hmac.new(k, s.encode() if isinstance(s, str) else s, hashlib.sha256).digest()
def enc(s, slash=True): return urllib.parse.quote(s, safe="" if slash else "/~")  .replace("%7E", "~")
def signing_key(): return mac(mac(mac(mac(("AWS4" + SECRET).encode(), DATE), REGION), SERVICE), "aws4_request")
SCOPE = f"{DATE}/{REGION}/{SERVICE}/aws4_request"

def canonical(method, path, query, headers, signed, payload):
    cu = "/".join(enc(urllib.parse.unquote(seg)) for seg in path.split("/"))
    pairs = sorted((enc(urllib.parse.unquote(k)), enc(urllib.parse.unquote(v))) for k, v in query)
    cq = "&".join(f"{k}={v}" for k, v in pairs)
    ch = "".join(f"{n}:{' '.join(headers[n].split())}\n" for n in signed)
    return "\n".join([method, cu, cq, ch, ";".join(signed), payload])

def sts(creq): return "\n".join(["AWS4-HMAC-SHA256", AMZ_DATE, SCOPE, h(creq.encode())])

def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'

def header_signed(name, method, path, query, extra, payload):
    headers = {"host": "127.0.0.1:8888", "x-amz-date": AMZ_DATE, "x-amz-content-sha256": payload, **extra}
    signed = sorted(headers)
    sig = mac(signing_key(), sts(canonical(method, path, query, headers, signed, payload))).hex()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={KEY}/{SCOPE}, SignedHeaders={';'.join(signed)}, "
                                f"Signature={sig}")
    target = path + ("?" + "&".join(f"{k}={v}" if v is not None else k for k, v in query) if query else "")
    print(f"// {name}")
    print(f"const TestRequest k{name} = {{{cstr(method)}, {cstr(target)}, {{")
    for k in sorted(headers): print(f"    {{{cstr(k)}, {cstr(headers[k])}}},")
    print("}};")
    return sig

# A GET whose key needs encoding, with a query.
header_signed("GetWithQuery", "GET", "/photos/my%20file%2Bv1~x.jpg", [("response-content-type", "text%2Fplain"), ("partNumber", "1")],
              {"range": "bytes=0-9"}, "UNSIGNED-PAYLOAD")
body = b"hello stratus\n"
header_signed("PutSha", "PUT", "/photos/a/b/c.txt", [], {"content-length": str(len(body))}, h(body))
print(f"const std::string kPutShaBody = {cstr(body.decode())};")

# Presigned GET, valid for 300 s.
q = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", enc(f"{KEY}/{SCOPE}")), ("X-Amz-Date", AMZ_DATE),
     ("X-Amz-Expires", "300"), ("X-Amz-SignedHeaders", "host")]
creq = canonical("GET", "/photos/key.bin", q, {"host": "127.0.0.1:8888"}, ["host"], "UNSIGNED-PAYLOAD")
sig = mac(signing_key(), sts(creq)).hex()
target = "/photos/key.bin?" + "&".join(f"{k}={v}" for k, v in q) + "&X-Amz-Signature=" + sig
print(f"const std::string kPresignedTarget = {cstr(target)};")

# aws-chunked, signed: 3 chunks (8192, 100, 0 bytes of pattern data).
data = bytes((i * 7) & 0xFF for i in range(8292))
seed_headers = {"x-amz-decoded-content-length": str(len(data)), "content-encoding": "aws-chunked"}
seed = header_signed("ChunkedPut", "PUT", "/photos/chunked.bin", [], seed_headers, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
prev, out = seed, b""
for chunk in [data[:8192], data[8192:], b""]:
    s = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", AMZ_DATE, SCOPE, prev, h(b""), h(chunk)])
    prev = mac(signing_key(), s).hex()
    out += f"{len(chunk):x};chunk-signature={prev}\r\n".encode() + chunk + b"\r\n"
print(f"const std::string kChunkedBodyHex = {cstr(out.hex())};")

# Unsigned payload with a CRC32 trailer, as the JavaScript SDK v3 sends it.
crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
header_signed("TrailerPut", "PUT", "/photos/trailer.bin", [],
              {"x-amz-decoded-content-length": str(len(data)), "content-encoding": "aws-chunked",
               "x-amz-trailer": "x-amz-checksum-crc32"}, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
out = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n" + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode()
print(f"const std::string kTrailerBodyHex = {cstr(out.hex())};")
print(f"const std::string kDataCrc32 = {cstr(crc)};")

# Signed chunks and a signed CRC32C trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER).
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c ^= x
        for _ in range(8): c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF
crcc = base64.b64encode(crc32c(data).to_bytes(4, "big")).decode()
seed = header_signed("SignedTrailerPut", "PUT", "/photos/signed-trailer.bin", [],
                     {"x-amz-decoded-content-length": str(len(data)), "content-encoding": "aws-chunked",
                      "x-amz-trailer": "x-amz-checksum-crc32c"}, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
prev, out = seed, b""
for chunk in [data[:8192], data[8192:], b""]:
    s = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", AMZ_DATE, SCOPE, prev, h(b""), h(chunk)])
    prev = mac(signing_key(), s).hex()
    out += f"{len(chunk):x};chunk-signature={prev}\r\n".encode() + chunk + (b"\r\n" if chunk else b"")
trailer = f"x-amz-checksum-crc32c:{crcc}\n"
tsig = mac(signing_key(), "\n".join(["AWS4-HMAC-SHA256-TRAILER", AMZ_DATE, SCOPE, prev, h(trailer.encode())])).hex()
out += f"x-amz-checksum-crc32c:{crcc}\r\nx-amz-trailer-signature:{tsig}\r\n\r\n".encode()
print(f"const std::string kSignedTrailerBodyHex = {cstr(out.hex())};")
print(f"const std::string kDataCrc32c = {cstr(crcc)};")

# Signature Version 2, S3 header style.
date = "Tue, 14 Nov 2023 22:13:20 GMT"
s2 = "\n".join(["PUT", "", "text/plain", date, "x-amz-meta-color:blue", "/photos/v2.txt?uploads"])
sig2 = base64.b64encode(hmac.new(SECRET.encode(), s2.encode(), hashlib.sha1).digest()).decode()
print(f"const TestRequest kV2Header = {{\"PUT\", \"/photos/v2.txt?uploads\", {{")
for k, v in sorted({"host": "127.0.0.1:8888", "date": date, "content-type": "text/plain", "x-amz-meta-color": "blue",
                    "authorization": f"AWS {KEY}:{sig2}"}.items()):
    print(f"    {{{cstr(k)}, {cstr(v)}}},")
print("}};")

# Signature Version 2, EC2 Query style (HmacSHA256).
params = {"Action": "DescribeInstances", "Version": "2016-11-15", "AWSAccessKeyId": KEY, "SignatureVersion": "2",
          "SignatureMethod": "HmacSHA256", "Timestamp": "2023-11-14T22:13:20Z", "InstanceId.1": "i-1 2"}
cq = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
s3 = "\n".join(["GET", "127.0.0.1:8444", "/", cq])
sig3 = base64.b64encode(hmac.new(SECRET.encode(), s3.encode(), hashlib.sha256).digest()).decode()
print(f"const std::string kV2QueryTarget = {cstr('/?' + cq + '&Signature=' + enc(sig3))};")
print(f"const std::string kKey = {cstr(KEY)};\nconst std::string kSecret = {cstr(SECRET)};\nconst std::int64_t kNow = {NOW};")
