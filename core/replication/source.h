// The source: streams pgoutput from a logical slot, decodes it into whole transactions,
// feeds the bounded queue, and keeps the server informed (standby status updates).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/pipeline/transaction_builder.h"
#include "core/replication/replication_connection.h"
#include "core/snapshot/snapshot_state.h"
#include "core/spool/journal.h"
#include "core/util/stop_signal.h"

namespace walrelay::replication {}  // namespace walrelay::replication
namespace walrelay::pgoutput {
class Decoder;
}
namespace walrelay::replication {

/// Splits "a, b,c" into {"a","b","c"}.
std::vector<std::string> split_publications(const std::string &s);

/// The pgoutput options to request from a server of `server_version` (PQserverVersion form)
/// given the source config: proto_version defaults to the highest the server supports
/// (PostgreSQL 14: 2, 15: 3, 16+: 4, older: 1); streaming is used when the protocol allows.
/// Throws ReplicationError (not retryable) naming the config key for what the server or
/// protocol cannot do (e.g. two_phase below protocol 3, origin before PostgreSQL 16).
ReplicationConnection::PgoutputOptions negotiate(const SourceConfig &config, int server_version);

/// Runs on the thread that calls run(). The flush LSN it reports to the server is always
/// `applied_lsn()` (what every sink holds durably), never more.
class Source {
 public:
  /// `applied_lsn` gives what every sink holds durably; `delivery_done` tells whether the
  /// delivery worker has finished its batch in flight (polled at shutdown, before the final
  /// status update).
  /// Finished transactions go to `journal`; with spool.ack `spooled` the flush LSN reported
  /// is what the journal holds durably instead of `applied_lsn`.
  Source(const SourceConfig &config, const SpoolConfig &spool, spool::Journal &journal,
         TransactionPool &pool, std::function<uint64_t()> applied_lsn,
         std::function<bool()> delivery_done, StopSignal &stop);

  /// Streams from `start_lsn` (0: the slot's confirmed position) until stop is requested.
  /// Reconnects with backoff after a connection loss once streaming has started; throws
  /// ReplicationError / DecodeError / TransactionError for what needs an operator.
  /// `explicit_start`: start_lsn came from the operator (--start-lsn); refused when it lies
  /// before the slot's confirmed_flush_lsn.
  void run(uint64_t start_lsn, bool explicit_start = false);

  /// Called once, after the first connection checked the slot, the publications and that
  /// the spool belongs to this source — before that nothing may reach the sinks (run_command
  /// starts the delivery threads here).
  void set_on_ready(std::function<void()> f) { on_ready_ = std::move(f); }

  /// Bounded replay (--stop-lsn): apply every transaction committed at or before `lsn`, none
  /// after it, never confirm past it, then stop cleanly. 0: no bound.
  void set_stop_lsn(uint64_t lsn) { stop_lsn_ = lsn; }
  /// True when run() returned because the stop LSN was reached.
  bool reached_stop_lsn() const { return stop_reached_; }

  /// Initial snapshot (snapshot.mode): with `initial`, when this source creates the slot it
  /// first copies every published table from the slot's exported snapshot; with
  /// `initial_only` it copies them from a temporary slot's snapshot, waits until every
  /// sink applied them and stops. `highest_sink_position`: the highest position any sink
  /// holds (snapshot transactions are numbered above it).
  void set_snapshot(const SnapshotConfig &config, uint64_t highest_sink_position) {
    snapshot_config_ = config;
    highest_sink_position_ = highest_sink_position;
  }

 private:
  void session(uint64_t start_lsn);
  void prepare(ReplicationConnection &conn, uint64_t start_lsn);
  /// Decides whether this session copies a snapshot first (prepare() calls it).
  void prepare_snapshot(ReplicationConnection &conn, bool slot_exists, bool slot_active);
  /// Hands the journal the streamed-change filter of a resumed snapshot (SnapshotSkips).
  void use_snapshot_skips(const snapshot::SnapshotState &state);
  /// Creates the slot with an exported snapshot and spools every published table's rows.
  void run_snapshot(ReplicationConnection &conn);
  /// Waits until every sink applied what was spooled (or stop), then stops the run.
  void finish_without_streaming(bool wait_applied);
  /// With --stop-lsn: true once everything up to it has been received and applied.
  bool stop_lsn_done();
  void handle_copy_message(ReplicationConnection &conn, const uint8_t *data, size_t len);
  /// Takes a finished unit (dropping one re-sent after a reconnect); writes the collected
  /// ones to the journal once enough are pending.
  void accept(ReplicationConnection &conn, Finished f);
  /// Writes every pending unit to the journal and makes it durable (one fsync per read
  /// burst), then waits (sending status updates) while the spool is over spool.max_bytes.
  void flush_pending(ReplicationConnection &conn);
  void spool(Finished &f);
  void drop_pending();
  void heartbeat_if_due();
  uint64_t flushable_lsn();
  void send_feedback(ReplicationConnection &conn, bool reply_requested);
  void feedback_if_due(ReplicationConnection &conn);
  /// Every progress interval while the sinks are far behind the server's WAL end: a log
  /// line with the lag, the apply rate and the time to catch up; one line once caught up.
  void report_catch_up();

  SourceConfig config_;
  SpoolConfig spool_config_;
  std::vector<std::string> publications_;
  spool::Journal &journal_;
  TransactionPool &pool_;
  std::function<uint64_t()> applied_lsn_;
  std::function<bool()> delivery_done_;
  std::function<void()> on_ready_;
  StopSignal &stop_;
  TransactionBuilder builder_;
  pgoutput::Decoder *decoder_ = nullptr;  // the current session's
  uint64_t received_lsn_ = 0;             // highest WAL position seen from the server
  uint64_t server_wal_end_ = 0;           // the server's WAL end, as its last message said
  uint64_t first_data_lsn_ = 0;           // WAL position of the session's first XLogData
  std::chrono::steady_clock::time_point next_progress_{};
  uint64_t progress_applied_ = 0;  // applied position at the last catch-up report
  bool catching_up_ = false;       // a catch-up line was logged and no "caught up" yet
  uint64_t last_accepted_ = 0;     // end LSN of the last transaction for the sinks accepted
  uint64_t last_seen_ = 0;         // end LSN of the last unit accepted (any kind)
  std::vector<Finished> pending_;  // finished, not yet in the journal
  size_t pending_bytes_ = 0;
  std::chrono::steady_clock::time_point next_heartbeat_{};
  std::string heartbeat_error_;  // last heartbeat failure logged
  uint64_t confirmed_ = 0;       // flush LSN of the last status update sent
  uint64_t stop_lsn_ = 0;        // --stop-lsn, 0 = none
  bool past_stop_ = false;       // a transaction committing after stop_lsn_ was seen
  bool stop_reached_ = false;
  bool explicit_start_ = false;
  bool streamed_ = false;
  SnapshotConfig snapshot_config_;
  uint64_t highest_sink_position_ = 0;
  bool snapshot_pending_ = false;           // this session copies a snapshot before streaming
  bool snapshot_restart_ = false;           // an interrupted snapshot is done again
  bool snapshot_only_done_ = false;         // initial_only and the snapshot is already done
  bool snapshot_resume_ = false;            // keep the slot; copy again the incomplete tables
  snapshot::SnapshotState snapshot_state_;  // as read from <spool>/SNAPSHOT
  std::chrono::milliseconds status_interval_{10000};
  std::chrono::steady_clock::time_point next_feedback_{};
};

}  // namespace walrelay::replication
