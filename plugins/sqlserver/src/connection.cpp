// One FreeTDS db-lib connection: login, batches, error mapping.
// API: FreeTDS db-lib reference (dblogin, dbopen, dbcmd, dbsqlexec, dbresults, dbnextrow,
// dberrhandle, dbmsghandle); error numbers: SQL Server "Database engine events and errors".
#include "connection.h"

#include <mutex>

#include "dialect.h"

namespace walrelay::sqlserver {
namespace {

/// The connection whose call runs on this thread (db-lib's handlers are process-wide).
thread_local Connection *t_current = nullptr;

/// Sets t_current for the duration of a call.
class CurrentGuard {
 public:
  explicit CurrentGuard(Connection *c) : prev_(t_current) { t_current = c; }
  ~CurrentGuard() { t_current = prev_; }
  CurrentGuard(const CurrentGuard &) = delete;
  CurrentGuard &operator=(const CurrentGuard &) = delete;

 private:
  Connection *prev_;
};

int err_handler(DBPROCESS *, int, int dberr, int, char *dberrstr, char *oserrstr) {
  if (t_current) t_current->on_client_error(dberr, dberrstr, oserrstr);
  return INT_CANCEL;
}

int msg_handler(DBPROCESS *, DBINT msgno, int, int severity, char *msgtext, char *, char *,
                int line) {
  if (t_current) t_current->on_server_message(msgno, severity, msgtext, line);
  return 0;
}

void init_dblib() {
  static std::once_flag once;
  std::call_once(once, [] {
    dbinit();
    dberrhandle(&err_handler);
    dbmsghandle(&msg_handler);
  });
}

int seconds(unsigned ms) { return static_cast<int>((ms + 999) / 1000); }

/// db-lib errors that mean the connection is gone or unusable.
bool is_connection_client_error(int dberr) {
  switch (dberr) {
    case SYBEFCON:  // connection failed
    case SYBETIME:  // timed out
    case SYBESEOF:  // unexpected EOF
    case SYBEREAD:
    case SYBEWRIT:
    case SYBECONN:
    case SYBESOCK:
    case SYBEDDNE:  // DBPROCESS dead
      return true;
    default:
      return false;
  }
}

}  // namespace

bool is_transient_server_error(int n) {
  switch (n) {
    case 1204:
    case 1205:
    case 1222:
    case 233:
    case 10053:
    case 10054:
    case 10060:
    case 40197:
    case 40501:
    case 40613:
    case 49918:
    case 49919:
    case 49920:
      return true;
    default:
      return false;
  }
}

void Connection::on_server_message(int number, int severity, const char *text, int line) {
  if (severity <= 10 || diag_.server_error != 0) return;  // informational, or not the first
  diag_.server_error = number;
  diag_.severity = severity;
  diag_.line = line;
  diag_.server_message = text ? text : "";
}

void Connection::on_client_error(int dberr, const char *text, const char *os_text) {
  if (diag_.client_error != 0) return;
  diag_.client_error = dberr;
  diag_.client_message = text ? text : "";
  if (os_text && *os_text) diag_.client_message += std::string(" (") + os_text + ")";
}

bool Connection::ensure_connected() {
  if (dbproc_) return false;
  init_dblib();
  CurrentGuard guard(this);
  diag_ = {};
  LOGINREC *login = dblogin();
  if (!login) throw sdk::fatal("db-lib: dblogin() failed (out of memory)");
  DBSETLUSER(login, options_.user.c_str());
  DBSETLPWD(login, options_.password.c_str());
  DBSETLAPP(login, "walrelay");
  DBSETLDBNAME(login, options_.database.c_str());
  DBSETLCHARSET(login, "UTF-8");
  BCP_SETL(login, TRUE);  // bulk copy (bcp_init) on this connection
  dbsetlversion(login, static_cast<BYTE>(DBVERSION_70 + options_.tds_version_minor));
  // Process-wide in db-lib: the last connection opened sets them for all.
  dbsetlogintime(seconds(options_.login_timeout_ms));
  dbsettime(seconds(options_.query_timeout_ms));
  const std::string server = options_.server();
  dbproc_ = dbopen(login, server.c_str());
  dbloginfree(login);
  if (!dbproc_) {
    std::string why = !diag_.server_message.empty()   ? diag_.server_message
                      : !diag_.client_message.empty() ? diag_.client_message
                                                      : std::string("dbopen failed");
    const std::string msg = "cannot log in to SQL Server at " + server + " as " + options_.user +
                            ", database " + options_.database + ": " + why;
    if (diag_.server_error == 18456) throw sdk::fatal(msg);
    throw sdk::retry(msg);
  }
  exec(session_setup_sql(options_.lock_timeout_ms), "setting up the session");
  if (options_.require_encryption) {
    const auto enc = query_int64(
        "SELECT CASE WHEN encrypt_option = 'TRUE' THEN 1 ELSE 0 END FROM "
        "sys.dm_exec_connections WHERE session_id = @@SPID;",
        "checking that the session is encrypted");
    if (enc.value_or(0) != 1) {
      close();
      throw sdk::fatal("the session to " + server +
                       " is not encrypted but require_encryption is true (set `encryption = "
                       "require` in the freetds.conf section named by server_name)");
    }
  }
  return true;
}

void Connection::close() noexcept {
  if (dbproc_) dbclose(dbproc_);
  dbproc_ = nullptr;
}

void Connection::exec(const std::string &sql, const std::string &what) { run(sql, what, nullptr); }

std::optional<int64_t> Connection::query_int64(const std::string &sql, const std::string &what) {
  std::optional<int64_t> out;
  run(sql, what, &out);
  return out;
}

void Connection::run(const std::string &sql, const std::string &what,
                     std::optional<int64_t> *first) {
  if (!dbproc_) throw sdk::retry(what + ": not connected");
  CurrentGuard guard(this);
  diag_ = {};
  const bool failed = dbcmd(dbproc_, sql.c_str()) == FAIL || dbsqlexec(dbproc_) == FAIL;
  read_results(failed, what, first);
}

namespace {

/// The db-lib type a parameter is bound as (see Connection::exec_rpc).
int dblib_type(ParamType t) {
  switch (t) {
    case ParamType::BigInt:
      return SYBINT8;
    case ParamType::Float:
      return SYBFLT8;
    case ParamType::Bit:
      return SYBBIT;
    case ParamType::NVarChar:
      return SYBNTEXT;
    case ParamType::VarBinary:
      return SYBIMAGE;
  }
  return SYBNTEXT;
}

/// dbrpcparam for one input parameter; `data` must stay alive until dbrpcsend.
bool rpc_param(DBPROCESS *dbproc, const std::string &name, int type, const std::string &data) {
  // db-lib takes non-const pointers but only reads them. A zero datalen means NULL.
  return dbrpcparam(dbproc, name.c_str(), 0, type, -1, static_cast<DBINT>(data.size()),
                    reinterpret_cast<BYTE *>(const_cast<char *>(data.data()))) != FAIL;
}

}  // namespace

void Connection::exec_rpc(const std::string &stmt, const Params &params, const std::string &what) {
  if (!dbproc_) throw sdk::retry(what + ": not connected");
  CurrentGuard guard(this);
  diag_ = {};
  const std::string declaration = params.declaration();
  bool failed = dbrpcinit(dbproc_, "sp_executesql", 0) == FAIL ||
                !rpc_param(dbproc_, "@stmt", SYBNTEXT, stmt);
  if (!failed && !params.empty()) {
    failed = !rpc_param(dbproc_, "@params", SYBNTEXT, declaration);
    for (size_t i = 0; !failed && i < params.size(); ++i) {
      const Param &p = params.list()[i];
      failed = !rpc_param(dbproc_, params.name(i), dblib_type(p.type), p.data);
    }
  }
  if (failed) {
    dbrpcinit(dbproc_, "", DBRPCRESET);  // drop the half-built call
  } else {
    failed = dbrpcsend(dbproc_) == FAIL || dbsqlok(dbproc_) == FAIL;
  }
  read_results(failed, what, nullptr);
}

std::vector<std::string> Connection::table_columns(const std::string &quoted_table,
                                                   const std::string &what) {
  if (!dbproc_) throw sdk::retry(what + ": not connected");
  CurrentGuard guard(this);
  diag_ = {};
  const std::string sql = "SELECT TOP (0) * FROM " + quoted_table + ";";
  bool failed = dbcmd(dbproc_, sql.c_str()) == FAIL || dbsqlexec(dbproc_) == FAIL;
  std::vector<std::string> names;
  while (!failed) {
    const RETCODE rc = dbresults(dbproc_);
    if (rc == NO_MORE_RESULTS) break;
    if (rc == FAIL) {
      failed = true;
      break;
    }
    if (names.empty()) {
      for (int i = 1; i <= dbnumcols(dbproc_); ++i) {
        const char *name = dbcolname(dbproc_, i);
        names.emplace_back(name ? name : "");
      }
    }
    while (true) {
      const STATUS row = dbnextrow(dbproc_);
      if (row == NO_MORE_ROWS) break;
      if (row == FAIL) {
        failed = true;
        break;
      }
    }
  }
  if (failed || diag_.server_error != 0 || diag_.client_error != 0) {
    if (dbproc_ && !dbdead(dbproc_)) dbcancel(dbproc_);
    fail(what);
  }
  return names;
}

namespace {

/// The db-lib host type of a bulk column (bcp_bind's vartype).
int dblib_host_type(BulkHost h) {
  switch (h) {
    case BulkHost::Char:
      return SYBCHAR;
    case BulkHost::Utf16:
      return SYBCHAR;
    case BulkHost::Float8:
      return SYBFLT8;
    case BulkHost::Bit:
      return SYBBIT;
    case BulkHost::Binary:
      return SYBBINARY;
  }
  return SYBCHAR;
}

}  // namespace

int64_t Connection::bulk_copy(const std::string &quoted_table,
                              const std::vector<BulkHost> &host_types,
                              const std::vector<std::vector<const std::string *>> &rows,
                              unsigned batch_rows, const std::string &what) {
  if (!dbproc_) throw sdk::retry(what + ": not connected");
  CurrentGuard guard(this);
  diag_ = {};
  static BYTE placeholder = 0;  // bcp_bind wants an address; bcp_colptr sets the real one
  if (bcp_init(dbproc_, quoted_table.c_str(), nullptr, nullptr, DB_IN) == FAIL) {
    fail_closed(what + " (bcp_init)");
  }
  const int n = static_cast<int>(host_types.size());
  for (int i = 0; i < n; ++i) {
    if (bcp_bind(dbproc_, &placeholder, 0, 0, nullptr, 0, dblib_host_type(host_types[i]), i + 1) ==
        FAIL) {
      fail_closed(what + " (bcp_bind of column " + std::to_string(i + 1) + ")");
    }
  }
  int64_t total = 0;
  size_t in_batch = 0;  // rows sent since the last bcp_batch
  size_t batches = 0;
  const auto check_batch = [&](DBINT copied, const char *call) {
    if (copied < 0 || diag_.server_error != 0 || diag_.client_error != 0) {
      fail_closed(what + " (" + call + ")");
    }
    ++batches;
    if (static_cast<size_t>(copied) != in_batch) {
      close();
      throw sdk::fatal(what + ": the server reports " + std::to_string(copied) +
                       " rows copied in bulk batch " + std::to_string(batches) + ", " +
                       std::to_string(in_batch) + " were sent (" + call + "; connection closed)");
    }
    total += copied;
    in_batch = 0;
  };
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto &row = rows[r];
    for (int i = 0; i < n; ++i) {
      const std::string *v = i < static_cast<int>(row.size()) ? row[i] : nullptr;
      // Length 0 is NULL; -1 for fixed-length host types (the length is the type's).
      const bool fixed = host_types[i] == BulkHost::Float8 || host_types[i] == BulkHost::Bit;
      const DBINT len = v == nullptr ? 0 : fixed ? -1 : static_cast<DBINT>(v->size());
      BYTE *ptr =
          v == nullptr ? &placeholder : reinterpret_cast<BYTE *>(const_cast<char *>(v->data()));
      if (bcp_colptr(dbproc_, ptr, i + 1) == FAIL || bcp_collen(dbproc_, len, i + 1) == FAIL) {
        fail_closed(what + " (binding column " + std::to_string(i + 1) + ")");
      }
    }
    if (bcp_sendrow(dbproc_) == FAIL || diag_.server_error != 0 || diag_.client_error != 0) {
      fail_closed(what + " (bcp_sendrow)");
    }
    ++in_batch;
    // A batch ends only when rows follow: bcp_done ends the last one (no empty batch).
    if (batch_rows > 0 && in_batch == batch_rows && r + 1 < rows.size()) {
      check_batch(bcp_batch(dbproc_), "bcp_batch");
    }
  }
  check_batch(bcp_done(dbproc_), "bcp_done");
  return total;
}

