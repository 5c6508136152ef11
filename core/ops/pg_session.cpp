// libpq session for the operator commands.
#include "core/ops/pg_session.h"

#include <memory>

#include "core/replication/replication_connection.h"

namespace walrelay::ops {

namespace {

struct ResultDeleter {
  void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

PgSession::PgSession(const std::string &conninfo) {
  const char *keys[] = {"application_name", "options", "dbname", nullptr};
  const char *vals[] = {"walrelay-ops", replication::kSessionOptions, conninfo.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, vals, 1);
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    const std::string msg = "cannot connect to source (" + replication::redact_conninfo(conninfo) +
                            "): " + error_text();
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw PgError(msg);
  }
  const PgRows r = query("SELECT current_database(), current_user");
  database_ = r.at(0).at(0).value_or("");
  user_ = r.at(0).at(1).value_or("");
}

PgSession::~PgSession() {
  if (conn_) PQfinish(conn_);
}

std::string PgSession::error_text() const {
  return trim(conn_ ? PQerrorMessage(conn_) : "out of memory");
}

PgRows PgSession::query(const std::string &sql, const std::vector<std::string> &params) {
  std::vector<const char *> values;
  values.reserve(params.size());
  for (const auto &p : params) values.push_back(p.c_str());
  Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                        nullptr, nullptr, 0));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    const char *state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    throw PgError(trim(r ? PQresultErrorMessage(r.get()) : error_text()), state ? state : "");
  }
  PgRows rows;
  const int n = PQntuples(r.get()), m = PQnfields(r.get());
  rows.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto &row = rows.emplace_back();
    for (int j = 0; j < m; ++j) {
      if (PQgetisnull(r.get(), i, j))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(PQgetvalue(r.get(), i, j)));
    }
  }
  return rows;
}

std::optional<std::string> PgSession::scalar(const std::string &sql,
                                             const std::vector<std::string> &params) {
  const PgRows r = query(sql, params);
  if (r.empty() || r.front().empty()) return std::nullopt;
  return r.front().front();
}

std::string PgSession::ident(const std::string &name) {
  // The server's quote_ident() (the name travels as a parameter): quotes only what needs
  // it (upper case, spaces, keywords), so fixes read "public.t", not "\"public\".\"t\"".
  const auto q = scalar("SELECT pg_catalog.quote_ident($1)", {name});
  if (q && !q->empty()) return *q;
  char *e = PQescapeIdentifier(conn_, name.c_str(), name.size());
  if (e == nullptr) throw PgError("cannot quote identifier: " + error_text());
  std::string out = e;
  PQfreemem(e);
  return out;
}

std::string quote_table_name(PgSession &session, const std::string &name) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return session.ident(name);
  return session.ident(name.substr(0, dot)) + "." + session.ident(name.substr(dot + 1));
}

}  // namespace walrelay::ops
