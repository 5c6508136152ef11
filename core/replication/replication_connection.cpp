// libpq replication connection: commands, CopyBoth reads and writes.
#include "core/replication/replication_connection.h"

#include <poll.h>

#include <memory>

#include "core/util/lsn.h"

namespace walrelay::replication {

namespace {

struct ResultDeleter {
  void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Quotes a name for the replication grammar (which knows "ident" but not E'' strings).
std::string quote_ident(const std::string &s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string quote_literal(const std::string &s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

const char *const kSessionOptions =
    "-c datestyle=ISO -c intervalstyle=postgres -c timezone=UTC -c extra_float_digits=3 "
    "-c bytea_output=hex";

std::string redact_conninfo(const std::string &conninfo) {
  char *err = nullptr;
  PQconninfoOption *opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    if (err) PQfreemem(err);
    return "<unparsable conninfo>";
  }
  std::string out;
  for (PQconninfoOption *o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || o->val[0] == '\0') continue;
    const std::string k = o->keyword;
    out += (out.empty() ? "" : " ") + k + "=" + (k == "password" ? "***" : std::string(o->val));
  }
  PQconninfoFree(opts);
  return out;
}

ReplicationConnection::ReplicationConnection(const std::string &conninfo)
    : where_(redact_conninfo(conninfo)) {
  // pgoutput renders values with the walsender's settings. Pin the ones that change the text
  // form so sinks parse one format whatever the server's defaults. A conninfo that sets
  // `options` itself replaces these (docs/CONFIG.md).
  const char *keys[] = {"application_name", "options", "dbname", "replication", nullptr};
  const char *vals[] = {"walrelay", kSessionOptions, conninfo.c_str(), "database", nullptr};
  conn_ = PQconnectdbParams(keys, vals, 1);
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = "cannot connect to source (" + where_ + "): " + error_text();
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw ReplicationError(msg, true);
  }
}

ReplicationConnection::~ReplicationConnection() {
  if (buf_) PQfreemem(buf_);
  if (conn_) PQfinish(conn_);
}

std::string ReplicationConnection::error_text() const {
  std::string e = conn_ ? PQerrorMessage(conn_) : "out of memory";
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  return e;
}

PGresult *ReplicationConnection::exec(const std::string &sql, ExecStatusType expected,
                                      const char *what) {
  PGresult *r = PQexec(conn_, sql.c_str());
  if (r == nullptr || PQresultStatus(r) != expected) {
    const bool lost = PQstatus(conn_) != CONNECTION_OK;
    std::string msg =
        std::string(what) + " failed: " + (r ? std::string(PQresultErrorMessage(r)) : error_text());
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    if (r) PQclear(r);
    throw ReplicationError(msg, lost, std::move(sqlstate));
  }
  return r;
}

SystemIdentity ReplicationConnection::identify_system() {
  Result r(exec("IDENTIFY_SYSTEM", PGRES_TUPLES_OK, "IDENTIFY_SYSTEM"));
  SystemIdentity id;
  if (PQntuples(r.get()) != 1 || PQnfields(r.get()) < 4)
    throw ReplicationError("IDENTIFY_SYSTEM returned an unexpected shape", false);
  id.system_id = PQgetvalue(r.get(), 0, 0);
  id.timeline = std::atoi(PQgetvalue(r.get(), 0, 1));
  id.xlog_pos = parse_lsn(PQgetvalue(r.get(), 0, 2)).value_or(0);
  id.dbname = PQgetisnull(r.get(), 0, 3) ? "" : PQgetvalue(r.get(), 0, 3);
  return id;
}

std::optional<SlotInfo> ReplicationConnection::find_slot(const std::string &slot) {
  Result r(
      exec("SELECT plugin, slot_type, database, confirmed_flush_lsn, active "
           "FROM pg_catalog.pg_replication_slots WHERE slot_name = " +
               quote_literal(slot),
           PGRES_TUPLES_OK, "looking up the replication slot"));
  if (PQntuples(r.get()) == 0) return std::nullopt;
  SlotInfo s;
  s.plugin = PQgetvalue(r.get(), 0, 0);
  s.slot_type = PQgetvalue(r.get(), 0, 1);
  s.database = PQgetvalue(r.get(), 0, 2);
  s.confirmed_flush = parse_lsn(PQgetvalue(r.get(), 0, 3)).value_or(0);
  s.active = std::string(PQgetvalue(r.get(), 0, 4)) == "t";
  return s;
}

void ReplicationConnection::create_slot(const std::string &slot) {
  Result r(
      exec("CREATE_REPLICATION_SLOT " + quote_ident(slot) + " LOGICAL pgoutput NOEXPORT_SNAPSHOT",
           PGRES_TUPLES_OK, ("creating replication slot '" + slot + "'").c_str()));
}

ReplicationConnection::ExportedSlot ReplicationConnection::create_slot_exported(
    const std::string &slot, bool temporary) {
  Result r(exec("CREATE_REPLICATION_SLOT " + quote_ident(slot) + (temporary ? " TEMPORARY" : "") +
                    " LOGICAL pgoutput EXPORT_SNAPSHOT",
                PGRES_TUPLES_OK, ("creating replication slot '" + slot + "'").c_str()));
  // Columns: slot_name, consistent_point, snapshot_name, output_plugin.
  ExportedSlot out;
  if (PQntuples(r.get()) != 1 || PQnfields(r.get()) < 3 || PQgetisnull(r.get(), 0, 2))
    throw ReplicationError(
        "creating replication slot '" + slot + "': the server exported no snapshot", false);
  const auto lsn = parse_lsn(PQgetvalue(r.get(), 0, 1));
  if (!lsn)
    throw ReplicationError(std::string("creating replication slot '") + slot +
                               "': bad consistent point '" + PQgetvalue(r.get(), 0, 1) + "'",
                           false);
  out.consistent_point = *lsn;
  out.snapshot_name = PQgetvalue(r.get(), 0, 2);
  return out;
}

void ReplicationConnection::drop_slot(const std::string &slot) {
  Result r(exec("DROP_REPLICATION_SLOT " + quote_ident(slot), PGRES_COMMAND_OK,
                ("dropping replication slot '" + slot + "'").c_str()));
}

std::vector<std::string> ReplicationConnection::missing_publications(
    const std::vector<std::string> &publications) {
  std::vector<std::string> missing;
  for (const auto &p : publications) {
    Result r(exec("SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = " + quote_literal(p),
                  PGRES_TUPLES_OK, "looking up publications"));
    if (PQntuples(r.get()) == 0) missing.push_back(p);
  }
  return missing;
}

std::chrono::milliseconds ReplicationConnection::wal_sender_timeout() {
  Result r(exec("SHOW wal_sender_timeout", PGRES_TUPLES_OK, "SHOW wal_sender_timeout"));
  const std::string v = PQntuples(r.get()) ? PQgetvalue(r.get(), 0, 0) : "0";
  size_t pos = 0;
  long long n = 0;
  try {
    n = std::stoll(v, &pos);
  } catch (const std::exception &) {
    return std::chrono::milliseconds(0);
  }
  const std::string unit = v.substr(pos);
  long long ms = n;  // plain number: milliseconds
  if (unit == "s")
    ms = n * 1000;
  else if (unit == "min")
    ms = n * 60000;
  else if (unit == "h")
    ms = n * 3600000;
  else if (unit == "d")
    ms = n * 86400000;
  return std::chrono::milliseconds(ms);
}

int ReplicationConnection::server_version() const { return PQserverVersion(conn_); }

void ReplicationConnection::start_replication(const std::string &slot, uint64_t start,
                                              const PgoutputOptions &o,
                                              const std::vector<std::string> &publications) {
  std::string pubs;
  for (const auto &p : publications) pubs += (pubs.empty() ? "" : ",") + quote_ident(p);
  std::string sql = "START_REPLICATION SLOT " + quote_ident(slot) + " LOGICAL " +
                    format_lsn(start) + " (proto_version '" + std::to_string(o.proto_version) +
                    "', publication_names " + quote_literal(pubs);
  if (!o.streaming.empty()) sql += ", streaming " + quote_literal(o.streaming);
  if (o.two_phase) sql += ", two_phase 'on'";
  if (o.messages) sql += ", messages 'on'";
  if (o.binary) sql += ", binary 'on'";
  if (!o.origin.empty()) sql += ", origin " + quote_literal(o.origin);
  sql += ")";
  Result r(exec(sql, PGRES_COPY_BOTH, "START_REPLICATION"));
}

ReplicationConnection::ReadResult ReplicationConnection::read(const uint8_t **data, size_t *len) {
  if (buf_) {
    PQfreemem(buf_);
    buf_ = nullptr;
  }
  int n = PQgetCopyData(conn_, &buf_, 1);
  if (n == 0) {
    if (PQconsumeInput(conn_) == 0)
      throw ReplicationError("replication connection lost: " + error_text(), true);
    n = PQgetCopyData(conn_, &buf_, 1);
  }
  if (n > 0) {
    *data = reinterpret_cast<const uint8_t *>(buf_);
    *len = static_cast<size_t>(n);
    return ReadResult::Message;
  }
  if (n == 0) return ReadResult::Drained;
  if (n == -1) {
    // The server ended the stream; collect its final result for the message.
    Result r(PQgetResult(conn_));
    if (r && PQresultStatus(r.get()) == PGRES_FATAL_ERROR)
      throw ReplicationError(
          std::string("replication stream ended: ") + PQresultErrorMessage(r.get()), true);
    return ReadResult::Ended;
  }
  throw ReplicationError("replication connection lost: " + error_text(), true);
}

void ReplicationConnection::wait_readable(std::chrono::milliseconds timeout) {
  pollfd p{PQsocket(conn_), POLLIN, 0};
  if (p.fd < 0) throw ReplicationError("replication connection has no socket", true);
  ::poll(&p, 1, static_cast<int>(timeout.count()));
}

void ReplicationConnection::send(const std::string &msg) {
  if (PQputCopyData(conn_, msg.data(), static_cast<int>(msg.size())) != 1 || PQflush(conn_) != 0)
    throw ReplicationError("sending to the source failed: " + error_text(), true);
}

void ReplicationConnection::end_stream(std::chrono::milliseconds timeout) {
  if (PQputCopyEnd(conn_, nullptr) != 1 || PQflush(conn_) != 0) return;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    char *b = nullptr;
    int n = PQgetCopyData(conn_, &b, 1);
    if (b) PQfreemem(b);
    if (n == -1 || n == -2) break;
    if (n == 0) {
      if (std::chrono::steady_clock::now() >= deadline) return;
      wait_readable(std::chrono::milliseconds(50));
      if (PQconsumeInput(conn_) == 0) return;
    }
  }
  while (PGresult *r = PQgetResult(conn_)) PQclear(r);
}

}  // namespace walrelay::replication
