// RAII wrappers for an SQLite connection and prepared statements, with error mapping.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <utility>

namespace walrelay::sqlite {

/// True for result codes that mean "try again later": SQLITE_BUSY and SQLITE_LOCKED
/// (extended codes included). Everything else is permanent.
bool is_transient(int rc);

/// Owns one prepared statement and finalizes it on destruction.
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt *s) : s_(s) {}
  Stmt(Stmt &&o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stmt &operator=(Stmt &&o) noexcept {
    if (this != &o) {
      sqlite3_finalize(s_);
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  Stmt(const Stmt &) = delete;
  Stmt &operator=(const Stmt &) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  /// The raw handle (never owned by the caller).
  sqlite3_stmt *get() const { return s_; }

 private:
  sqlite3_stmt *s_ = nullptr;
};

/// Resets a statement when the scope ends, releasing its locks; bindings are left as is
/// (every parameter is bound again before the next step).
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt *s) : s_(s) {}
  ResetOnExit(const ResetOnExit &) = delete;
  ResetOnExit &operator=(const ResetOnExit &) = delete;
  ~ResetOnExit() { sqlite3_reset(s_); }

 private:
  sqlite3_stmt *s_;
};

/// Owns one SQLite connection (opened read-write, created when missing).
class Db {
 public:
  /// Opens `path`; throws sdk::Error (fatal, or retry when the file is busy).
  explicit Db(const std::string &path);
  Db(const Db &) = delete;
  Db &operator=(const Db &) = delete;
  ~Db();

  /// The raw handle.
  sqlite3 *get() const { return db_; }

  /// Runs SQL that returns no rows; throws (via fail) with `context` on error.
  void exec(const char *sql, std::string_view context);

  /// Prepares one statement for repeated use; throws with `context` on error.
  Stmt prepare(std::string_view sql, std::string_view context);

  /// Throws the sdk::Error for result code `rc`: retry when transient, else fatal. The
  /// message is "<context>: <sqlite message> (<code name>)", the code name omitted when
  /// it repeats the message.
  [[noreturn]] void fail(int rc, std::string_view context) const;

  /// The message for `rc` as fail() would word it, without throwing.
  std::string describe(int rc) const;

  /// True while a transaction is open on the connection.
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  sqlite3 *db_ = nullptr;
};

}  // namespace walrelay::sqlite
