// Shared helpers for the pgoutput decoder tests: captured-file loading and byte builders.
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/pgoutput/decoder.h"

namespace walrelay::pgoutput::test {

/// One line of a tests/data/pgoutput/<scenario>.hex file: the row of
/// pg_logical_slot_get_binary_changes (lsn, xid, data).
struct CapturedLine {
  std::string lsn_text;
  Lsn lsn = 0;
  uint32_t xid = 0;
  std::vector<uint8_t> bytes;
};

inline Lsn parse_lsn_text(const std::string &s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) throw std::runtime_error("bad lsn " + s);
  return (std::stoull(s.substr(0, slash), nullptr, 16) << 32) |
         std::stoull(s.substr(slash + 1), nullptr, 16);
}

inline std::string lsn_text(Lsn lsn) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

inline std::vector<uint8_t> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) throw std::runtime_error("odd hex length");
  std::vector<uint8_t> out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

inline std::string data_path(const std::string &scenario) {
  return std::string(WALRELAY_TEST_DATA_DIR) + "/pgoutput/" + scenario + ".hex";
}

/// Loads <scenario>.hex (tab-separated lsn, xid, hex). Throws if missing or malformed.
inline std::vector<CapturedLine> load_capture(const std::string &scenario) {
  std::ifstream in(data_path(scenario));
  if (!in) throw std::runtime_error("cannot open " + data_path(scenario));
  std::vector<CapturedLine> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto t1 = line.find('\t');
    const auto t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) {
      throw std::runtime_error("bad line in " + scenario + ": " + line);
    }
    CapturedLine c;
    c.lsn_text = line.substr(0, t1);
    c.lsn = parse_lsn_text(c.lsn_text);
    c.xid = static_cast<uint32_t>(std::stoul(line.substr(t1 + 1, t2 - t1 - 1)));
    c.bytes = from_hex(std::string_view(line).substr(t2 + 1));
    lines.push_back(std::move(c));
  }
  return lines;
}

/// The captured scenarios and the protocol version each was captured with.
struct Scenario {
  const char *name;
  int protocol_version;
};
inline const std::vector<Scenario> &all_scenarios() {
  static const std::vector<Scenario> s = {
      {"types", 1},    {"toast", 1},           {"replica_full", 1},     {"pk_change", 1},
      {"truncate", 1}, {"multi_table_txn", 1}, {"alter_add_column", 1}, {"origin", 1},
      {"messages", 1}, {"binary", 1},          {"stream_v2", 2},        {"twophase_v3", 3},
  };
  return s;
}

/// Builds message bytes big-endian, for hand-made messages.
class Bytes {
 public:
  Bytes &u8(uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  Bytes &ch(char c) { return u8(static_cast<uint8_t>(c)); }
  Bytes &u16(uint16_t v) { return be(v, 2); }
  Bytes &u32(uint32_t v) { return be(v, 4); }
  Bytes &i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
  Bytes &u64(uint64_t v) { return be(v, 8); }
  Bytes &i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
  /// NUL-terminated String.
  Bytes &str(std::string_view s) {
    raw(s);
    return u8(0);
  }
  Bytes &raw(std::string_view s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  /// TupleData text column ('t', Int32 length, bytes).
  Bytes &text_col(std::string_view s) {
    ch('t').i32(static_cast<int32_t>(s.size()));
    return raw(s);
  }
  const std::vector<uint8_t> &vec() const { return b_; }
  const uint8_t *data() const { return b_.data(); }
  size_t size() const { return b_.size(); }

 private:
  Bytes &be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) b_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  std::vector<uint8_t> b_;
};

}  // namespace walrelay::pgoutput::test
