// Source streaming loop: read, decode, assemble, enqueue, report status, reconnect.
#include "core/replication/source.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <thread>

#include "core/metrics/metrics.h"
#include "core/pgoutput/decoder.h"
#include "core/replication/read_pacer.h"
#include "core/replication/replication_connection.h"
#include "core/replication/wire.h"
#include "core/snapshot/snapshot_runner.h"
#include "core/snapshot/snapshot_state.h"
#include "core/util/lsn.h"

namespace walrelay::replication {

namespace {
// How long a start waits for a slot another walsender still holds.
constexpr std::chrono::seconds kSlotBusyWait(30);
// Finished transactions collected before writing them to the journal in one go.
constexpr size_t kMaxPending = 512;
constexpr size_t kMaxPendingBytes = 8u << 20;

std::string pg_version_text(int v) {
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
}
}  // namespace

ReplicationConnection::PgoutputOptions negotiate(const SourceConfig &c, int server_version) {
  // pgoutput protocol versions: 1 committed transactions; 2 (PostgreSQL 14) streaming of
  // in-progress transactions; 3 (15) two-phase; 4 (16) parallel streaming.
  const int max_proto = server_version >= 160000   ? 4
                        : server_version >= 150000 ? 3
                        : server_version >= 140000 ? 2
                                                   : 1;
  const std::string server = "the server is PostgreSQL " + pg_version_text(server_version);
  auto refuse = [&](const std::string &what) {
    throw ReplicationError(what + " (" + server + ")", false);
  };
  ReplicationConnection::PgoutputOptions o;
  o.proto_version = c.proto_version ? c.proto_version : max_proto;
  if (o.proto_version > max_proto)
    refuse("source.proto_version " + std::to_string(o.proto_version) +
           " is not supported; this server speaks pgoutput protocol 1 to " +
           std::to_string(max_proto));
  if (c.streaming == StreamingMode::kParallel) {
    if (o.proto_version < 4)
      refuse("source.streaming: parallel needs pgoutput protocol 4 (PostgreSQL 16+)");
    o.streaming = "parallel";
  } else if (c.streaming == StreamingMode::kOn && o.proto_version >= 2) {
    o.streaming = "on";
  }
  if (c.two_phase) {
    if (o.proto_version < 3)
      refuse("source.two_phase needs pgoutput protocol 3 (PostgreSQL 15+); proto_version is " +
             std::to_string(o.proto_version));
    o.two_phase = true;
  }
  if (c.messages) {
    if (server_version < 140000) refuse("source.messages needs PostgreSQL 14+");
    o.messages = true;
  }
  if (c.binary) {
    if (server_version < 140000) refuse("source.binary needs PostgreSQL 14+");
    o.binary = true;
  }
  if (!c.origin.empty()) {
    if (server_version < 160000) refuse("source.origin needs PostgreSQL 16+");
    o.origin = c.origin;
  }
  return o;
}

std::vector<std::string> split_publications(const std::string &s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    std::string p = s.substr(i, j - i);
    const auto b = p.find_first_not_of(" \t"), e = p.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(p.substr(b, e - b + 1));
    i = j + 1;
  }
  return out;
}

Source::Source(const SourceConfig &config, const SpoolConfig &spool, spool::Journal &journal,
               TransactionPool &pool, std::function<uint64_t()> applied_lsn,
               std::function<bool()> delivery_done, StopSignal &stop)
    : config_(config),
      spool_config_(spool),
      publications_(split_publications(config.publication)),
      journal_(journal),
      pool_(pool),
      applied_lsn_(std::move(applied_lsn)),
      delivery_done_(std::move(delivery_done)),
      stop_(stop),
      builder_(pool, &journal, spool.spill_bytes) {
  // What the journal already holds is not taken again when the server re-sends it.
  last_accepted_ = last_seen_ = journal.spooled_lsn();
}

uint64_t Source::flushable_lsn() {
  return spool_config_.ack == AckMode::kSpooled ? journal_.spooled_lsn() : applied_lsn_();
}

