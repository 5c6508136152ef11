// CopyData framing of the streaming replication sub-protocol.
#include "core/replication/wire.h"

#include <chrono>

namespace walrelay::replication {

namespace {

uint64_t be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void put64(std::string &out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

constexpr int64_t kPgEpochOffsetUs = 946684800LL * 1000000LL;

}  // namespace

int64_t now_pg_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() -
         kPgEpochOffsetUs;
}

std::optional<XLogData> parse_xlogdata(const uint8_t *data, size_t len) {
  if (len < 25 || data[0] != 'w') return std::nullopt;
  XLogData x;
  x.wal_start = be64(data + 1);
  x.wal_end = be64(data + 9);
  x.send_time = static_cast<int64_t>(be64(data + 17));
  x.payload = data + 25;
  x.payload_len = len - 25;
  return x;
}

std::optional<Keepalive> parse_keepalive(const uint8_t *data, size_t len) {
  if (len != 18 || data[0] != 'k') return std::nullopt;
  Keepalive k;
  k.wal_end = be64(data + 1);
  k.send_time = static_cast<int64_t>(be64(data + 9));
  k.reply_requested = data[17] != 0;
  return k;
}

std::string build_status_update(uint64_t write, uint64_t flush, uint64_t apply,
                                int64_t now_pg_us, bool reply_requested) {
  std::string out;
  out.reserve(34);
  out.push_back('r');
  put64(out, write);
  put64(out, flush);
  put64(out, apply);
  put64(out, static_cast<uint64_t>(now_pg_us));
  out.push_back(reply_requested ? 1 : 0);
  return out;
}

}  // namespace walrelay::replication
