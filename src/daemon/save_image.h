// Save images (save / restore / managed save): a text header naming the
// format, the domain XML, padding, then the driver's state from an aligned
// offset:
//
//   STRATUS-SAVE 2\n
//   xml-length N\n
//   state running|paused\n          how `restore` leaves the guest by default
//   format raw|gzip|zstd|...\n      how the state is compressed
//   data-offset M\n                 where the state starts (a multiple of 4096)
//   \n
//   <N bytes of XML><zeros up to M><state: QEMU's migration stream>
//
// The padding lets save-image-define replace the XML in place. Version 1
// images (no format, no padding: the state follows the XML) are still read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

namespace stratus::daemon {

struct SaveImageHeader {
  std::string xml;
  bool paused = false;
  std::string format = "raw";
  std::uint64_t dataOffset = 0;  // set by encodeSaveImageHeader
  int version = 2;
};

inline constexpr std::size_t kSaveImageAlign = 4096;
inline constexpr std::size_t kSaveImageMaxXml = 16u << 20;

// Header, XML and padding: the bytes from offset 0 to h.dataOffset, which is
// chosen here (room for at least `spare` more bytes of XML, then aligned).
std::string encodeSaveImageHeader(SaveImageHeader& h, std::size_t spare = kSaveImageAlign);

// The text part of a header from the first bytes of an image: everything but
// the XML, plus where the XML starts. `label` names the file in errors.
struct SaveImageLayout {
  SaveImageHeader header;  // xml empty
  std::size_t xmlOffset = 0;
  std::size_t xmlLength = 0;
};
Result<SaveImageLayout> parseSaveImageHeader(std::string_view head, const std::string& label);

// Reads header and XML from fd and leaves fd positioned at the state.
Result<SaveImageHeader> readSaveImageHeader(int fd, const std::string& label);

// Replace the XML (and the restore state when given) of the image at `path`:
// in place when the new XML fits before the state, else by copying the
// state into a new file renamed over the old one.
Status rewriteSaveImage(const std::string& path, const std::string& xml, std::optional<bool> paused);

}  // namespace stratus::daemon
