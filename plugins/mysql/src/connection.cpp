// One libmysqlclient connection: connect with the sink's options, session setup, errors.
#include "connection.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <mutex>

namespace walrelay::mysql {

bool is_connection_error(unsigned err) {
  switch (err) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_COMMANDS_OUT_OF_SYNC:
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
    case ER_CON_COUNT_ERROR:
      return true;
    default:
      return false;
  }
}

bool is_transient_error(unsigned err) {
  return is_connection_error(err) || err == ER_LOCK_DEADLOCK || err == ER_LOCK_WAIT_TIMEOUT ||
         err == ER_QUERY_INTERRUPTED;
}

void Connection::ensure_connected() {
  if (db_) return;
  static std::once_flag init;
  std::call_once(init, [] { mysql_library_init(0, nullptr, nullptr); });
  MYSQL *db = mysql_init(nullptr);
  if (!db) throw sdk::fatal("mysql_init failed (out of memory)");
  const unsigned connect_s = (options_.connect_timeout_ms + 999) / 1000;
  const unsigned read_s = (options_.read_timeout_ms + 999) / 1000;
  const unsigned write_s = (options_.write_timeout_ms + 999) / 1000;
  mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
  mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &read_s);
  mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &write_s);
  mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const my_bool no = 0, yes = 1;
  mysql_options(db, MYSQL_OPT_RECONNECT, &no);
  const unsigned local_infile = options_.load_data_min_rows > 0 ? 1 : 0;
  mysql_options(db, MYSQL_OPT_LOCAL_INFILE,
                &local_infile);  // reconnecting mid-transaction loses it
  if (options_.ssl_mode != SslMode::Disabled && options_.ssl_mode != SslMode::Preferred) {
    mysql_options(db, MYSQL_OPT_SSL_ENFORCE, &yes);
    if (!options_.ssl_ca.empty()) mysql_options(db, MYSQL_OPT_SSL_CA, options_.ssl_ca.c_str());
    const my_bool verify =
        options_.ssl_mode == SslMode::VerifyCa || options_.ssl_mode == SslMode::VerifyIdentity;
    mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  }
  const bool use_socket = !options_.socket.empty();
  if (!mysql_real_connect(db, use_socket ? nullptr : options_.host.c_str(), options_.user.c_str(),
                          options_.password.c_str(), options_.database.c_str(),
                          use_socket ? 0 : options_.port,
                          use_socket ? options_.socket.c_str() : nullptr, CLIENT_FOUND_ROWS)) {
    const unsigned err = mysql_errno(db);
    const std::string msg = mysql_error(db);
    mysql_close(db);
    const std::string target = use_socket ? "socket " + options_.socket
                                          : options_.host + ":" + std::to_string(options_.port);
    const std::string text = "connecting to " + target + " as " + options_.user + " (database " +
                             options_.database + "): " + msg + " (error " + std::to_string(err) +
                             ")";
    // Unreachable server: retry; access denied, unknown database, TLS refused: fatal.
    if (is_transient_error(err)) throw sdk::retry(text);
    throw sdk::fatal(text);
  }
  db_ = db;
  exec(std::string("SET SESSION sql_mode='") + kSessionSqlMode +
           "', time_zone='+00:00', autocommit=1, "
           "character_set_client=utf8mb4, character_set_connection=utf8mb4, "
           "character_set_results=utf8mb4",
       "setting up the session");
}

void Connection::close() noexcept {
  if (db_) mysql_close(db_);
  db_ = nullptr;
}

void Connection::exec(const std::string &sql, const std::string &what) {
  ensure_connected();
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail(what);
  if (MYSQL_RES *res = mysql_store_result(db_)) mysql_free_result(res);
}

std::optional<std::string> Connection::scalar(const std::string &sql, const std::string &what) {
  ensure_connected();
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail(what);
  MYSQL_RES *res = mysql_store_result(db_);
  if (!res) {
    if (mysql_errno(db_) != 0) fail(what);
    return std::nullopt;
  }
  std::optional<std::string> out;
  if (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long *len = mysql_fetch_lengths(res);
    if (row[0]) out = std::string(row[0], len[0]);
  }
  mysql_free_result(res);
  return out;
}

Stmt Connection::prepare(const std::string &sql, const std::string &what) {
  ensure_connected();
  Stmt s(mysql_stmt_init(db_));
  if (!s.get()) fail(what);
  if (mysql_stmt_prepare(s.get(), sql.data(), sql.size()) != 0) {
    fail(s.get(), what + " (preparing: " + sql.substr(0, 300) + ")");
  }
  return s;
}

void Connection::fail(const std::string &what) {
  const unsigned err = db_ ? mysql_errno(db_) : CR_SERVER_GONE_ERROR;
  fail(err, db_ ? mysql_error(db_) : "not connected", what);
}

void Connection::fail(MYSQL_STMT *stmt, const std::string &what) {
  fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), what);
}

void Connection::fail(unsigned err, const std::string &msg, const std::string &what) {
  const std::string text = what + ": " + msg + " (MySQL error " + std::to_string(err) + ")";
  if (is_connection_error(err)) close();
  if (is_transient_error(err)) throw sdk::retry(text);
  throw sdk::fatal(text);
}

}  // namespace walrelay::mysql
