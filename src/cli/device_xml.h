// The XML the device commands send, built as virsh builds it: attach-disk
// and attach-interface write a new element from their options; detach-disk,
// detach-interface and change-media take the element out of the domain's
// XML (dumped as libxml2 dumps a node: double quotes, the document's own
// whitespace). Errors carry virsh's message (printed after "error: ").
#pragma once

#include <string>
#include <string_view>

#include "cli/command.h"
#include "util/error.h"

namespace stratus::cli {

// attach-disk's <disk>. `blockDevice`: the source is a block device (virsh
// stats it; the caller does).
Result<std::string> attachDiskXml(const ParsedCmd& pc, bool blockDevice);
// attach-interface's <interface>.
Result<std::string> attachInterfaceXml(const ParsedCmd& pc);

// The <disk> whose target or source is `path`; `changeable`: cdroms and
// floppies only (change-media).
Result<std::string> findDiskXml(std::string_view domainXml, const std::string& path, bool changeable);
// The <interface> of `type` (and MAC `mac`, compared without case, when given).
Result<std::string> findInterfaceXml(std::string_view domainXml, const std::string& type, const std::string& mac);

enum class MediaAction { Eject, Insert, Update };
// change-media: the cdrom/floppy at `path` with its <source> removed,
// added or replaced by `source` (a block device's when `block`).
// `sourceRequired`: an insert, or an update virsh implied (no action given).
Result<std::string> changeMediaXml(std::string_view domainXml, const std::string& path, MediaAction action,
                                   const std::string& source, bool block, bool sourceRequired);

}  // namespace stratus::cli
