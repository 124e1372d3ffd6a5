// The service node's schema. Append a migration for every change; never
// edit one that shipped (databases in the field have run it).
#include "cloud/cloud_store.h"

namespace stratus::cloud {

const std::vector<Migration>& cloudSchema() {
  static const std::vector<Migration> kSchema = {
      {1, R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  access_key TEXT NOT NULL UNIQUE,
  secret_key TEXT NOT NULL,
  client_token TEXT NOT NULL UNIQUE,
  disabled INTEGER NOT NULL DEFAULT 0,
  max_instances INTEGER NOT NULL,
  max_vcpus INTEGER NOT NULL,
  max_memory_mib INTEGER NOT NULL,
  max_storage_mib INTEGER NOT NULL,
  max_hours REAL NOT NULL,
  created INTEGER NOT NULL
);
CREATE TABLE nodes (
  id INTEGER PRIMARY KEY,
  uri TEXT NOT NULL UNIQUE,
  memory_mib INTEGER NOT NULL,
  vcpus INTEGER NOT NULL,
  networks TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'up',
  last_seen INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE images (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  owner_id INTEGER REFERENCES users(id),
  path TEXT NOT NULL,
  format TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  created INTEGER NOT NULL
);
CREATE UNIQUE INDEX images_user_name ON images(owner_id, name) WHERE owner_id IS NOT NULL;
CREATE UNIQUE INDEX images_common_name ON images(name) WHERE owner_id IS NULL;
CREATE TABLE instances (
  id INTEGER PRIMARY KEY,
  handle TEXT NOT NULL UNIQUE,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  image TEXT NOT NULL,
  node_id INTEGER REFERENCES nodes(id),
  domain TEXT NOT NULL,
  vcpus INTEGER NOT NULL,
  memory_mib INTEGER NOT NULL,
  state TEXT NOT NULL,
  hours REAL NOT NULL,
  started INTEGER NOT NULL,
  terminates INTEGER NOT NULL,
  destroy_after INTEGER,
  client_token TEXT,
  created INTEGER NOT NULL
);
CREATE UNIQUE INDEX instances_client_token ON instances(owner_id, client_token) WHERE client_token IS NOT NULL;
CREATE INDEX instances_node ON instances(node_id);
CREATE INDEX instances_terminates ON instances(terminates);
CREATE TABLE nic_leases (
  pool TEXT NOT NULL,
  ip TEXT NOT NULL,
  instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  nic INTEGER NOT NULL,
  mac TEXT NOT NULL,
  hostname TEXT NOT NULL,
  PRIMARY KEY (pool, ip)
);
)sql"},
      {2, R"sql(
CREATE TABLE scheduler_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_node_id INTEGER NOT NULL
);
INSERT INTO scheduler_state (id, last_node_id) VALUES (1, 0);
)sql"},
      // The S3 image repository (Cumulus): buckets are directories, each
      // object's bytes a file named in `file`; everything else lives here.
      // owner_id NULL: the shared bucket `common`.
      {3, R"sql(
CREATE TABLE s3_buckets (
  name TEXT PRIMARY KEY,
  owner_id INTEGER REFERENCES users(id),
  created INTEGER NOT NULL
);
CREATE TABLE s3_objects (
  bucket TEXT NOT NULL REFERENCES s3_buckets(name),
  object_key TEXT NOT NULL,
  file TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  etag TEXT NOT NULL,
  content_type TEXT NOT NULL,
  metadata TEXT NOT NULL,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  modified BIGINT NOT NULL,
  PRIMARY KEY (bucket, object_key)
);
CREATE INDEX s3_objects_owner ON s3_objects(owner_id);
CREATE TABLE s3_uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL REFERENCES s3_buckets(name),
  object_key TEXT NOT NULL,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  content_type TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE TABLE s3_parts (
  upload_id TEXT NOT NULL REFERENCES s3_uploads(upload_id) ON DELETE CASCADE,
  part_number INTEGER NOT NULL,
  size_bytes BIGINT NOT NULL,
  etag TEXT NOT NULL,
  modified BIGINT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
)sql"},
      // Scale (1,000 nodes, 10,000 instances). Each node carries what is
      // placed on it (used_vcpus, used_memory_mib: kept by placeInstance and
      // releaseInstance in the same transactions), so a placement reads the
      // nodes with room, best first, instead of summing every instance. A
      // user's live instances (quotas) come from a partial covering index;
      // a user's list, the grace timer and one instance's NICs find their
      // rows directly. The partial index's WHERE is the queries' text, word
      // for word (the planner matches it so).
      {4, R"sql(
ALTER TABLE nodes ADD COLUMN used_vcpus INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN used_memory_mib INTEGER NOT NULL DEFAULT 0;
UPDATE nodes SET
  used_vcpus = (SELECT COALESCE(SUM(vcpus), 0) FROM instances
                WHERE instances.node_id = nodes.id AND instances.state NOT IN ('Destroyed', 'Corrupted')),
  used_memory_mib = (SELECT COALESCE(SUM(memory_mib), 0) FROM instances
                     WHERE instances.node_id = nodes.id AND instances.state NOT IN ('Destroyed', 'Corrupted'));
CREATE INDEX instances_live_owner ON instances(owner_id, vcpus, memory_mib) WHERE state NOT IN ('Destroyed', 'Corrupted');
CREATE INDEX instances_owner ON instances(owner_id, state);
CREATE INDEX instances_destroy_after ON instances(destroy_after) WHERE destroy_after IS NOT NULL;
CREATE INDEX nic_leases_instance ON nic_leases(instance_id);
)sql"},
      // ---- EC2 Query API (issue 10) ----
      // Nodes are grouped in availability zones; users' key pairs; tags on
      // instances and images (by their EC2 ids); what RunInstances asked for
      // each instance it started (reservation, type, key pair, user data).
      {5, R"sql(
ALTER TABLE nodes ADD COLUMN zone TEXT NOT NULL DEFAULT 'stratus-1a';
CREATE TABLE ec2_key_pairs (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  key_type TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  public_key TEXT NOT NULL,
  created BIGINT NOT NULL,
  UNIQUE (owner_id, name)
);
CREATE TABLE ec2_tags (
  owner_id INTEGER NOT NULL REFERENCES users(id),
  resource_id TEXT NOT NULL,
  tag_key TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (owner_id, resource_id, tag_key)
);
CREATE TABLE ec2_launches (
  instance_id INTEGER PRIMARY KEY REFERENCES instances(id),
  reservation_id TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  key_name TEXT NOT NULL,
  user_data TEXT NOT NULL,
  zone TEXT NOT NULL,
  launch_index INTEGER NOT NULL
);
)sql"},
      // ---- end of the EC2 Query API block ----
      // One store for images and S3 objects (issue 10): an image is an
      // object of the repository (s3_bucket, s3_key) registered under a name;
      // s3_etag is the object's ETag when it was registered, so an object
      // replaced or deleted since is seen, not booted. Rows without s3_bucket
      // are images of the earlier directory store (path). Objects of the
      // shared bucket put there by the service itself (common images) have
      // no owner: s3_objects.owner_id may be NULL now (a rebuild, as SQLite
      // cannot drop a NOT NULL).
      {6, R"sql(
ALTER TABLE images ADD COLUMN s3_bucket TEXT;
ALTER TABLE images ADD COLUMN s3_key TEXT;
ALTER TABLE images ADD COLUMN s3_etag TEXT;
CREATE INDEX images_object ON images(s3_bucket, s3_key);
CREATE TABLE s3_objects_v6 (
  bucket TEXT NOT NULL REFERENCES s3_buckets(name),
  object_key TEXT NOT NULL,
  file TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  etag TEXT NOT NULL,
  content_type TEXT NOT NULL,
  metadata TEXT NOT NULL,
  owner_id INTEGER REFERENCES users(id),
  modified BIGINT NOT NULL,
  PRIMARY KEY (bucket, object_key)
);
INSERT INTO s3_objects_v6 (bucket, object_key, file, size_bytes, etag, content_type, metadata, owner_id, modified)
  SELECT bucket, object_key, file, size_bytes, etag, content_type, metadata, owner_id, modified FROM s3_objects;
DROP TABLE s3_objects;
ALTER TABLE s3_objects_v6 RENAME TO s3_objects;
CREATE INDEX s3_objects_owner ON s3_objects(owner_id);
)sql"},
      // RunInstances' client tokens: the fingerprint of the parameters a
      // token was first used with, so a retry that changes them is refused
      // (IdempotentParameterMismatch) before anything is launched.
      {7, R"sql(
CREATE TABLE ec2_client_tokens (
  owner_id INTEGER NOT NULL REFERENCES users(id),
  client_token TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (owner_id, client_token)
);
)sql"},
      // ListObjects pages in S3's order, the UTF-8 byte order of keys, straight
      // from the primary key's index: SQLite's default collation (BINARY) is
      // that order; a PostgreSQL database's default may be a language's
      // ("en_US.UTF-8" sorts 'a' before 'B'), so the key column gets "C".
      {8, "", R"sql(
ALTER TABLE s3_objects ALTER COLUMN object_key TYPE TEXT COLLATE "C";
ALTER TABLE s3_uploads ALTER COLUMN object_key TYPE TEXT COLLATE "C";
)sql"},
  };
  return kSchema;
}

}  // namespace stratus::cloud
