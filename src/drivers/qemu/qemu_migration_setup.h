// What both QEMUs of a migration must be told before the stream starts
// (capabilities and parameters, the same on both sides where QEMU demands
// it), and how query-migrate's numbers become domjobinfo's. Pure functions
// of their inputs; the instance code runs them (qemu_instance_migrate.cpp,
// qemu_instance_incoming.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/types.h"
#include "drivers/driver.h"
#include "drivers/qemu/qmp_commands.h"
#include "util/error.h"

namespace stratus::drivers::qemu {

enum class MigrationChannel { Tcp, Fd };
enum class MigrationSide { Source, Destination };

// Channels multifd opens when compressed; the destination expects as many.
constexpr unsigned kMultifdChannels = 2;
// max-bandwidth we give QEMU for "unlimited" (its own default is 128 MiB/s);
// values at or above it read back as 0 (unlimited).
constexpr std::uint64_t kUnlimitedBandwidth = 0x7fffffffffffffffULL;
// QEMU's default downtime-limit, restored when the caller asks for none.
constexpr std::uint64_t kDefaultDowntimeLimitMs = 300;

struct MigrationSetup {
  // migrate-set-capabilities, each stated explicitly so an earlier attempt's
  // choices never leak into this one.
  std::vector<std::pair<std::string, bool>> capabilities;
  // migrate-set-parameters (may be empty: nothing to set).
  nlohmann::json parameters = nlohmann::json::object();
  // multifd with compression: set multifd-compression to zstd, or to zlib
  // when this QEMU was built without zstd (a separate step: the fallback
  // needs QEMU's answer).
  bool multifdCompression = false;
};

// Compressed migration: multifd (several TCP connections) on a tcp: channel;
// a single descriptor (tunnelled) cannot carry multifd, so there QEMU's
// single-stream "compress" capability (zlib threads) is used instead.
// Refuses combinations QEMU cannot run (post-copy with compression).
// `legacyCompressWasOn`: an earlier attempt on this QEMU enabled "compress";
// state it off again.
Result<MigrationSetup> migrationSetup(const MigrationParams& p, MigrationChannel channel, MigrationSide side,
                                      bool legacyCompressWasOn = false);

// Copy-storage progress summed over the mirror jobs.
struct DiskProgress {
  std::uint64_t total = 0, processed = 0, bps = 0;
};

// domjobinfo's numbers from one query-migrate (and the disks' mirrors):
// data = memory + disks, as libvirt adds them.
daemon::JobInfo migrationProgress(const ::stratus::qemu::qmp::MigrationInfo& m, const DiskProgress& disks);

// "tcp:ADDR:PORT" with an IPv6 address in brackets.
std::string tcpUri(const std::string& address, int port);

// True when QEMU refused a value because it was built without it
// ("... does not accept value 'zstd'", "Invalid parameter 'zstd'").
bool rejectsValue(const Error& e, const std::string& value);

// The errors of an outgoing migration in libvirt's words
// ("operation failed: migration out job: ...").
Error migrationJobFailed(const std::string& why);
Error migrationJobCancelled();
// QEMU's own words from a QMP error ("QMP migrate: GenericError: Failed
// to connect ..." -> "Failed to connect ..."); other errors as they are.
std::string qemuWords(const Error& e);

}  // namespace stratus::drivers::qemu
