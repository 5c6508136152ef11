// A libpq connection in logical replication mode (replication=database): slot management,
// START_REPLICATION and the CopyBoth stream. Source: PostgreSQL docs, "Streaming
// Replication Protocol".
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace walrelay::replication {

/// A failure talking to the source. `retryable` is true for connection loss (reconnect
/// helps), false for what needs an operator (missing publication, wrong slot type, ...).
class ReplicationError : public std::runtime_error {
 public:
  ReplicationError(const std::string &msg, bool retryable, std::string sqlstate = {})
      : std::runtime_error(msg), retryable_(retryable), sqlstate_(std::move(sqlstate)) {}
  bool retryable() const { return retryable_; }
  /// SQLSTATE of the server's error, when the server sent one (e.g. "55006").
  const std::string &sqlstate() const { return sqlstate_; }

 private:
  bool retryable_;
  std::string sqlstate_;
};

/// SQLSTATE object_in_use: START_REPLICATION on a slot another walsender holds.
inline constexpr const char *kSqlstateObjectInUse = "55006";

struct SystemIdentity {
  std::string system_id;
  int timeline = 0;
  uint64_t xlog_pos = 0;
  std::string dbname;
};

struct SlotInfo {
  std::string plugin;
  std::string slot_type;
  std::string database;
  uint64_t confirmed_flush = 0;
  bool active = false;
};

/// Settings every replication session gets (libpq `options`): DateStyle ISO, UTC,
/// IntervalStyle postgres, extra_float_digits 3, bytea_output hex.
extern const char *const kSessionOptions;

/// Removes the password from a conninfo for logs ("password=***").
std::string redact_conninfo(const std::string &conninfo);

class ReplicationConnection {
 public:
  /// Connects with `conninfo` plus replication=database. Throws ReplicationError
  /// (retryable) naming the redacted conninfo on failure.
  explicit ReplicationConnection(const std::string &conninfo);
  ~ReplicationConnection();
  ReplicationConnection(const ReplicationConnection &) = delete;
  ReplicationConnection &operator=(const ReplicationConnection &) = delete;

  SystemIdentity identify_system();
  std::optional<SlotInfo> find_slot(const std::string &slot);
  /// CREATE_REPLICATION_SLOT <slot> LOGICAL pgoutput NOEXPORT_SNAPSHOT.
  void create_slot(const std::string &slot);
  /// A slot created with an exported snapshot: the slot's consistent point (where its
  /// changes start) and the snapshot's name for SET TRANSACTION SNAPSHOT. The snapshot stays
  /// importable until this connection runs its next command.
  struct ExportedSlot {
    uint64_t consistent_point = 0;
    std::string snapshot_name;
  };
  /// CREATE_REPLICATION_SLOT <slot> [TEMPORARY] LOGICAL pgoutput EXPORT_SNAPSHOT (PostgreSQL
  /// docs, "Streaming Replication Protocol"). A temporary slot goes with this connection.
  ExportedSlot create_slot_exported(const std::string &slot, bool temporary);
  /// DROP_REPLICATION_SLOT <slot> (fails while another process streams from it).
  void drop_slot(const std::string &slot);
  /// Names from `publications` that do not exist in the database.
  std::vector<std::string> missing_publications(const std::vector<std::string> &publications);
  /// wal_sender_timeout of the server (0 = disabled).
  std::chrono::milliseconds wal_sender_timeout();
  /// Server version as PQserverVersion gives it (e.g. 150004).
  int server_version() const;
  /// pgoutput options for START_REPLICATION (PostgreSQL docs, "Logical Streaming
  /// Replication Parameters"). Empty strings / false leave an option out.
  struct PgoutputOptions {
    int proto_version = 1;
    std::string streaming;   ///< "", "on" (v2+) or "parallel" (v4)
    bool two_phase = false;  ///< v3+
    bool messages = false;
    bool binary = false;
    std::string origin;  ///< "", "any" or "none" (PG 16+)
  };
  /// Enters CopyBoth mode streaming pgoutput from `start` (0 = slot's confirmed position).
  void start_replication(const std::string &slot, uint64_t start, const PgoutputOptions &opts,
                         const std::vector<std::string> &publications);

  enum class ReadResult { Message, Drained, Ended };
  /// Next CopyData message without blocking. On Message, *data/*len stay valid until the
  /// next read(). Throws ReplicationError(retryable) on connection loss.
  ReadResult read(const uint8_t **data, size_t *len);
  /// Waits until the socket is readable or `timeout` passes.
  void wait_readable(std::chrono::milliseconds timeout);
  /// Sends one CopyData message (e.g. a standby status update) and flushes.
  void send(const std::string &msg);
  /// Ends the CopyBoth stream politely (CopyDone, drain the server's end) within `timeout`.
  void end_stream(std::chrono::milliseconds timeout);

 private:
  PGresult *exec(const std::string &sql, ExecStatusType expected, const char *what);
  std::string error_text() const;

  PGconn *conn_ = nullptr;
  char *buf_ = nullptr;
  std::string where_;
};

}  // namespace walrelay::replication