void Connection::fail_closed(const std::string &what) {
  close();
  std::string why = !diag_.server_message.empty()   ? diag_.server_message
                    : !diag_.client_message.empty() ? diag_.client_message
                                                    : std::string("db-lib call failed");
  if (diag_.server_error != 0) {
    const std::string msg = what + ": SQL Server error " + std::to_string(diag_.server_error) +
                            " (severity " + std::to_string(diag_.severity) + "): " + why +
                            " (connection closed)";
    if (is_transient_server_error(diag_.server_error)) throw sdk::retry(msg);
    throw sdk::fatal(msg);
  }
  const std::string msg = what + ": " + why + " (connection closed)";
  if (diag_.client_error != 0 && !is_connection_client_error(diag_.client_error)) {
    throw sdk::fatal(msg);  // e.g. a conversion db-lib refused: retrying cannot help
  }
  throw sdk::retry(msg);
}

void Connection::read_results(bool failed, const std::string &what, std::optional<int64_t> *first) {
  bool have_row = false;
  while (!failed) {
    const RETCODE rc = dbresults(dbproc_);
    if (rc == NO_MORE_RESULTS) break;
    if (rc == FAIL) {
      failed = true;
      break;
    }
    while (true) {
      const STATUS row = dbnextrow(dbproc_);
      if (row == NO_MORE_ROWS) break;
      if (row == FAIL) {
        failed = true;
        break;
      }
      if (first && !have_row && dbnumcols(dbproc_) >= 1) {
        have_row = true;
        BYTE *data = dbdata(dbproc_, 1);
        const DBINT len = dbdatlen(dbproc_, 1);
        if (data && len > 0) {
          DBBIGINT v = 0;
          if (dbconvert(dbproc_, dbcoltype(dbproc_, 1), data, len, SYBINT8,
                        reinterpret_cast<BYTE *>(&v), sizeof v) == -1) {
            throw sdk::fatal(what + ": the result is not an integer");
          }
          *first = static_cast<int64_t>(v);
        }
      }
    }
  }
  if (failed || diag_.server_error != 0 || diag_.client_error != 0) {
    if (dbproc_ && !dbdead(dbproc_)) dbcancel(dbproc_);
    fail(what);
  }
}

void Connection::fail(const std::string &what) {
  const bool dead =
      dbproc_ == nullptr || dbdead(dbproc_) || is_connection_client_error(diag_.client_error);
  if (dead) {
    close();
    std::string why = !diag_.client_message.empty()   ? diag_.client_message
                      : !diag_.server_message.empty() ? diag_.server_message
                                                      : std::string("connection lost");
    throw sdk::retry(what + ": connection to SQL Server lost: " + why);
  }
  if (diag_.server_error != 0) {
    const std::string msg = what + ": SQL Server error " + std::to_string(diag_.server_error) +
                            " (severity " + std::to_string(diag_.severity) + ", line " +
                            std::to_string(diag_.line) + "): " + diag_.server_message;
    if (is_transient_server_error(diag_.server_error)) throw sdk::retry(msg);
    throw sdk::fatal(msg);
  }
  throw sdk::fatal(
      what + ": " +
      (diag_.client_message.empty() ? std::string("db-lib call failed") : diag_.client_message));
}

}  // namespace walrelay::sqlserver
