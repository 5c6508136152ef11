// Test fixture (not product code): a minimal TDS 7.4 responder on 127.0.0.1 that FreeTDS
// can log in to. It answers PRELOGIN (encryption not supported, so nothing is encrypted),
// LOGIN7 (LOGINACK + ENVCHANGE database and packet size + DONE), records every SQL batch
// (packet type 1, UTF-16LE after ALL_HEADERS, kept as UTF-8), RPC request (type 3: procedure
// name or ProcID, then every parameter's name, status, TYPE_INFO and value, PLP included;
// sp_executesql's @stmt / @params kept apart) and bulk-load message (type 7: COLMETADATA and
// ROW tokens decoded per type), and answers each with DONE. Scripted behaviour: the
// checkpoint SELECT gets a one-BIGINT-column result; metadata queries of a table described
// with set_table (bcp_init's SET FMTONLY, SELECT TOP (0) *) get its COLMETADATA; a request
// containing a chosen text gets an ERROR token + DONE with the error bit, or has its
// connection dropped.
// Format source: Microsoft [MS-TDS] (2.2.3.1 packet header, 2.2.6.5 PRELOGIN,
// 2.2.6.4 LOGIN7, 2.2.6.7 SQLBatch, 2.2.6.6 RPCRequest, 2.2.6.1 BulkLoadBCP, 2.2.5.3
// ALL_HEADERS, 2.2.5.4-2.2.5.6 TYPE_INFO / data types / PLP, 2.2.7.x tokens: LOGINACK 0xAD,
// ENVCHANGE 0xE3, DONE 0xFD, ERROR 0xAA, COLMETADATA 0x81, ROW 0xD1).
// One connection is served at a time (db-lib opens one per sink).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wrsqlserver {

class TdsResponder {
 public:
  /// One RPC parameter as it arrived (MS-TDS 2.2.6.6 ParameterData).
  struct RpcParam {
    std::string name;      ///< "@p1" (UTF-8)
    uint8_t status = 0;    ///< StatusFlags (1: output)
    uint8_t type = 0;      ///< TYPE_INFO type byte: 0x26 INTN, 0x68 BITN, 0x6D FLTN,
                           ///< 0xE7 NVARCHAR, 0xA5 BIGVARBINARY, 0xA7 BIGVARCHAR
    uint16_t max_len = 0;  ///< TYPE_INFO length (0xFFFF: a MAX type, value sent as PLP)
    bool null = false;
    std::string value;  ///< the value bytes as sent (NVARCHAR: UTF-16LE)
    /// Readable form: "INTN(8) 5", "FLTN(8) 1.5", "BITN 1", "NVARCHAR(MAX) N'text'" (text
    /// as UTF-8), "BIGVARBINARY(MAX) 0x00FF", "<type> NULL".
    std::string text;
  };

  /// One request the client sent: packet type (1 SQL batch, 3 RPC, 7 bulk load) and, for
  /// SQL batches, the text as UTF-8; for RPCs the procedure name, parameters and, for
  /// sp_executesql, `sql` = @stmt and `declaration` = @params. `raw` is the whole payload.
  struct Request {
    uint8_t type = 0;
    std::string sql;
    std::string raw;
    int connection = 0;     ///< 1 for the first login, 2 after a reconnect, ...
    std::string procedure;  ///< RPC: name, or "#<id>" when sent as a ProcID
    std::string declaration;
    std::vector<RpcParam> params;  ///< RPC parameters after @stmt and @params
    bool parsed = true;            ///< false when the RPC or bulk load did not parse to its end
    /// Bulk load (type 7): the COLMETADATA columns as "name TYPE" ("id INTN(4)",
    /// "s NVARCHAR(MAX)", "n DECIMALN(12,2)", "ts DATETIMEOFFSETN(6)") and every ROW as its
    /// values joined by " | " (see bulk value forms in decode_value).
    std::vector<std::string> bulk_columns;
    std::vector<std::string> bulk_rows;
    /// Raw value bytes of every row and column (NVARCHAR: UTF-16LE as sent).
    std::vector<std::vector<std::string>> bulk_raw;
  };

  /// A column of a table the responder describes (to `SET FMTONLY ON select * from <t>`,
  /// which bcp_init sends, and to `SELECT TOP (0) * FROM <t>`). `type`: INT, BIGINT,
  /// SMALLINT, BIT, FLOAT, REAL, DECIMAL(p,s), NVARCHAR(n|MAX), NCHAR(n),
  /// VARBINARY(n|MAX), UNIQUEIDENTIFIER, DATE, TIME(s), DATETIME2(s), DATETIMEOFFSET(s).
  struct TableColumn {
    std::string name;
    std::string type;
  };