void Source::run(uint64_t start_lsn, bool explicit_start) {
  explicit_start_ = explicit_start;
  std::mt19937_64 rng(std::random_device{}());
  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 0; !stop_.requested();) {
    try {
      session(attempt == 0 ? start_lsn : std::max(flushable_lsn(), last_seen_));
      return;
    } catch (const ReplicationError &e) {
      // Right after a crash the old walsender may still hold the slot until it notices
      // its client is gone: wait for it a while rather than fail a restart.
      const bool slot_busy = e.sqlstate() == kSqlstateObjectInUse;
      if (slot_busy && !streamed_ && std::chrono::steady_clock::now() - started < kSlotBusyWait &&
          !stop_.requested()) {
        spdlog::warn("{}; waiting for the slot to be released", e.what());
        if (stop_.sleep_for(std::chrono::seconds(1))) return;
        continue;
      }
      if (slot_busy)
        throw ReplicationError(std::string(e.what()) + " (another walrelay or subscriber is " +
                                   "streaming from slot '" + config_.slot + "')",
                               false, e.sqlstate());
      if (!e.retryable() || !streamed_ || stop_.requested()) throw;
      const int64_t cap = std::min<int64_t>(30000, 200LL << std::min(attempt, 8));
      const auto wait =
          std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng));
      spdlog::warn("{}; reconnecting in {} ms", e.what(), wait.count());
      builder_.reset();
      metrics::process_metrics().source.reconnects.add();
      ++attempt;
      if (stop_.sleep_for(wait)) return;
    }
  }
}

void Source::prepare(ReplicationConnection &conn, uint64_t start_lsn) {
  const SystemIdentity id = conn.identify_system();
  if (id.dbname.empty())
    throw ReplicationError("source.conninfo must name a database (dbname=...)", false);
  spdlog::info("source: system {} timeline {} database '{}' WAL at {}", id.system_id, id.timeline,
               id.dbname, format_lsn(id.xlog_pos));
  // The spool must hold transactions of this source only: a spool left by another cluster,
  // database or slot would be replayed into the sinks as if it were this one's.
  const std::string identity =
      "system " + id.system_id + ", database " + id.dbname + ", slot " + config_.slot;
  if (journal_.source_identity().empty()) {
    journal_.set_source_identity(identity);
  } else if (journal_.source_identity() != identity) {
    if (!journal_.empty())
      throw ReplicationError("the spool directory holds transactions of another source (" +
                                 journal_.source_identity() + "), not of this one (" + identity +
                                 "); set spool.dir to another directory, or " +
                                 "remove it if those transactions are not needed",
                             false);
    journal_.set_source_identity(identity);
  }
  const auto missing = conn.missing_publications(publications_);
  if (!missing.empty())
    throw ReplicationError("publication '" + missing.front() + "' does not exist in database '" +
                               id.dbname + "' (CREATE PUBLICATION " + missing.front() +
                               " FOR ALL TABLES; or fix source.publication)",
                           false);
  auto slot = conn.find_slot(config_.slot);
  if (snapshot_config_.mode == SnapshotMode::kNever && !streamed_) {
    // A snapshot taken by an earlier run (with another snapshot.mode) may still need its
    // streamed-change filter.
    try {
      use_snapshot_skips(snapshot::read_snapshot_state(spool_config_.dir));
    } catch (const std::exception &e) {
      throw ReplicationError(e.what(), false);
    }
  }
  if (snapshot_config_.mode != SnapshotMode::kNever && !streamed_) {
    prepare_snapshot(conn, slot.has_value(), slot && slot->active);
    if (snapshot_config_.mode == SnapshotMode::kInitialOnly) return;  // temporary slot
    // Created with the snapshot (unless an interrupted one resumes on it).
    if (snapshot_pending_ && !snapshot_resume_) slot.reset();
  }
  if (!slot && snapshot_pending_) {
    if (!config_.create_slot)
      throw ReplicationError("replication slot '" + config_.slot +
                                 "' does not exist and snapshot.mode needs walrelay to create "
                                 "it (set source.create_slot: true)",
                             false);
  } else if (!slot) {
    if (!config_.create_slot)
      throw ReplicationError("replication slot '" + config_.slot +
                                 "' does not exist (set source.create_slot: true to create it)",
                             false);
    conn.create_slot(config_.slot);
    spdlog::info("source: created logical replication slot '{}' (pgoutput)", config_.slot);
  } else {
    if (slot->slot_type != "logical" || slot->plugin != "pgoutput")
      throw ReplicationError("replication slot '" + config_.slot + "' is a " + slot->slot_type +
                                 " slot with plugin '" + slot->plugin +
                                 "'; walrelay needs a logical slot using pgoutput",
                             false);
    if (slot->database != id.dbname)
      throw ReplicationError("replication slot '" + config_.slot + "' belongs to database '" +
                                 slot->database + "', not '" + id.dbname + "'",
                             false);
    if (explicit_start_ && !streamed_ && start_lsn < slot->confirmed_flush)
      throw ReplicationError("--start-lsn " + format_lsn(start_lsn) +
                                 " lies before the confirmed_flush_lsn " +
                                 format_lsn(slot->confirmed_flush) + " of slot '" + config_.slot +
                                 "': the server no longer keeps the changes before it",
                             false);
  }
  // Status updates must reach the server well within wal_sender_timeout, even while the
  // sinks are slow and we read nothing.
  status_interval_ = std::chrono::milliseconds(config_.status_interval_ms);
  const auto timeout = conn.wal_sender_timeout();
  if (timeout.count() > 0 && status_interval_ > timeout / 3) {
    status_interval_ = std::max(std::chrono::milliseconds(10), timeout / 3);
    spdlog::info("source: status interval lowered to {} ms (wal_sender_timeout is {} ms)",
                 status_interval_.count(), timeout.count());
  }
}

