// Wire types of storage pools and volumes (issue 6): what NodeService's
// pool/volume verbs take and return, and what the API carries as JSON.
#pragma once

#include <cstdint>
#include <string_view>
#include <string>
#include <vector>

#include "conf/domain_def.h"  // conf::Warning
#include "util/error.h"

namespace stratus::daemon {

// virsh pool-info / pool-list --details. state: "inactive", "building",
// "running", "degraded", "inaccessible" (virStoragePoolState's words).
struct PoolSummary {
  std::string name;
  std::string uuid;
  std::string type;  // "dir", "fs", "netfs", "logical", "iscsi", ...
  std::string state = "inactive";
  bool active = false;
  bool persistent = true;
  bool autostart = false;
  std::uint64_t capacity = 0, allocation = 0, available = 0;  // bytes (0 while inactive)
  std::string targetPath;
};

struct PoolDefineResult {
  PoolSummary pool;
  std::vector<conf::Warning> warnings;
};

struct PoolXmlOptions {
  bool inactive = false;  // --inactive
};

// pool-build / pool-create --build / pool-start --build.
struct PoolBuildOptions {
  bool overwrite = false;    // --overwrite: format/initialise even over existing data
  bool noOverwrite = false;  // --no-overwrite: refuse when the device already holds a file system / VG
};

struct PoolStartOptions {
  bool build = false;  // --build (then overwrite / noOverwrite as PoolBuildOptions)
  bool overwrite = false;
  bool noOverwrite = false;
};

// virsh vol-list --details / vol-info. type: "file", "block", "dir",
// "network", "netdir", "ploop".
struct VolumeSummary {
  std::string name;
  std::string key;
  std::string path;
  std::string pool;  // the pool's name
  std::string type = "file";
  std::string format;  // raw, qcow2, ... ("" when unknown)
  std::uint64_t capacity = 0, allocation = 0, physical = 0;  // bytes
};

// vol-create / vol-create-as / vol-create-from / vol-clone flags.
struct VolumeCreateOptions {
  bool preallocMetadata = false;  // --prealloc-metadata (qcow2)
  bool reflink = false;           // --reflink (clone): accepted, falls back to a copy
};

// vol-resize: `capacity` is the new size, or with `delta` the change.
struct VolumeResizeOptions {
  bool allocate = false;  // --allocate: preallocate the new space
  bool delta = false;     // --delta: capacity is added (or, with shrink, removed)
  bool shrink = false;    // --shrink: allowed to get smaller (refused otherwise)
};

// vol-upload / vol-download: the byte range (length 0: to the end).
struct VolumeTransferOptions {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool sparse = false;  // --sparse: holes travel as holes, not as zeros
};

// vol-wipe --algorithm: zero is implemented; libvirt's other names (nnsa,
// dod, bsi, gutmann, schneier, pfitzner7, pfitzner33, random, trim) are
// accepted and refused with "unsupported" until they are.
struct VolumeWipeOptions {
  std::string algorithm = "zero";
};

}  // namespace stratus::daemon

namespace stratus::daemon {

// One piece of a volume's bytes in vol-upload / vol-download: data, or (with
// --sparse) a hole of `holeBytes` that reads as zeros. A chunk with neither
// ends the stream.
struct VolumeChunk {
  std::string data;
  std::uint64_t holeBytes = 0;
  bool end() const { return data.empty() && holeBytes == 0; }
};

// Where vol-upload's bytes come from (the CLI's file, an HTTP request body).
// A failed next() aborts the upload; the volume keeps what was written
// before (libvirt's stream semantics) and no new volume is left half made.
class VolumeSource {
 public:
  virtual ~VolumeSource() = default;
  virtual Result<VolumeChunk> next() = 0;
};

// Where vol-download's bytes go. A failed write aborts the download.
class VolumeSink {
 public:
  virtual ~VolumeSink() = default;
  virtual Status write(std::string_view data) = 0;
  // A hole (only with --sparse): the receiver seeks or writes zeros.
  virtual Status hole(std::uint64_t bytes) = 0;
};

}  // namespace stratus::daemon