  TdsResponder() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr *>(&a), sizeof a);
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TdsResponder() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (conn_fd_ >= 0) ::shutdown(conn_fd_, SHUT_RDWR);
    }
    thread_.join();
  }
  TdsResponder(const TdsResponder &) = delete;
  TdsResponder &operator=(const TdsResponder &) = delete;

  uint16_t port() const { return port_; }

  std::vector<Request> requests() {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  /// Text of every SQL batch, in order.
  std::vector<std::string> batches() {
    std::vector<std::string> out;
    for (const Request &r : requests())
      if (r.type == 1) out.push_back(r.sql);
    return out;
  }
  /// Every SQL batch, RPC and bulk load in order: batches as their text, RPCs as
  /// "RPC <procedure>: <@stmt>" (see rpc_text for the parameters), bulk loads as
  /// "BULK <n> rows" (see bulk_loads for the rows).
  std::vector<std::string> statements() {
    std::vector<std::string> out;
    for (const Request &r : requests()) {
      if (r.type == 1) out.push_back(r.sql);
      if (r.type == 3) out.push_back("RPC " + r.procedure + ": " + r.sql);
      if (r.type == 7) out.push_back("BULK " + std::to_string(r.bulk_rows.size()) + " rows");
    }
    return out;
  }
  /// The RPC requests, in order.
  std::vector<Request> rpcs() {
    std::vector<Request> out;
    for (const Request &r : requests())
      if (r.type == 3) out.push_back(r);
    return out;
  }
  /// "@p1 INTN(8) 5\n@p2 NVARCHAR(MAX) N'x'\n": the parameters of `r`, one per line.
  static std::string rpc_text(const Request &r) {
    std::string out;
    for (const RpcParam &p : r.params) out += p.name + " " + p.text + "\n";
    return out;
  }
  void clear() {
    std::lock_guard<std::mutex> l(mu_);
    requests_.clear();
    bulk_dones_.clear();
  }
  int logins() {
    std::lock_guard<std::mutex> l(mu_);
    return logins_;
  }
  /// The bulk-load requests (type 7), in order.
  std::vector<Request> bulk_loads() {
    std::vector<Request> out;
    for (const Request &r : requests())
      if (r.type == 7) out.push_back(r);
    return out;
  }
  /// The row count of every DONE the responder answered a bulk-load message with, in order
  /// (one per bcp_batch / bcp_done: FreeTDS ends each load with the packet's EOM and waits
  /// for this DONE).
  std::vector<uint64_t> bulk_dones() {
    std::lock_guard<std::mutex> l(mu_);
    return bulk_dones_;
  }
  /// Describes table `quoted` ("[dbo].[t]") for metadata queries naming it.
  void set_table(const std::string &quoted, std::vector<TableColumn> columns) {
    std::lock_guard<std::mutex> l(mu_);
    tables_.emplace_back(quoted, std::move(columns));
  }
  /// The value the checkpoint SELECT returns (nullopt: no row).
  void set_checkpoint(std::optional<int64_t> v) {
    std::lock_guard<std::mutex> l(mu_);
    checkpoint_ = v;
  }
  /// The next batch containing `needle` gets SQL Server error `number` (severity 16 or the
  /// given class) on line `line`.
  void fail_next(const std::string &needle, int32_t number, const std::string &message,
                 int32_t line = 1, uint8_t cls = 16) {
    std::lock_guard<std::mutex> l(mu_);
    fail_ = Fail{needle, number, message, line, cls};
  }
  /// The next batch containing `needle` is recorded, then its connection is closed.
  void drop_next(const std::string &needle) {
    std::lock_guard<std::mutex> l(mu_);
    drop_ = needle;
  }

 private:
  struct Fail {
    std::string needle;
    int32_t number;
    std::string message;
    int32_t line;
    uint8_t cls;
  };

  static void put16(std::string &o, uint16_t v) {
    o += static_cast<char>(v & 0xff);
    o += static_cast<char>(v >> 8);
  }
  static void put32(std::string &o, uint32_t v) {
    for (int i = 0; i < 4; ++i) o += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  static void put64(std::string &o, uint64_t v) {
    for (int i = 0; i < 8; ++i) o += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  /// ASCII/UTF-8 (BMP and surrogate pairs) -> UTF-16LE.
  static std::string utf16(const std::string &s) {
    std::string o;
    for (size_t i = 0; i < s.size();) {
      uint32_t c = static_cast<unsigned char>(s[i]);
      size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      if (n > 1) c &= (0xFF >> (n + 1));
      for (size_t k = 1; k < n && i + k < s.size(); ++k)
        c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      i += n;
      if (c >= 0x10000) {
        c -= 0x10000;
        put16(o, static_cast<uint16_t>(0xD800 + (c >> 10)));
        put16(o, static_cast<uint16_t>(0xDC00 + (c & 0x3FF)));
      } else {
        put16(o, static_cast<uint16_t>(c));
      }
    }
    return o;
  }
  /// UTF-16LE -> UTF-8.
  static std::string utf8(const std::string &s) {
    std::string o;
    for (size_t i = 0; i + 1 < s.size(); i += 2) {
      uint32_t c = static_cast<unsigned char>(s[i]) | (static_cast<unsigned char>(s[i + 1]) << 8);
      if (c >= 0xD800 && c < 0xDC00 && i + 3 < s.size()) {
        const uint32_t lo =
            static_cast<unsigned char>(s[i + 2]) | (static_cast<unsigned char>(s[i + 3]) << 8);
        c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
        i += 2;
      }
      if (c < 0x80) {
        o += static_cast<char>(c);
      } else if (c < 0x800) {
        o += static_cast<char>(0xC0 | (c >> 6));
        o += static_cast<char>(0x80 | (c & 0x3F));
      } else if (c < 0x10000) {
        o += static_cast<char>(0xE0 | (c >> 12));
        o += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        o += static_cast<char>(0x80 | (c & 0x3F));
      } else {
        o += static_cast<char>(0xF0 | (c >> 18));
        o += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        o += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        o += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
    return o;
  }
  static void b_varchar(std::string &o, const std::string &s) {
    const std::string u = utf16(s);
    o += static_cast<char>(u.size() / 2);
    o += u;
  }
  static std::string done(uint16_t status, uint64_t rows = 0) {
    std::string o(1, static_cast<char>(0xFD));
    put16(o, status);
    put16(o, 0);
    put64(o, rows);
    return o;
  }
  static std::string envchange(uint8_t type, const std::string &now, const std::string &before) {
    std::string body(1, static_cast<char>(type));
    b_varchar(body, now);
    b_varchar(body, before);
    std::string o(1, static_cast<char>(0xE3));
    put16(o, static_cast<uint16_t>(body.size()));
    return o + body;
  }
  static std::string error_token(const Fail &f) {
    std::string body;
    put32(body, static_cast<uint32_t>(f.number));
    body += static_cast<char>(1);  // state
    body += static_cast<char>(f.cls);
    const std::string msg = utf16(f.message);
    put16(body, static_cast<uint16_t>(msg.size() / 2));
    body += msg;
    b_varchar(body, "responder");
    b_varchar(body, "");
    put32(body, static_cast<uint32_t>(f.line));
    std::string o(1, static_cast<char>(0xAA));
    put16(o, static_cast<uint16_t>(body.size()));
    return o + body;
  }
  /// COLMETADATA for one nullable BIGINT (INTN, length 8) column, plus a ROW when `v`.
  static std::string bigint_result(const std::string &name, std::optional<int64_t> v) {
    std::string o(1, static_cast<char>(0x81));
    put16(o, 1);
    put32(o, 0);     // user type
    put16(o, 0x01);  // flags: nullable
    o += static_cast<char>(0x26);
    o += static_cast<char>(8);
    b_varchar(o, name);
    if (v) {
      o += static_cast<char>(0xD1);
      o += static_cast<char>(8);
      put64(o, static_cast<uint64_t>(*v));
    }
    return o + done(0x0010, v ? 1 : 0);
  }

  /// Reads little-endian integers and strings from an RPC payload; `ok` turns false when
  /// the payload ends early.
  struct Reader {
    const std::string &s;
    size_t pos = 0;
    bool ok = true;
    bool has(size_t n) {
      if (pos + n > s.size()) ok = false;
      return ok;
    }
    uint64_t le(size_t n) {
      if (!has(n)) return 0;
      uint64_t v = 0;
      for (size_t i = 0; i < n; ++i)
        v |= static_cast<uint64_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
      pos += n;
      return v;
    }
    std::string bytes(size_t n) {
      if (!has(n)) return {};
      std::string out = s.substr(pos, n);
      pos += n;
      return out;
    }
  };

  static std::string hex(const std::string &b) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out = "0x";
    for (unsigned char c : b) {
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
    return out;
  }

  /// Parses ParameterData (name, status, TYPE_INFO, value) for the types FreeTDS sends
  /// for the sink. False on an unknown type.
  static bool parse_param(Reader &rd, RpcParam &p) {
    const size_t name_chars = rd.le(1);
    p.name = utf8(rd.bytes(2 * name_chars));
    p.status = static_cast<uint8_t>(rd.le(1));
    p.type = static_cast<uint8_t>(rd.le(1));
    std::string tname;
    switch (p.type) {
      case 0x26:    // INTN
      case 0x68:    // BITN
      case 0x6D: {  // FLTN
        p.max_len = static_cast<uint16_t>(rd.le(1));
        const size_t len = rd.le(1);
        p.null = len == 0;
        p.value = rd.bytes(len);
        tname = p.type == 0x26   ? "INTN(" + std::to_string(p.max_len) + ")"
                : p.type == 0x68 ? std::string("BITN")
                                 : "FLTN(" + std::to_string(p.max_len) + ")";
        if (p.null) break;
        if (p.type == 0x6D && len == 8) {
          double d;
          std::memcpy(&d, p.value.data(), 8);
          char buf[64];
          std::snprintf(buf, sizeof buf, "%.17g", d);
          p.text = tname + " " + buf;
        } else {
          int64_t v = 0;
          for (size_t i = 0; i < len; ++i)
            v |= static_cast<int64_t>(static_cast<unsigned char>(p.value[i])) << (8 * i);
          if (len < 8 && (v >> (8 * len - 1)) & 1) v -= int64_t{1} << (8 * len);  // sign
          p.text = tname + " " + std::to_string(p.type == 0x68 ? (v & 1) : v);
        }
        return rd.ok;
      }
      case 0xE7:    // NVARCHAR
      case 0xA7:    // BIGVARCHAR
      case 0xA5: {  // BIGVARBINARY
        p.max_len = static_cast<uint16_t>(rd.le(2));
        if (p.type != 0xA5) rd.bytes(5);  // collation
        const std::string size = p.max_len == 0xFFFF
                                     ? std::string("MAX")
                                     : std::to_string(p.type == 0xE7 ? p.max_len / 2 : p.max_len);
        tname = (p.type == 0xE7   ? "NVARCHAR("
                 : p.type == 0xA7 ? "VARCHAR("
                                  : "BIGVARBINARY(") +
                size + ")";
        if (p.max_len == 0xFFFF) {  // PLP: total length, chunks, terminator
          const uint64_t total = rd.le(8);
          if (total == ~uint64_t{0}) {
            p.null = true;
          } else {
            while (rd.ok) {
              const size_t chunk = rd.le(4);
              if (chunk == 0) break;
              p.value += rd.bytes(chunk);
            }
          }
        } else {
          const size_t len = rd.le(2);
          if (len == 0xFFFF) {
            p.null = true;
          } else {
            p.value = rd.bytes(len);
          }
        }
        if (!p.null) {
          p.text = tname + " " +
                   (p.type == 0xE7   ? "N'" + utf8(p.value) + "'"
                    : p.type == 0xA7 ? "'" + p.value + "'"
                                     : hex(p.value));
        }
        break;
      }
      default:
        return false;
    }
    if (p.null) p.text = tname + " NULL";
    return rd.ok;
  }

  /// Fills procedure, sql, declaration and params of an RPC request (MS-TDS 2.2.6.6).
  static void parse_rpc(Request &r) {
    Reader rd{r.raw};
    const size_t headers = rd.le(4);
    rd.pos = headers;
    const size_t name_len = rd.le(2);
    if (name_len == 0xFFFF) {
      r.procedure = "#" + std::to_string(rd.le(2));
    } else {
      r.procedure = utf8(rd.bytes(2 * name_len));
    }
    rd.le(2);  // option flags
    while (rd.ok && rd.pos < r.raw.size()) {
      RpcParam p;
      if (!parse_param(rd, p)) {
        r.parsed = false;
        return;
      }
      if (p.name == "@stmt") {
        r.sql = utf8(p.value);
      } else if (p.name == "@params") {
        r.declaration = utf8(p.value);
      } else {
        r.params.push_back(std::move(p));
      }
    }
    r.parsed = rd.ok;
  }

  /// TYPE_INFO (type byte and its length/precision/collation part) of a TableColumn type.
  static std::string type_info(const std::string &t) {
    std::string o;
    auto arg = [&](size_t from) { return t.substr(from, t.size() - from - 1); };
    auto varlen = [&](uint8_t type, size_t open, bool wide, bool collation) {
      o += static_cast<char>(type);
      const std::string a = arg(open);
      put16(o, a == "MAX" ? 0xFFFF : static_cast<uint16_t>(std::stoi(a) * (wide ? 2 : 1)));
      if (collation) o += std::string("\x09\x04\xD0\x00\x34", 5);
    };
    if (t == "INT" || t == "BIGINT" || t == "SMALLINT") {
      o += '\x26';
      o += static_cast<char>(t == "INT" ? 4 : t == "BIGINT" ? 8 : 2);
    } else if (t == "BIT") {
      o += "\x68\x01";
    } else if (t == "FLOAT" || t == "REAL") {
      o += '\x6D';
      o += static_cast<char>(t == "FLOAT" ? 8 : 4);
    } else if (t.rfind("DECIMAL(", 0) == 0) {
      const std::string a = arg(8);
      const int p = std::stoi(a), sc = std::stoi(a.substr(a.find(',') + 1));
      o += '\x6A';
      o += static_cast<char>(p <= 9 ? 5 : p <= 19 ? 9 : p <= 28 ? 13 : 17);
      o += static_cast<char>(p);
      o += static_cast<char>(sc);
    } else if (t.rfind("NVARCHAR(", 0) == 0) {
      varlen(0xE7, 9, true, true);
    } else if (t.rfind("NCHAR(", 0) == 0) {
      varlen(0xEF, 6, true, true);
    } else if (t.rfind("VARBINARY(", 0) == 0) {
      varlen(0xA5, 10, false, false);
    } else if (t == "UNIQUEIDENTIFIER") {
      o += "\x24\x10";
    } else if (t == "DATE") {
      o += '\x28';
    } else if (t.rfind("TIME(", 0) == 0) {
      o += '\x29';
      o += static_cast<char>(std::stoi(arg(5)));
    } else if (t.rfind("DATETIME2(", 0) == 0) {
      o += '\x2A';
      o += static_cast<char>(std::stoi(arg(10)));
    } else if (t.rfind("DATETIMEOFFSET(", 0) == 0) {
      o += '\x2B';
      o += static_cast<char>(std::stoi(arg(15)));
    }
    return o;
  }
  /// COLMETADATA of `cols` (every column nullable) and DONE: the FMTONLY answer.
  static std::string table_result(const std::vector<TableColumn> &cols) {
    std::string o(1, static_cast<char>(0x81));
    put16(o, static_cast<uint16_t>(cols.size()));
    for (const TableColumn &c : cols) {
      put32(o, 0);       // user type
      put16(o, 0x0009);  // nullable, updatable
      o += type_info(c.type);
      b_varchar(o, c.name);
    }
    return o + done(0x0010, 0);
  }

  /// A column of a bulk load's COLMETADATA.
  struct BulkColumn {
    uint8_t type = 0;
    uint16_t len = 0;  ///< max length (0xFFFF: MAX), or the fixed length of INTN etc.
    uint8_t prec = 0, scale = 0;
    std::string name;
  };

  /// Days since 0001-01-01 -> "YYYY-MM-DD" (proleptic Gregorian).
  static std::string civil(int64_t days) {
    int64_t z = days - 719162 + 719468;  // shift to days since 0000-03-01
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) ++y;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m),
                  static_cast<int>(d));
    return buf;
  }
  /// Time of day `units` of 10^-scale seconds -> "hh:mm:ss.fffffff" (scale digits).
  static std::string clock(uint64_t units, int scale) {
    uint64_t div = 1;
    for (int i = 0; i < scale; ++i) div *= 10;
    const uint64_t secs = units / div, frac = units % div;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(secs / 3600),
                  static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
    std::string out = buf;
    if (scale > 0) {
      std::string f = std::to_string(frac);
      out += "." + std::string(static_cast<size_t>(scale) - f.size(), '0') + f;
    }
    return out;
  }
  static uint64_t le_bytes(const std::string &b, size_t from, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(b[from + i])) << (8 * i);
    return v;
  }
  /// Readable form of a bulk value: integers, %.17g floats, decimals with their scale,
  /// N'text', 0xHEX, GUIDs in canonical form, "YYYY-MM-DD", "hh:mm:ss.ffffff",
  /// "YYYY-MM-DD hh:mm:ss.ffffff" and, for DATETIMEOFFSET, the UTC time then " +hh:mm".
  static std::string decode_value(const BulkColumn &c, const std::string &v) {
    switch (c.type) {
      case 0x26: {
        int64_t x = static_cast<int64_t>(le_bytes(v, 0, v.size()));
        if (v.size() < 8 && (x >> (8 * v.size() - 1)) & 1) x -= int64_t{1} << (8 * v.size());
        return std::to_string(x);
      }
      case 0x68:
        return std::to_string(v[0] & 1);
      case 0x6D: {
        char buf[64];
        if (v.size() == 8) {
          double d;
          std::memcpy(&d, v.data(), 8);
          std::snprintf(buf, sizeof buf, "%.17g", d);
        } else {
          float f;
          std::memcpy(&f, v.data(), 4);
          std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(f));
        }
        return buf;
      }
      case 0x6A:
      case 0x6C: {
        // Magnitude: little-endian bytes after the sign, as decimal digits (base-10
        // multiply-and-add per byte, most significant first).
        std::string digits = "0";
        for (size_t i = v.size(); i-- > 1;) {
          unsigned carry = static_cast<unsigned char>(v[i]);
          for (size_t k = digits.size(); k-- > 0;) {
            const unsigned d = static_cast<unsigned>(digits[k] - '0') * 256 + carry;
            digits[k] = static_cast<char>('0' + d % 10);
            carry = d / 10;
          }
          while (carry > 0) {
            digits.insert(digits.begin(), static_cast<char>('0' + carry % 10));
            carry /= 10;
          }
        }
        while (digits.size() > 1 && digits[0] == '0') digits.erase(0, 1);
        if (digits.size() <= c.scale) digits.insert(0, c.scale + 1 - digits.size(), '0');
        if (c.scale > 0) digits.insert(digits.size() - c.scale, ".");
        return (v[0] == 0 ? "-" : "") + digits;
      }
      case 0xE7:
      case 0xEF:
        return "N'" + utf8(v) + "'";
      case 0xA5:
        return hex(v);
      case 0x24: {
        static const char kHex[] = "0123456789ABCDEF";
        static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
        std::string out;
        for (int i = 0; i < 16; ++i) {
          if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
          const unsigned char b = static_cast<unsigned char>(v[order[i]]);
          out += kHex[b >> 4];
          out += kHex[b & 15];
        }
        return out;
      }
      case 0x28:
        return civil(static_cast<int64_t>(le_bytes(v, 0, 3)));
      case 0x29:
        return clock(le_bytes(v, 0, v.size()), c.scale);
      case 0x2A:
      case 0x2B: {
        const size_t tlen = c.scale <= 2 ? 3 : c.scale <= 4 ? 4 : 5;
        std::string out = civil(static_cast<int64_t>(le_bytes(v, tlen, 3))) + " " +
                          clock(le_bytes(v, 0, tlen), c.scale);
        if (c.type == 0x2B) {
          const int off = static_cast<int16_t>(le_bytes(v, tlen + 3, 2));
          char buf[16];
          std::snprintf(buf, sizeof buf, " %c%02d:%02d", off < 0 ? '-' : '+', std::abs(off) / 60,
                        std::abs(off) % 60);
          out += buf;
        }
        return out;
      }
      default:
        return "?";
    }
  }

  /// Parses a bulk-load message (MS-TDS 2.2.6.1: COLMETADATA, then ROW tokens) into
  /// bulk_columns / bulk_rows / bulk_raw; sql = "BULK\n" + one line per row.
  static void parse_bulk(Request &r) {
    Reader rd{r.raw};
    std::vector<BulkColumn> cols;
    if (rd.le(1) != 0x81) {
      r.parsed = false;
      return;
    }
    const size_t n = rd.le(2);
    for (size_t i = 0; i < n && rd.ok; ++i) {
      BulkColumn c;
      rd.le(4);  // user type
      rd.le(2);  // flags
      c.type = static_cast<uint8_t>(rd.le(1));
      std::string tname;
      switch (c.type) {
        case 0x26:
        case 0x68:
        case 0x6D:
        case 0x24:
          c.len = static_cast<uint16_t>(rd.le(1));
          tname = c.type == 0x26   ? "INTN(" + std::to_string(c.len) + ")"
                  : c.type == 0x68 ? std::string("BITN")
                  : c.type == 0x6D ? "FLTN(" + std::to_string(c.len) + ")"
                                   : std::string("GUID");
          break;
        case 0x6A:
        case 0x6C:
          c.len = static_cast<uint16_t>(rd.le(1));
          c.prec = static_cast<uint8_t>(rd.le(1));
          c.scale = static_cast<uint8_t>(rd.le(1));
          tname = "DECIMALN(" + std::to_string(c.prec) + "," + std::to_string(c.scale) + ")";
          break;
        case 0xE7:
        case 0xEF:
        case 0xA5:
          c.len = static_cast<uint16_t>(rd.le(2));
          if (c.type != 0xA5) rd.bytes(5);
          tname = std::string(c.type == 0xE7   ? "NVARCHAR("
                              : c.type == 0xEF ? "NCHAR("
                                               : "VARBINARY(") +
                  (c.len == 0xFFFF ? std::string("MAX")
                                   : std::to_string(c.type == 0xA5 ? c.len : c.len / 2)) +
                  ")";
          break;
        case 0x28:
          tname = "DATEN";
          break;
        case 0x29:
        case 0x2A:
        case 0x2B:
          c.scale = static_cast<uint8_t>(rd.le(1));
          tname = std::string(c.type == 0x29   ? "TIMEN("
                              : c.type == 0x2A ? "DATETIME2N("
                                               : "DATETIMEOFFSETN(") +
                  std::to_string(c.scale) + ")";
          break;
        default:
          r.parsed = false;
          return;
      }
      const size_t name_chars = rd.le(1);
      c.name = utf8(rd.bytes(2 * name_chars));
      r.bulk_columns.push_back(c.name + " " + tname);
      cols.push_back(c);
    }
    r.sql = "BULK\n";
    while (rd.ok && rd.pos < r.raw.size()) {
      const uint64_t token = rd.le(1);
      if (token == 0xFD) {  // DONE closing the load
        rd.bytes(12);
        continue;
      }
      if (token != 0xD1) {
        r.parsed = false;
        return;
      }
      std::string line;
      std::vector<std::string> raw;
      for (size_t i = 0; i < cols.size() && rd.ok; ++i) {
        const BulkColumn &c = cols[i];
        bool null = false;
        std::string v;
        if ((c.type == 0xE7 || c.type == 0xEF || c.type == 0xA5) && c.len == 0xFFFF) {
          const uint64_t total = rd.le(8);
          if (total == ~uint64_t{0}) {
            null = true;
          } else {
            while (rd.ok) {
              const size_t chunk = rd.le(4);
              if (chunk == 0) break;
              v += rd.bytes(chunk);
            }
          }
        } else if (c.type == 0xE7 || c.type == 0xEF || c.type == 0xA5) {
          const size_t len = rd.le(2);
          null = len == 0xFFFF;
          if (!null) v = rd.bytes(len);
        } else {
          const size_t len = rd.le(1);
          null = len == 0;
          v = rd.bytes(len);
        }
        if (i) line += " | ";
        line += null ? "NULL" : decode_value(c, v);
        raw.push_back(null ? std::string() : v);
      }
      r.bulk_rows.push_back(line);
      r.bulk_raw.push_back(std::move(raw));
      r.sql += line + "\n";
    }
    r.parsed = rd.ok;
  }

  static bool read_all(int fd, char *p, size_t n) {
    while (n > 0) {
      const ssize_t r = ::recv(fd, p, n, 0);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  /// Reads one message (packets up to EOM). False on EOF.
  static bool read_message(int fd, uint8_t &type, std::string &payload) {
    payload.clear();
    while (true) {
      unsigned char h[8];
      if (!read_all(fd, reinterpret_cast<char *>(h), 8)) return false;
      type = h[0];
      const size_t len = (static_cast<size_t>(h[2]) << 8) | h[3];
      if (len < 8) return false;
      std::string part(len - 8, '\0');
      if (!read_all(fd, part.data(), part.size())) return false;
      payload += part;
      if (h[1] & 0x01) return true;
    }
  }
  static void send_message(int fd, uint8_t type, const std::string &payload) {
    size_t off = 0;
    uint8_t id = 1;
    do {
      const size_t n = std::min<size_t>(payload.size() - off, 4096 - 8);
      std::string pkt;
      pkt += static_cast<char>(type);
      pkt += static_cast<char>(off + n == payload.size() ? 0x01 : 0x00);
      pkt += static_cast<char>((n + 8) >> 8);
      pkt += static_cast<char>((n + 8) & 0xff);
      pkt += std::string("\0\0", 2);
      pkt += static_cast<char>(id++);
      pkt += '\0';
      pkt += payload.substr(off, n);
      ::send(fd, pkt.data(), pkt.size(), MSG_NOSIGNAL);
      off += n;
    } while (off < payload.size());
  }

  void serve() {
    while (!stop_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      {
        std::lock_guard<std::mutex> l(mu_);
        conn_fd_ = fd;
      }
      serve_connection(fd);
      std::lock_guard<std::mutex> l(mu_);
      ::close(fd);
      conn_fd_ = -1;
    }
  }

  void serve_connection(int fd) {
    uint8_t type;
    std::string msg;
    int connection = 0;
    while (read_message(fd, type, msg)) {
      if (type == 0x12) {  // PRELOGIN: VERSION + ENCRYPTION (2 = not supported)
        std::string o;
        o += '\0';
        put16be(o, 11);
        put16be(o, 6);
        o += '\1';
        put16be(o, 17);
        put16be(o, 1);
        o += static_cast<char>(0xFF);
        o += std::string("\x0f\x00\x07\xd0\x00\x00", 6);
        o += '\2';
        send_message(fd, 4, o);
      } else if (type == 0x10) {  // LOGIN7
        std::string db = "master";
        if (msg.size() >= 72) {
          const size_t ib =
              static_cast<unsigned char>(msg[68]) | (static_cast<unsigned char>(msg[69]) << 8);
          const size_t cch =
              static_cast<unsigned char>(msg[70]) | (static_cast<unsigned char>(msg[71]) << 8);
          if (ib + 2 * cch <= msg.size()) db = utf8(msg.substr(ib, 2 * cch));
        }
        {
          std::lock_guard<std::mutex> l(mu_);
          connection = ++logins_;
        }
        std::string o = envchange(1, db, "master");
        std::string ack;
        ack += '\1';
        ack += std::string("\x74\x00\x00\x04", 4);
        b_varchar(ack, "walrelay test responder");
        ack += std::string("\x0f\x00\x07\xd0", 4);
        o += static_cast<char>(0xAD);
        put16(o, static_cast<uint16_t>(ack.size()));
        o += ack;
        o += envchange(4, "4096", "4096");
        o += done(0);
        send_message(fd, 4, o);
      } else if (type == 1 || type == 3 || type == 7 || type == 0x0E) {
        Request r;
        r.type = type;
        r.raw = msg;
        r.connection = connection;
        if (type == 1 && msg.size() >= 4) {
          const size_t hdr = static_cast<unsigned char>(msg[0]) |
                             (static_cast<unsigned char>(msg[1]) << 8) |
                             (static_cast<size_t>(static_cast<unsigned char>(msg[2])) << 16);
          r.sql = utf8(msg.substr(hdr <= msg.size() ? hdr : 0));
        }
        if (type == 3) parse_rpc(r);
        if (type == 7) parse_bulk(r);
        std::optional<Fail> fail;
        bool drop = false;
        std::optional<int64_t> checkpoint;
        std::optional<std::vector<TableColumn>> table;
        {
          std::lock_guard<std::mutex> l(mu_);
          requests_.push_back(r);
          for (const auto &[name, cols] : tables_) {
            if (r.sql.find("select * from " + name) != std::string::npos ||
                r.sql.find("SELECT TOP (0) * FROM " + name) != std::string::npos)
              table = cols;
          }
          if (fail_ && r.sql.find(fail_->needle) != std::string::npos) {
            fail = fail_;
            fail_.reset();
          }
          if (!drop_.empty() && r.sql.find(drop_) != std::string::npos) {
            drop = true;
            drop_.clear();
          }
          checkpoint = checkpoint_;
        }
        if (drop) return;
        if (fail) {
          send_message(fd, 4, error_token(*fail) + done(0x0002));
        } else if (r.sql.find("SELECT end_lsn FROM") != std::string::npos) {
          send_message(fd, 4, bigint_result("end_lsn", checkpoint));
        } else if (table) {
          send_message(fd, 4, table_result(*table));
        } else if (type == 7) {
          {
            std::lock_guard<std::mutex> l(mu_);
            bulk_dones_.push_back(r.bulk_rows.size());
          }
          send_message(fd, 4, done(0x0010, r.bulk_rows.size()));
        } else {
          send_message(fd, 4, done(0));
        }
      } else if (type == 6) {  // attention: acknowledge
        send_message(fd, 4, done(0x0020));
      } else {
        return;
      }
    }
  }
  static void put16be(std::string &o, uint16_t v) {
    o += static_cast<char>(v >> 8);
    o += static_cast<char>(v & 0xff);
  }

  std::vector<std::pair<std::string, std::vector<TableColumn>>> tables_;
  int listen_fd_ = -1;
  int conn_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Request> requests_;
  std::vector<uint64_t> bulk_dones_;
  int logins_ = 0;
  std::optional<int64_t> checkpoint_;
  std::optional<Fail> fail_;
  std::string drop_;
};

}  // namespace wrsqlserver