void Source::use_snapshot_skips(const snapshot::SnapshotState &state) {
  // Tables a resumed snapshot copied from a later snapshot than the slot's: their streamed
  // changes committed before that snapshot are in the copy (SnapshotSkips).
  spool::SnapshotSkips skips;
  for (const auto &[oid, lsn] : state.done_tables)
    if (lsn > state.consistent_point) skips[oid] = lsn;
  journal_.set_snapshot_skips(std::move(skips));
}

void Source::prepare_snapshot(ReplicationConnection &conn, bool slot_exists, bool slot_active) {
  (void)conn;
  snapshot::SnapshotState &state = snapshot_state_;
  try {
    state = snapshot::read_snapshot_state(spool_config_.dir);
  } catch (const std::exception &e) {
    throw ReplicationError(e.what(), false);
  }
  const bool interrupted = state.phase == snapshot::SnapshotPhase::kCopying;
  if (snapshot_config_.mode == SnapshotMode::kInitialOnly) {
    snapshot_only_done_ = state.phase == snapshot::SnapshotPhase::kDone;
    snapshot_pending_ = !snapshot_only_done_;
    snapshot_restart_ = snapshot_resume_ = interrupted;
    if (snapshot_pending_ && slot_exists)
      throw ReplicationError("snapshot.mode initial_only copies from a temporary slot named '" +
                                 config_.slot +
                                 "', but a slot of that name exists; set "
                                 "source.slot to an unused name",
                             false);
    return;
  }
  use_snapshot_skips(state);
  if (interrupted && slot_exists) {
    // The exported snapshot died with the process that made it, but nothing was streamed
    // from the slot: keep it (its changes start at the consistent point), keep the tables
    // the interrupted snapshot spooled completely, and copy the others again from a new
    // snapshot (their sink tables are truncated first).
    if (slot_active)
      throw ReplicationError("replication slot '" + config_.slot +
                                 "' is in use by another process; cannot resume the "
                                 "interrupted snapshot",
                             false);
    spdlog::warn(
        "snapshot: the previous snapshot was interrupted after {} table(s) were complete; "
        "copying the others again",
        state.done_tables.size());
    snapshot_pending_ = snapshot_resume_ = snapshot_restart_ = true;
    return;
  }
  if (slot_exists) {
    if (state.phase == snapshot::SnapshotPhase::kNone)
      spdlog::info(
          "snapshot: slot '{}' exists already, so no initial snapshot is taken (one is "
          "taken when walrelay creates the slot)",
          config_.slot);
    return;
  }
  snapshot_pending_ = true;
  snapshot_restart_ = interrupted || state.phase == snapshot::SnapshotPhase::kDone;
}

