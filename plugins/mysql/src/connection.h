// One libmysqlclient connection: connect with the sink's options, session setup, errors.
#pragma once

#include <mysql.h>
#include <walrelay/sink.hpp>

#include <optional>
#include <string>

#include "options.h"

namespace walrelay::mysql {

/// The session sql_mode the sink sets on every connection, so that behaviour never
/// depends on the server's global sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES, ...).
inline constexpr const char *kSessionSqlMode =
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO";

/// True for MySQL error numbers after which retrying the batch may succeed: the
/// connection is gone (server gone/lost/killed/shut down), or a deadlock / lock wait
/// timeout rolled the transaction back.
bool is_transient_error(unsigned err);

/// True when `err` means the connection itself is unusable (reconnect before reuse).
bool is_connection_error(unsigned err);

/// A MYSQL_STMT owner.
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(MYSQL_STMT *s) : s_(s) {}
  Stmt(Stmt &&o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt &operator=(Stmt &&o) noexcept {
    if (this != &o) {
      reset();
      s_ = o.s_;
      o.s_ = nullptr;
    }
    return *this;
  }
  Stmt(const Stmt &) = delete;
  Stmt &operator=(const Stmt &) = delete;
  ~Stmt() { reset(); }
  MYSQL_STMT *get() const { return s_; }
  void reset() {
    if (s_) mysql_stmt_close(s_);
    s_ = nullptr;
  }

 private:
  MYSQL_STMT *s_ = nullptr;
};

/// A connection to the server. Methods throw sdk::Error: WR_RETRY for transient errors
/// (is_transient_error; the connection is closed when it is unusable, see
/// is_connection_error), WR_FATAL otherwise.
class Connection {
 public:
  explicit Connection(const SinkOptions &options) : options_(options) {}
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;
  ~Connection() { close(); }

  /// Connects (when not connected) and sets up the session: utf8mb4, kSessionSqlMode,
  /// time_zone '+00:00', autocommit on, CLIENT_FOUND_ROWS (UPDATE reports matched rows).
  void ensure_connected();
  bool connected() const { return db_ != nullptr; }
  /// Closes the connection (an open transaction is rolled back by the server).
  void close() noexcept;
  MYSQL *get() const { return db_; }

  /// Runs one statement with no result set.
  void exec(const std::string &sql, const std::string &what);
  /// Runs a query and returns the first column of the first row (nullopt: no row/NULL).
  std::optional<std::string> scalar(const std::string &sql, const std::string &what);
  /// Prepares `sql`.
  Stmt prepare(const std::string &sql, const std::string &what);

  /// Throws for the connection's last error, prefixed with `what`.
  [[noreturn]] void fail(const std::string &what);
  /// Throws for a statement's last error, prefixed with `what`.
  [[noreturn]] void fail(MYSQL_STMT *stmt, const std::string &what);
  /// Throws for error `err` / `msg`, closing the connection for connection errors.
  [[noreturn]] void fail(unsigned err, const std::string &msg, const std::string &what);

 private:
  const SinkOptions &options_;
  MYSQL *db_ = nullptr;
};

}  // namespace walrelay::mysql
