// Source streaming loop: read, decode, assemble, enqueue, report status, reconnect.
#include "core/replication/source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <thread>

#include "core/pgoutput/decoder.h"
#include "core/replication/replication_connection.h"
#include "core/replication/wire.h"
#include "core/util/lsn.h"

namespace walrelay::replication {

namespace {
// pgoutput protocol versions: 1 sends committed transactions only; 2 (PostgreSQL 14+) can
// also stream in-progress ones, which avoids the walsender spilling big transactions.
constexpr int kProtoCommitted = 1;
constexpr int kProtoStreaming = 2;
// How long a start waits for a slot another walsender still holds.
constexpr std::chrono::seconds kSlotBusyWait(30);
// Finished transactions collected before handing them to the queue in one go.
constexpr size_t kMaxPending = 512;
}  // namespace

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

Source::Source(const SourceConfig &config, TransactionQueue &queue, TransactionPool &pool,
               std::function<uint64_t()> applied_lsn, std::function<bool()> delivery_done,
               StopSignal &stop)
    : config_(config),
      publications_(split_publications(config.publication)),
      queue_(queue),
      pool_(pool),
      applied_lsn_(std::move(applied_lsn)),
      delivery_done_(std::move(delivery_done)),
      stop_(stop),
      builder_(pool) {}

void Source::run(uint64_t start_lsn, bool explicit_start) {
  explicit_start_ = explicit_start;
  std::mt19937_64 rng(std::random_device{}());
  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 0; !stop_.requested();) {
    try {
      session(attempt == 0 ? start_lsn : applied_lsn_());
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
  const auto missing = conn.missing_publications(publications_);
  if (!missing.empty())
    throw ReplicationError("publication '" + missing.front() + "' does not exist in database '" +
                               id.dbname + "' (CREATE PUBLICATION " + missing.front() +
                               " FOR ALL TABLES; or fix source.publication)",
                           false);
  auto slot = conn.find_slot(config_.slot);
  if (!slot) {
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
                                 format_lsn(slot->confirmed_flush) + " of slot '" +
                                 config_.slot +
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

void Source::session(uint64_t start_lsn) {
  ReplicationConnection conn(config_.conninfo);
  prepare(conn, start_lsn);
  const bool streaming = config_.streaming && conn.server_version() >= 140000;
  const int proto = streaming ? kProtoStreaming : kProtoCommitted;
  conn.start_replication(config_.slot, start_lsn, proto, streaming, publications_);
  streamed_ = true;
  spdlog::info("source: streaming slot '{}' from {} (publications: {}; pgoutput protocol {}{})",
               config_.slot,
               start_lsn ? format_lsn(start_lsn) : std::string("its confirmed position"),
               config_.publication, proto,
               streaming ? ", in-progress transactions streamed" : "");
  pgoutput::Decoder decoder(proto);
  decoder_ = &decoder;
  next_feedback_ = std::chrono::steady_clock::now();
  bool busy = false;
  while (!stop_.requested()) {
    feedback_if_due(conn);
    if (stop_lsn_ && stop_lsn_done()) {
      stop_reached_ = true;
      spdlog::info("source: everything committed up to --stop-lsn {} is applied; stopping",
                   format_lsn(stop_lsn_));
      stop_.request_and_notify();
      break;
    }
    const uint8_t *data = nullptr;
    size_t len = 0;
    switch (conn.read(&data, &len)) {
      case ReplicationConnection::ReadResult::Message:
        handle_copy_message(conn, data, len);
        busy = true;
        break;
      case ReplicationConnection::ReadResult::Drained: {
        flush_pending(conn);
        if (busy) {
          // Nap briefly so the next read finds a batch of messages rather than one: waking
          // per message costs the walsender more than it costs us (see docs/ARCHITECTURE.md).
          std::this_thread::sleep_for(std::chrono::microseconds(250));
          busy = false;
          break;
        }
        const auto now = std::chrono::steady_clock::now();
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_feedback_ - now);
        wait = std::clamp(wait, std::chrono::milliseconds(1), std::chrono::milliseconds(100));
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
  queue_.close();
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
    if (!x) throw ReplicationError("malformed XLogData message (" + std::to_string(len) +
                                       " bytes)", true);
    received_lsn_ = std::max(received_lsn_, x->wal_start);
    const pgoutput::Message &msg = decoder_->decode(x->payload, x->payload_len, x->wal_start);
    if (TransactionPtr txn = builder_.feed(msg, x->wal_start)) accept(conn, std::move(txn));
  } else if (data[0] == 'k') {
    const auto k = parse_keepalive(data, len);
    if (!k) throw ReplicationError("malformed keepalive message", true);
    received_lsn_ = std::max(received_lsn_, k->wal_end);
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
  return pending_.empty() && applied_lsn_() >= last_accepted_;
}

void Source::accept(ReplicationConnection &conn, TransactionPtr txn) {
  if (stop_lsn_ && txn->abi.commit_lsn > stop_lsn_) {
    // Beyond the bound: neither applied nor confirmed; the next run gets it again.
    past_stop_ = true;
    pool_.put(std::move(txn));
    return;
  }
  if (txn->end_lsn() <= last_accepted_) {
    // Sent again after a reconnect; already queued or applied.
    pool_.put(std::move(txn));
    return;
  }
  last_accepted_ = txn->end_lsn();
  pending_.push_back(std::move(txn));
  if (pending_.size() >= kMaxPending) flush_pending(conn);
}

void Source::flush_pending(ReplicationConnection &conn) {
  size_t done = 0;
  // The queue may be full while sinks are slow: keep the server informed while we wait.
  while (done < pending_.size()) {
    done = queue_.push_all(pending_, done, std::chrono::milliseconds(100));
    if (done == pending_.size()) break;
    if (stop_.requested() || queue_.closed()) break;
    feedback_if_due(conn);
  }
  for (size_t i = done; i < pending_.size(); ++i) pool_.put(std::move(pending_[i]));
  pending_.clear();
}

void Source::drop_pending() {
  for (auto &t : pending_) pool_.put(std::move(t));
  pending_.clear();
}

void Source::feedback_if_due(ReplicationConnection &conn) {
  if (std::chrono::steady_clock::now() >= next_feedback_) send_feedback(conn, false);
}

void Source::send_feedback(ReplicationConnection &conn, bool reply_requested) {
  const uint64_t applied = applied_lsn_();
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
  confirmed_ = flush;
  next_feedback_ = std::chrono::steady_clock::now() + status_interval_;
}

}  // namespace walrelay::replication