void Source::run_snapshot(ReplicationConnection &conn) {
  const bool only = snapshot_config_.mode == SnapshotMode::kInitialOnly;
  snapshot::SnapshotState &state = snapshot_state_;
  // A resumed snapshot on the kept slot copies from a temporary slot's snapshot; every
  // other one creates the slot (temporary for initial_only) with its snapshot.
  const bool on_kept_slot = snapshot_resume_ && !only;
  if (!snapshot_resume_) state.done_tables.clear();
  state.phase = snapshot::SnapshotPhase::kCopying;
  state.slot = config_.slot;
  snapshot::write_snapshot_state(spool_config_.dir, state);
  const std::string slot_name =
      on_kept_slot ? config_.slot.substr(0, 48) + "_wr_resume" : config_.slot;
  const auto exported = conn.create_slot_exported(slot_name, only || on_kept_slot);
  spdlog::info(
      "source: created {}logical replication slot '{}' (pgoutput) with snapshot {} "
      "consistent at {}",
      only || on_kept_slot ? "temporary " : "", slot_name, exported.snapshot_name,
      format_lsn(exported.consistent_point));
  if (!on_kept_slot) {
    state.consistent_point = exported.consistent_point;
    snapshot::write_snapshot_state(spool_config_.dir, state);
  }

  snapshot::SnapshotJob job;
  job.conninfo = config_.conninfo;
  job.snapshot_name = exported.snapshot_name;
  job.publications = publications_;
  job.first_ordinal = std::max({journal_.spooled_lsn(), highest_sink_position_, last_seen_}) + 1;
  // Ordinals stay below where the slot's changes start.
  job.limit = on_kept_slot ? state.consistent_point : exported.consistent_point;
  job.truncate_first = snapshot_restart_;
  if (snapshot_resume_)
    for (const auto &[oid, lsn] : state.done_tables) job.skip_tables.insert(oid);
  job.time_us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  job.on_table_done = [&](uint32_t oid) {
    journal_.wait_durable();  // the table's chunks are durable before the mark
    state.done_tables[oid] = exported.consistent_point;
    snapshot::write_snapshot_state(spool_config_.dir, state);
  };
  snapshot::SnapshotRunner runner(snapshot_config_, pool_, &journal_, spool_config_.spill_bytes,
                                  stop_);
  const auto result = runner.run(job, [&](Finished f) {
    const uint64_t end = f.end_lsn();
    spool(f);
    pool_.put(std::move(f.txn));
    journal_.commit();
    last_seen_ = last_accepted_ = end;
    while (journal_.over_limit() && !stop_.requested()) {
      stop_.sleep_for(std::chrono::milliseconds(20));
      journal_.collect();
    }
  });
  if (stop_.requested()) return;
  journal_.wait_durable();
  if (on_kept_slot) conn.drop_slot(slot_name);  // else it would hold WAL while we stream
  use_snapshot_skips(state);
  state.phase = snapshot::SnapshotPhase::kDone;
  state.rows = result.rows;
  snapshot::write_snapshot_state(spool_config_.dir, state);
}

