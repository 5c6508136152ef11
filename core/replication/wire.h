// Streaming replication CopyData framing: XLogData ('w'), primary keepalive ('k') and the
// standby status update ('r'). Source: PostgreSQL docs, "Streaming Replication Protocol".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace walrelay::replication {

/// Microseconds since 2000-01-01 UTC (the protocol's clock), from the system clock.
int64_t now_pg_us();

/// XLogData header: the payload (a pgoutput message) follows at `payload`.
struct XLogData {
  uint64_t wal_start = 0;   ///< WAL position of the message
  uint64_t wal_end = 0;     ///< current end of WAL on the server
  int64_t send_time = 0;    ///< server clock, PostgreSQL-epoch microseconds
  const uint8_t *payload = nullptr;
  size_t payload_len = 0;
};

/// Primary keepalive message.
struct Keepalive {
  uint64_t wal_end = 0;
  int64_t send_time = 0;
  bool reply_requested = false;
};

/// Parses a 'w' message (1 + 24 header bytes + payload); nullopt when malformed.
std::optional<XLogData> parse_xlogdata(const uint8_t *data, size_t len);
/// Parses a 'k' message (exactly 18 bytes); nullopt when malformed.
std::optional<Keepalive> parse_keepalive(const uint8_t *data, size_t len);

/// Builds a 34-byte standby status update: write/flush/apply positions, client clock,
/// reply-requested flag.
std::string build_status_update(uint64_t write, uint64_t flush, uint64_t apply,
                                int64_t now_pg_us, bool reply_requested);

}  // namespace walrelay::replication
