// On-disk layout of spool segment files: a file header, then length- and CRC-framed records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace walrelay::spool {

/// Segment file header (16 bytes): magic "WRSPOOL1", format version (u32 LE), reserved.
inline constexpr char kMagic[8] = {'W', 'R', 'S', 'P', 'O', 'O', 'L', '1'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kFileHeaderSize = 16;

/// Record header (12 bytes, little-endian):
///   u32 stored_len   bytes of payload that follow (compressed size when compressed)
///   u32 raw_len      payload size before compression; 0 = stored uncompressed
///   u32 crc32        zlib crc32 over raw_len (4 bytes LE) followed by the stored payload
/// The CRC covers raw_len so that a flipped "compressed" marker is caught too.
inline constexpr size_t kRecordHeaderSize = 12;

/// Largest payload a record may carry (stored or raw): bounds what a corrupt length can
/// make a reader allocate.
inline constexpr uint32_t kMaxRecordBytes = 256u << 20;

inline void put_u32(unsigned char *p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
  p[2] = static_cast<unsigned char>(v >> 16);
  p[3] = static_cast<unsigned char>(v >> 24);
}

inline uint32_t get_u32(const unsigned char *p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

/// "<dir>/<prefix>-<seq as 16 hex digits>.seg"
std::string segment_path(const std::string &dir, const std::string &prefix, uint64_t seq);

}  // namespace walrelay::spool