void Source::finish_without_streaming(bool wait_applied) {
  while (wait_applied && !stop_.requested() && applied_lsn_() < last_accepted_) {
    stop_.sleep_for(std::chrono::milliseconds(20));
  }
  if (wait_applied && !stop_.requested())
    spdlog::info(
        "snapshot: every sink applied the snapshot (snapshot.mode initial_only); "
        "stopping");
  stop_.request_and_notify();
  journal_.close();
  while (!delivery_done_()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void Source::session(uint64_t start_lsn) {
  struct StreamingOff {
    ~StreamingOff() { metrics::process_metrics().source.streaming.set(0); }
  } streaming_off;
  ReplicationConnection conn(config_.conninfo);
  prepare(conn, start_lsn);
  if (on_ready_) {
    on_ready_();
    on_ready_ = nullptr;
  }
  if (snapshot_only_done_) {
    spdlog::info("snapshot: already done on this spool (snapshot.mode initial_only)");
    return finish_without_streaming(true);
  }
  if (snapshot_pending_) {
    snapshot_pending_ = false;
    run_snapshot(conn);
    if (stop_.requested() || snapshot_config_.mode == SnapshotMode::kInitialOnly)
      return finish_without_streaming(!stop_.requested());
  }
  const auto opts = negotiate(config_, conn.server_version());
  conn.start_replication(config_.slot, start_lsn, opts, publications_);
  streamed_ = true;
  metrics::process_metrics().source.streaming.set(1);
  std::string features;
  if (!opts.streaming.empty()) features += ", streaming " + opts.streaming;
  if (opts.two_phase) features += ", two-phase";
  if (opts.messages) features += ", messages";
  if (opts.binary) features += ", binary";
  if (!opts.origin.empty()) features += ", origin " + opts.origin;
  spdlog::info("source: streaming slot '{}' from {} (publications: {}; pgoutput protocol {}{})",
               config_.slot,
               start_lsn ? format_lsn(start_lsn) : std::string("its confirmed position"),
               config_.publication, opts.proto_version, features);
  pgoutput::Decoder decoder(opts.proto_version);
  decoder_ = &decoder;
  next_feedback_ = std::chrono::steady_clock::now();
  size_t burst_bytes = 0;  // CopyData bytes read since the last nap (0: idle)
  ReadPacer pacer;
  // Timers (feedback, heartbeat, progress) and --stop-lsn are looked at whenever the socket
  // is drained and every kMessagesPerHousekeeping messages within a burst, not per message:
  // reading the clock per message was about a tenth of walrelay's CPU on single-row
  // transactions (two clock reads for each of their four messages).
  constexpr unsigned kMessagesPerHousekeeping = 128;
  unsigned until_housekeeping = 0;
  while (!stop_.requested()) {
    if (until_housekeeping == 0) {
      until_housekeeping = kMessagesPerHousekeeping;
      feedback_if_due(conn);
      heartbeat_if_due();
      report_catch_up();
      if (stop_lsn_ && stop_lsn_done()) {
        stop_reached_ = true;
        spdlog::info("source: everything committed up to --stop-lsn {} is applied; stopping",
                     format_lsn(stop_lsn_));
        stop_.request_and_notify();
        break;
      }
    }
    const uint8_t *data = nullptr;
    size_t len = 0;
    switch (conn.read(&data, &len)) {
      case ReplicationConnection::ReadResult::Message:
        handle_copy_message(conn, data, len);
        burst_bytes += len;  // len > 0: an empty message throws above
        --until_housekeeping;
        break;
      case ReplicationConnection::ReadResult::Drained: {
        until_housekeeping = 0;
        flush_pending(conn);
        if (burst_bytes > 0) {
          // Nap so the next read finds a batch of messages rather than one (ReadPacer).
          // What was read is already spooled (flush_pending above).
          std::this_thread::sleep_for(pacer.after_burst(burst_bytes));
          burst_bytes = 0;
          break;
        }
        const auto now = std::chrono::steady_clock::now();
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_feedback_ - now);
        // With --stop-lsn reached, only the sinks are awaited: look again soon.
        const auto most = stop_lsn_ && (past_stop_ || received_lsn_ >= stop_lsn_)
                              ? std::chrono::milliseconds(5)
                              : std::chrono::milliseconds(100);
        wait = std::clamp(wait, std::chrono::milliseconds(1), most);
        conn.wait_readable(wait);
        break;
      }
      case ReplicationConnection::ReadResult::Ended:
        throw ReplicationError("the server ended the replication stream", true);
    }
  }
  decoder_ = nullptr;
  drop_pending();  // not applied, not confirmed: the server sends them again next time
  // Stopping: let the batch in flight finish (keeping the server informed), report the
  // final applied position, then close the stream politely.
  journal_.close();
  while (!delivery_done_()) {
    feedback_if_due(conn);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  send_feedback(conn, false);
  conn.end_stream(std::chrono::seconds(5));
  spdlog::info("source: stopped; confirmed {} to the server", format_lsn(confirmed_));
}

void Source::handle_copy_message(ReplicationConnection &conn, const uint8_t *data, size_t len) {
  if (len == 0) throw ReplicationError("empty CopyData message from the server", true);
  if (data[0] == 'w') {
    const auto x = parse_xlogdata(data, len);
    if (!x)
      throw ReplicationError("malformed XLogData message (" + std::to_string(len) + " bytes)",
                             true);
    received_lsn_ = std::max(received_lsn_, x->wal_start);
    server_wal_end_ = std::max(server_wal_end_, x->wal_end);
    metrics::process_metrics().source.received_bytes.add(x->payload_len);
    if (first_data_lsn_ == 0) first_data_lsn_ = x->wal_start;
    const pgoutput::Message &msg = decoder_->decode(x->payload, x->payload_len, x->wal_start);
    if (auto f = builder_.next(msg, x->wal_start)) accept(conn, std::move(*f));
  } else if (data[0] == 'k') {
    const auto k = parse_keepalive(data, len);
    if (!k) throw ReplicationError("malformed keepalive message", true);
    received_lsn_ = std::max(received_lsn_, k->wal_end);
    server_wal_end_ = std::max(server_wal_end_, k->wal_end);
    if (k->reply_requested) send_feedback(conn, false);
  } else {
    spdlog::debug("source: ignoring CopyData message type '{}'", static_cast<char>(data[0]));
  }
}

bool Source::stop_lsn_done() {
  if (builder_.in_transaction()) return false;
  // Everything up to stop_lsn_ has arrived once a later commit or the server's WAL end
  // passed it.
  if (!past_stop_ && received_lsn_ < stop_lsn_) return false;
  return pending_.empty() && applied_lsn_() >= last_accepted_;  // applied by every sink
}

void Source::accept(ReplicationConnection &conn, Finished f) {
  const bool delivered = f.kind == FinishKind::kCommit || f.kind == FinishKind::kCommitPrepared;
  const uint64_t bound = delivered ? f.txn->abi.commit_lsn : f.end_lsn();
  if (f.end_lsn() <= last_seen_ || (stop_lsn_ && bound > stop_lsn_)) {
    // Sent again after a reconnect (already in the journal), or beyond --stop-lsn (neither
    // applied nor confirmed: the next run gets it again).
    if (stop_lsn_ && bound > stop_lsn_) past_stop_ = true;
    if (f.file) journal_.discard(std::move(f.file));
    pool_.put(std::move(f.txn));
    return;
  }
  last_seen_ = f.end_lsn();
  if (delivered) last_accepted_ = f.end_lsn();
  pending_bytes_ += f.txn->bytes();
  pending_.push_back(std::move(f));
  if (pending_.size() >= kMaxPending || pending_bytes_ >= kMaxPendingBytes) flush_pending(conn);
}

void Source::spool(Finished &f) {
  Transaction &t = *f.txn;
  spool::TxnHeader h{t.abi.xid, t.abi.commit_lsn, t.abi.end_lsn, t.abi.commit_time_us, t.origin};
  switch (f.kind) {
    case FinishKind::kCommit:
      if (!f.file) {
        journal_.append_txn(t);
        break;
      }
      if (!t.change_ptrs.empty())
        journal_.write_chunk(*f.file, t, 0, t.change_ptrs.size(), nullptr);
      journal_.append_txn_ref(std::move(f.file), h, std::move(f.aborted));
      spdlog::debug(
          "source: transaction xid {} committed at {} received; its spool file is "
          "referenced in the journal",
          h.xid, format_lsn(h.commit_lsn));
      break;
    case FinishKind::kPrepare:
      if (!f.file) f.file = journal_.open_txn_file();
      journal_.write_chunk(*f.file, t, 0, t.change_ptrs.size(), nullptr);
      journal_.append_prepared(std::move(f.file), f.gid, h, std::move(f.aborted));
      spdlog::debug("source: prepared transaction '{}' (xid {}) spooled at {}", f.gid, h.xid,
                    format_lsn(h.end_lsn));
      break;
    case FinishKind::kCommitPrepared:
      if (!journal_.commit_prepared(f.gid, h)) {
        // Nothing of it was sent to us (e.g. it touched no published table): empty.
        spdlog::debug("source: COMMIT PREPARED '{}' at {} without a spooled prepare; empty", f.gid,
                      format_lsn(h.commit_lsn));
        journal_.append_txn(t);
      }
      break;
    case FinishKind::kRollbackPrepared:
      journal_.rollback_prepared(f.gid);
      break;
  }
}

void Source::flush_pending(ReplicationConnection &conn) {
  if (!pending_.empty()) {
    for (auto &f : pending_) {
      spool(f);
      pool_.put(std::move(f.txn));
    }
    pending_.clear();
    pending_bytes_ = 0;
    journal_.commit();  // spool files are deleted every status interval, not per burst
  }
  // Back-pressure: the sinks are behind by more than spool.max_bytes; keep the server
  // informed while they catch up.
  while (journal_.over_limit() && !stop_.requested()) {
    feedback_if_due(conn);
    stop_.sleep_for(std::chrono::milliseconds(20));
    journal_.collect();
  }
}

void Source::drop_pending() {
  for (auto &f : pending_) {
    if (f.file) journal_.discard(std::move(f.file));
    pool_.put(std::move(f.txn));
  }
  pending_.clear();
  pending_bytes_ = 0;
}

void Source::heartbeat_if_due() {
  if (config_.heartbeat_interval_ms <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_heartbeat_) return;
  next_heartbeat_ = now + std::chrono::milliseconds(config_.heartbeat_interval_ms);
  // An ordinary connection: a non-transactional logical decoding message writes WAL in this
  // database, so the slot can advance even when only other databases are written.
  PGconn *c = PQconnectdb(config_.conninfo.c_str());
  std::string err;
  if (PQstatus(c) != CONNECTION_OK) {
    err = PQerrorMessage(c);
  } else {
    PGresult *r = PQexec(c, "SELECT pg_logical_emit_message(false, 'walrelay_heartbeat', '')");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) err = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  if (!err.empty() && err != heartbeat_error_)
    spdlog::warn("source: heartbeat (source.heartbeat_interval_ms) failed: {}", err);
  heartbeat_error_ = err;
}

void Source::report_catch_up() {
  constexpr uint64_t kBehind = 16u << 20;  // below this the sinks count as caught up
  const auto now = std::chrono::steady_clock::now();
  if (now < next_progress_) return;
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto interval =
      std::chrono::milliseconds(tty ? 1000 : std::max(1000, snapshot_config_.progress_interval_ms));
  const bool first = next_progress_ == std::chrono::steady_clock::time_point{};
  next_progress_ = now + interval;
  // Before the first streamed transaction is applied, positions may be snapshot ordinals.
  const uint64_t applied = std::max(applied_lsn_(), first_data_lsn_);
  const uint64_t lag = server_wal_end_ > applied ? server_wal_end_ - applied : 0;
  if (lag < kBehind || first_data_lsn_ == 0) {
    if (catching_up_) spdlog::info("catch-up: caught up (applied {})", format_lsn(applied));
    catching_up_ = false;
    progress_applied_ = applied;
    return;
  }
  const double secs = std::chrono::duration<double>(interval).count();
  const double rate = first || applied < progress_applied_
                          ? 0
                          : static_cast<double>(applied - progress_applied_) / secs;
  progress_applied_ = applied;
  catching_up_ = true;
  std::string eta =
      rate > 0 ? fmt::format(", ETA {:.0f} s", static_cast<double>(lag) / rate) : std::string();
  spdlog::info(
      "catch-up: {:.1f} MiB of WAL behind the server (applied {}, server at {}), "
      "{:.1f} MiB/s{}",
      static_cast<double>(lag) / (1 << 20), format_lsn(applied), format_lsn(server_wal_end_),
      rate / (1 << 20), eta);
}

void Source::feedback_if_due(ReplicationConnection &conn) {
  if (std::chrono::steady_clock::now() >= next_feedback_) send_feedback(conn, false);
}

void Source::send_feedback(ReplicationConnection &conn, bool reply_requested) {
  const uint64_t applied = flushable_lsn();
  uint64_t flush = applied;
  // Nothing pending anywhere (no transaction half-received, none waiting, every accepted
  // one applied by every sink): whatever the server has sent up to received_lsn_ held no
  // published change we still owe, so confirm it. Without this, a database whose published
  // tables are idle while others are written keeps WAL forever. A transaction still being
  // decoded by the server commits after received_lsn_, so it is sent again after a restart.
  if (!builder_.in_transaction() && pending_.empty() && applied >= last_accepted_ &&
      received_lsn_ > flush)
    flush = stop_lsn_ ? std::max(flush, std::min(received_lsn_, stop_lsn_)) : received_lsn_;
  conn.send(build_status_update(std::max(received_lsn_, flush), flush, flush, now_pg_us(),
                                reply_requested));
  journal_.collect();  // every status interval: delete what every sink has passed
  confirmed_ = flush;
  next_feedback_ = std::chrono::steady_clock::now() + status_interval_;
  auto &m = metrics::process_metrics();
  m.set_source_lag(
      std::max(server_wal_end_, received_lsn_), flush,
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  m.spool_bytes.set(journal_.backlog_bytes());
}

}  // namespace walrelay::replication
