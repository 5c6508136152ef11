// RAII wrappers for an SQLite connection and prepared statements, with error mapping.
#include "sqlite_db.h"

#include <walrelay/sink.hpp>

namespace walrelay::sqlite {

bool is_transient(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

Db::Db(const std::string &path) {
  // NOMUTEX: calls on one sink instance are serialized by the host (see sink.h).
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open SQLite database '" + path + "': ";
    msg += db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw is_transient(rc) ? sdk::retry(msg) : sdk::fatal(msg);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() { sqlite3_close_v2(db_); }

void Db::exec(const char *sql, std::string_view context) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, context);
}

Stmt Db::prepare(std::string_view sql, std::string_view context) {
  sqlite3_stmt *s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(s);
    fail(rc, context);
  }
  return Stmt(s);
}

std::string Db::describe(int rc) const {
  std::string msg = sqlite3_errmsg(db_);
  const std::string_view code = sqlite3_errstr(rc);
  if (msg != code) {
    msg += " (";
    msg += code;
    msg += ")";
  }
  return msg;
}

void Db::fail(int rc, std::string_view context) const {
  std::string msg(context);
  msg += ": ";
  msg += describe(rc);
  throw is_transient(rc) ? sdk::retry(msg) : sdk::fatal(msg);
}

}  // namespace walrelay::sqlite
