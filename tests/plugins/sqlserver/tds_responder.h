// Test fixture (not product code): a minimal TDS 7.4 responder on 127.0.0.1 that FreeTDS
// can log in to. It answers PRELOGIN (encryption not supported, so nothing is encrypted),
// LOGIN7 (LOGINACK + ENVCHANGE database and packet size + DONE), records every SQL batch
// (packet type 1, UTF-16LE after ALL_HEADERS, kept as UTF-8), RPC request (type 3) and
// bulk-load message (type 7), and answers each with DONE. Scripted behaviour: the
// checkpoint SELECT gets a one-BIGINT-column result; a batch containing a chosen text gets
// an ERROR token + DONE with the error bit, or has its connection dropped.
// Format source: Microsoft [MS-TDS] (2.2.3.1 packet header, 2.2.6.5 PRELOGIN,
// 2.2.6.4 LOGIN7, 2.2.6.7 SQLBatch, 2.2.5.3 ALL_HEADERS, 2.2.7.x tokens: LOGINACK 0xAD,
// ENVCHANGE 0xE3, DONE 0xFD, ERROR 0xAA, COLMETADATA 0x81, ROW 0xD1).
// One connection is served at a time (db-lib opens one per sink).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wrsqlserver {

class TdsResponder {
 public:
  /// One request the client sent: packet type (1 SQL batch, 3 RPC, 7 bulk load) and, for
  /// SQL batches, the text as UTF-8; `raw` is the whole message payload.
  struct Request {
    uint8_t type = 0;
    std::string sql;
    std::string raw;
    int connection = 0;  ///< 1 for the first login, 2 after a reconnect, ...
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
  void clear() {
    std::lock_guard<std::mutex> l(mu_);
    requests_.clear();
  }
  int logins() {
    std::lock_guard<std::mutex> l(mu_);
    return logins_;
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
          const size_t ib = static_cast<unsigned char>(msg[68]) |
                            (static_cast<unsigned char>(msg[69]) << 8);
          const size_t cch = static_cast<unsigned char>(msg[70]) |
                             (static_cast<unsigned char>(msg[71]) << 8);
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
        std::optional<Fail> fail;
        bool drop = false;
        std::optional<int64_t> checkpoint;
        {
          std::lock_guard<std::mutex> l(mu_);
          requests_.push_back(r);
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

  int listen_fd_ = -1;
  int conn_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Request> requests_;
  int logins_ = 0;
  std::optional<int64_t> checkpoint_;
  std::optional<Fail> fail_;
  std::string drop_;
};

}  // namespace wrsqlserver
