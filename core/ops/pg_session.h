// An ordinary (non-replication) libpq connection for the operator commands' catalog
// queries and DDL. Values travel as query parameters; names are quoted with libpq.
#pragma once

#include <libpq-fe.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace walrelay::ops {

/// A failed connection or statement. what() never contains the password (the conninfo is
/// shown redacted); sqlstate() is the server's SQLSTATE when it sent one.
class PgError : public std::runtime_error {
 public:
  PgError(const std::string &msg, std::string sqlstate = {})
      : std::runtime_error(msg), sqlstate_(std::move(sqlstate)) {}
  const std::string &sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// Rows of a result as text; NULL is nullopt. rows[i][j] is row i, column j.
using PgRows = std::vector<std::vector<std::optional<std::string>>>;

/// Owns one PGconn to the source database (session settings as the daemon's:
/// replication::kSessionOptions; application_name walrelay-ops).
class PgSession {
 public:
  /// Connects with `conninfo` (source.conninfo). Throws PgError naming the redacted
  /// conninfo and libpq's message.
  explicit PgSession(const std::string &conninfo);
  ~PgSession();
  PgSession(const PgSession &) = delete;
  PgSession &operator=(const PgSession &) = delete;

  /// Runs one statement with text parameters $1..$n (extended protocol); returns its rows
  /// (empty for a command). Throws PgError with the server's message and SQLSTATE.
  PgRows query(const std::string &sql, const std::vector<std::string> &params = {});
  /// The first column of the first row; nullopt when there is no row or it is NULL.
  std::optional<std::string> scalar(const std::string &sql,
                                    const std::vector<std::string> &params = {});
  /// `name` quoted as an SQL identifier, only where needed: the server's quote_ident() with
  /// `name` as a query parameter (public.t stays public.t, "Odd Name" gets quotes).
  /// Throws PgError.
  std::string ident(const std::string &name);
  /// PQserverVersion (e.g. 150004).
  int server_version() const { return PQserverVersion(conn_); }
  /// current_database() and current_user of this session, read at connect.
  const std::string &database() const { return database_; }
  const std::string &user() const { return user_; }

 private:
  std::string error_text() const;

  PGconn *conn_ = nullptr;
  std::string database_, user_;
};

/// "schema.table" quoted as `"schema"."table"` (first '.' separates; no dot: the table
/// alone, unqualified), for DDL built from source.publication_tables.
std::string quote_table_name(PgSession &session, const std::string &name);

}  // namespace walrelay::ops
