// pgoutput message -> Transaction assembly (Begin, Relation, Type, Origin, changes, Commit).
#include "core/pipeline/transaction_builder.h"

#include <algorithm>

#include "core/spool/journal.h"
#include "core/util/lsn.h"

namespace walrelay {

namespace {

uint32_t value_kind(char k) {
  switch (k) {
    case 'n':
      return WR_VALUE_NULL;
    case 'u':
      return WR_VALUE_UNCHANGED_TOAST;
    case 't':
      return WR_VALUE_TEXT;
    default:
      return WR_VALUE_BINARY;
  }
}

uint32_t old_kind(char k) { return k == 'K' ? WR_OLD_KEY : k == 'O' ? WR_OLD_FULL : WR_OLD_NONE; }

}  // namespace

Finished::Finished() = default;
Finished::Finished(Finished &&) noexcept = default;
Finished &Finished::operator=(Finished &&) noexcept = default;
Finished::~Finished() = default;

TransactionBuilder::TransactionBuilder(TransactionPool &pool, spool::Journal *journal,
                                       size_t spill_bytes)
    : pool_(pool), journal_(journal), spill_bytes_(spill_bytes) {}

TransactionBuilder::~TransactionBuilder() { reset(); }

std::unique_ptr<TransactionBuilder::Open> TransactionBuilder::open_txn(uint32_t xid,
                                                                       bool streamed) {
  auto o = std::make_unique<Open>();
  o->txn = pool_.get();
  o->txn->abi.struct_size = sizeof(wr_txn);
  o->txn->abi.xid = xid;
  o->streamed = streamed;
  last_rel_ = nullptr;
  return o;
}

void TransactionBuilder::drop(std::unique_ptr<Open> o) {
  if (!o) return;
  pool_.put(std::move(o->txn));
  if (o->file && journal_) journal_->discard(std::move(o->file));
}

TransactionBuilder::Open &TransactionBuilder::target(uint64_t lsn, const char *what) {
  if (stream_) return *stream_;
  if (current_) return *current_;
  throw TransactionError(std::string(what) + " message at " + format_lsn(lsn) +
                         " outside a transaction (no Begin or Stream Start)");
}

wr_change *TransactionBuilder::new_change(uint32_t kind, uint64_t lsn, uint32_t xid,
                                          const char *what) {
  Open &o = target(lsn, what);
  spill_if_above(o, spill_bytes_);
  work_ = &o;
  auto *c = o.txn->arena.allocate_array<wr_change>(1);
  *c = wr_change{};
  c->struct_size = sizeof(wr_change);
  c->kind = kind;
  c->lsn = lsn;
  o.txn->change_ptrs.push_back(c);
  if (o.streamed) o.subxids.push_back(xid);
  return c;
}

void TransactionBuilder::spill_if_above(Open &o, size_t threshold) {
  Transaction &t = *o.txn;
  if (journal_ == nullptr || t.change_ptrs.empty() || t.arena.bytes() <= threshold) return;
  if (!o.file) o.file = journal_->open_txn_file();
  journal_->write_chunk(*o.file, t, 0, t.change_ptrs.size(),
                        o.streamed ? o.subxids.data() : nullptr);
  t.change_ptrs.clear();
  o.subxids.clear();
  // Relations stay referenced: later changes use them too. The chunks stay too (about
  // spill_bytes): the next changes refill them without new page faults.
  t.arena.reset(SIZE_MAX);
}

Finished TransactionBuilder::finish(std::unique_ptr<Open> o, FinishKind kind, uint64_t commit_lsn,
                                    uint64_t end_lsn, int64_t pg_time) {
  Finished f;
  f.kind = kind;
  f.txn = std::move(o->txn);
  f.file = std::move(o->file);
  f.aborted = std::move(o->aborted);
  f.gid = std::move(o->gid);
  wr_txn &t = f.txn->abi;
  t.struct_size = sizeof(wr_txn);
  t.commit_lsn = commit_lsn;
  t.end_lsn = end_lsn;
  t.commit_time_us = pg_time + kPostgresEpochOffsetUs;
  t.origin = f.txn->origin.empty() ? nullptr : f.txn->origin.c_str();
  t.n_changes = static_cast<uint32_t>(f.txn->change_ptrs.size());
  t.changes = f.txn->change_ptrs.data();
  last_rel_ = nullptr;
  return f;
}

const RelationDesc &TransactionBuilder::relation_for(uint32_t relation_id, uint64_t lsn,
                                                     const char *what) {
  const auto *rel = relations_.find(relation_id);
  if (rel == nullptr)
    throw TransactionError(std::string(what) + " at " + format_lsn(lsn) + " for relation id " +
                           std::to_string(relation_id) + " without a preceding Relation message");
  if (rel->get() != last_rel_) {
    auto &keep = work_->txn->relations;
    if (std::find(keep.begin(), keep.end(), *rel) == keep.end()) keep.push_back(*rel);
    last_rel_ = rel->get();
  }
  return **rel;
}

const wr_value *TransactionBuilder::copy_tuple(const pgoutput::TupleData &t,
                                               const RelationDesc &rel, uint64_t lsn,
                                               const char *what) {
  const size_t n = t.columns.size();
  if (n != rel.abi()->n_columns)
    throw TransactionError(std::string(what) + " at " + format_lsn(lsn) + " on " +
                           rel.qualified_name() + " has " + std::to_string(n) +
                           " columns, its Relation message has " +
                           std::to_string(rel.abi()->n_columns));
  Arena &arena = work_->txn->arena;
  auto *vals = arena.allocate_array<wr_value>(n);
  for (size_t i = 0; i < n; ++i) {
    const auto &c = t.columns[i];
    vals[i].kind = value_kind(c.kind);
    vals[i].len = static_cast<uint32_t>(c.data.size());
    vals[i].data = (c.kind == 't' || c.kind == 'b') ? arena.copy(c.data) : nullptr;
  }
  return vals;
}

std::optional<Finished> TransactionBuilder::message(const pgoutput::LogicalMessage &m,
                                                    uint64_t wal_start) {
  const bool transactional = (m.flags & 1u) != 0;
  std::unique_ptr<Open> alone;
  if (!transactional) {
    // A transaction of its own at the message's LSN; end LSN + 1 so that resuming there
    // skips it (the server skips records that start before the resume point).
    alone = open_txn(m.xid, false);
    work_ = alone.get();
  } else {
    work_ = &target(wal_start, "Message");
    spill_if_above(*work_, spill_bytes_);
  }
  Open &o = *work_;
  auto *c = o.txn->arena.allocate_array<wr_change>(1);
  *c = wr_change{};
  c->struct_size = sizeof(wr_change);
  c->kind = WR_CHANGE_MESSAGE;
  c->lsn = m.lsn ? m.lsn : wal_start;
  c->message_flags = transactional ? WR_MESSAGE_TRANSACTIONAL : 0u;
  c->message_prefix = o.txn->arena.copy_cstr(m.prefix);
  c->message_content = o.txn->arena.copy(m.content);
  c->message_len = static_cast<uint32_t>(m.content.size());
  o.txn->change_ptrs.push_back(c);
  if (o.streamed) o.subxids.push_back(m.xid);
  if (!alone) return std::nullopt;
  const uint64_t lsn = c->lsn;
  Finished f = finish(std::move(alone), FinishKind::kCommit, lsn, lsn + 1, 0);
  f.txn->abi.commit_time_us = 0;  // no commit: no commit time (not the PostgreSQL epoch)
  return f;
}

TransactionPtr TransactionBuilder::feed(const pgoutput::Message &msg, uint64_t wal_start) {
  auto f = next(msg, wal_start);
  if (!f || f->kind != FinishKind::kCommit) return nullptr;
  return std::move(f->txn);
}

std::optional<Finished> TransactionBuilder::next(const pgoutput::Message &msg, uint64_t wal_start) {
  using pgoutput::MessageType;
  switch (msg.type) {
    case MessageType::Begin:
    case MessageType::BeginPrepare: {
      const bool prep = msg.type == MessageType::BeginPrepare;
      if (current_)
        throw TransactionError(std::string(prep ? "Begin Prepare" : "Begin") + " at " +
                               format_lsn(wal_start) + " while transaction xid " +
                               std::to_string(current_->txn->abi.xid) + " is still open");
      current_ = open_txn(prep ? msg.begin_prepare.xid : msg.begin.xid, false);
      wr_txn &t = current_->txn->abi;
      t.commit_lsn = prep ? msg.begin_prepare.prepare_lsn : msg.begin.final_lsn;
      t.commit_time_us =
          (prep ? msg.begin_prepare.prepare_time : msg.begin.commit_time) + kPostgresEpochOffsetUs;
      if (prep) current_->gid.assign(msg.begin_prepare.gid);
      return std::nullopt;
    }
    case MessageType::Origin:
      if (stream_)
        stream_->txn->origin.assign(msg.origin.name);
      else if (current_)
        current_->txn->origin.assign(msg.origin.name);
      return std::nullopt;
    case MessageType::Relation:
      relations_.update(msg.relation);
      last_rel_ = nullptr;
      return std::nullopt;
    case MessageType::Type:
      relations_.update_type(msg.type_msg);
      return std::nullopt;
    case MessageType::Insert: {
      wr_change *c = new_change(WR_CHANGE_INSERT, wal_start, msg.insert.xid, "Insert");
      const RelationDesc &rel = relation_for(msg.insert.relation_id, wal_start, "Insert");
      c->relation = rel.abi();
      c->new_values = copy_tuple(msg.insert.new_tuple, rel, wal_start, "Insert");
      c->n_new = rel.abi()->n_columns;
      return std::nullopt;
    }
    case MessageType::Update: {
      wr_change *c = new_change(WR_CHANGE_UPDATE, wal_start, msg.update.xid, "Update");
      const RelationDesc &rel = relation_for(msg.update.relation_id, wal_start, "Update");
      c->relation = rel.abi();
      c->old_kind = old_kind(msg.update.old_kind);
      if (c->old_kind != WR_OLD_NONE) {
        c->old_values = copy_tuple(msg.update.old_tuple, rel, wal_start, "Update");
        c->n_old = rel.abi()->n_columns;
      }
      c->new_values = copy_tuple(msg.update.new_tuple, rel, wal_start, "Update");
      c->n_new = rel.abi()->n_columns;
      return std::nullopt;
    }
    case MessageType::Delete: {
      wr_change *c = new_change(WR_CHANGE_DELETE, wal_start, msg.del.xid, "Delete");
      const RelationDesc &rel = relation_for(msg.del.relation_id, wal_start, "Delete");
      c->relation = rel.abi();
      c->old_kind = old_kind(msg.del.old_kind);
      c->old_values = copy_tuple(msg.del.old_tuple, rel, wal_start, "Delete");
      c->n_old = rel.abi()->n_columns;
      return std::nullopt;
    }
    case MessageType::Truncate: {
      wr_change *c = new_change(WR_CHANGE_TRUNCATE, wal_start, msg.truncate.xid, "Truncate");
      const auto &ids = msg.truncate.relation_ids;
      auto **rels = work_->txn->arena.allocate_array<const wr_relation *>(ids.size());
      for (size_t i = 0; i < ids.size(); ++i)
        rels[i] = relation_for(ids[i], wal_start, "Truncate").abi();
      c->truncate_relations = rels;
      c->n_truncate_relations = static_cast<uint32_t>(ids.size());
      c->truncate_options =
          msg.truncate.options & (WR_TRUNCATE_CASCADE | WR_TRUNCATE_RESTART_IDENTITY);
      return std::nullopt;
    }
    case MessageType::LogicalMessage:
      return message(msg.logical_message, wal_start);
    case MessageType::Commit: {
      if (!current_ || !current_->gid.empty())
        throw TransactionError("Commit at " + format_lsn(wal_start) +
                               (current_ ? " inside a prepared transaction" : " without a Begin"));
      const wr_txn &t = current_->txn->abi;
      if (msg.commit.commit_lsn != t.commit_lsn)
        throw TransactionError("Commit at " + format_lsn(wal_start) + " has commit LSN " +
                               format_lsn(msg.commit.commit_lsn) + " but its Begin announced " +
                               format_lsn(t.commit_lsn) + " (xid " + std::to_string(t.xid) + ")");
      return finish(std::move(current_), FinishKind::kCommit, msg.commit.commit_lsn,
                    msg.commit.end_lsn, msg.commit.commit_time);
    }
    case MessageType::Prepare: {
      const auto &p = msg.prepare;
      if (!current_ || current_->gid.empty())
        throw TransactionError("Prepare at " + format_lsn(wal_start) + " without a Begin Prepare");
      if (current_->gid != p.gid || current_->txn->abi.xid != p.xid)
        throw TransactionError("Prepare at " + format_lsn(wal_start) + " for '" +
                               std::string(p.gid) + "' (xid " + std::to_string(p.xid) +
                               ") but Begin Prepare announced '" + current_->gid + "' (xid " +
                               std::to_string(current_->txn->abi.xid) + ")");
      return finish(std::move(current_), FinishKind::kPrepare, p.prepare_lsn, p.end_lsn,
                    p.prepare_time);
    }
    case MessageType::CommitPrepared:
    case MessageType::RollbackPrepared: {
      const bool commit = msg.type == MessageType::CommitPrepared;
      auto o = open_txn(commit ? msg.commit_prepared.xid : msg.rollback_prepared.xid, false);
      o->gid.assign(commit ? msg.commit_prepared.gid : msg.rollback_prepared.gid);
      if (commit)
        return finish(std::move(o), FinishKind::kCommitPrepared, msg.commit_prepared.commit_lsn,
                      msg.commit_prepared.end_lsn, msg.commit_prepared.commit_time);
      return finish(std::move(o), FinishKind::kRollbackPrepared,
                    msg.rollback_prepared.prepare_end_lsn, msg.rollback_prepared.rollback_end_lsn,
                    msg.rollback_prepared.rollback_time);
    }
    case MessageType::StreamStart: {
      const uint32_t xid = msg.stream_start.xid;
      auto it = streams_.find(xid);
      if (msg.stream_start.first_segment) {
        if (it != streams_.end())
          throw TransactionError("Stream Start (first segment) at " + format_lsn(wal_start) +
                                 " for xid " + std::to_string(xid) + " that is already open");
        it = streams_.emplace(xid, open_txn(xid, true)).first;
      } else if (it == streams_.end()) {
        throw TransactionError("Stream Start at " + format_lsn(wal_start) + " continues xid " +
                               std::to_string(xid) + " whose first segment was not received");
      }
      stream_ = it->second.get();
      last_rel_ = nullptr;
      return std::nullopt;
    }
    case MessageType::StreamStop:
      // Many transactions may be open at once: keep only a little of each in memory.
      if (stream_) spill_if_above(*stream_, spill_bytes_ / 8);
      stream_ = nullptr;
      last_rel_ = nullptr;
      return std::nullopt;
    case MessageType::StreamAbort: {
      const uint32_t xid = msg.stream_abort.xid, subxid = msg.stream_abort.subxid;
      auto it = streams_.find(xid);
      if (it == streams_.end()) return std::nullopt;  // nothing of it was streamed to us
      Open &s = *it->second;
      if (subxid == xid) {
        drop(std::move(it->second));
        streams_.erase(it);
        return std::nullopt;
      }
      // Drop exactly the aborted subtransaction's changes, keep the order of the rest; its
      // changes already on disk are left out when the transaction is read back.
      auto &ptrs = s.txn->change_ptrs;
      size_t keep = 0;
      for (size_t i = 0; i < s.subxids.size(); ++i)
        if (s.subxids[i] != subxid) {
          ptrs[keep] = ptrs[i];
          s.subxids[keep++] = s.subxids[i];
        }
      ptrs.resize(keep);
      s.subxids.resize(keep);
      if (s.file) s.aborted.push_back(subxid);
      return std::nullopt;
    }
    case MessageType::StreamCommit:
    case MessageType::StreamPrepare: {
      const bool commit = msg.type == MessageType::StreamCommit;
      const uint32_t xid = commit ? msg.stream_commit.xid : msg.stream_prepare.xid;
      auto it = streams_.find(xid);
      // Streamed nothing we kept (e.g. every change was in aborted subtransactions that
      // were never sent): an empty transaction.
      std::unique_ptr<Open> o = it == streams_.end() ? open_txn(xid, true) : std::move(it->second);
      if (it != streams_.end()) streams_.erase(it);
      if (commit)
        return finish(std::move(o), FinishKind::kCommit, msg.stream_commit.commit_lsn,
                      msg.stream_commit.end_lsn, msg.stream_commit.commit_time);
      o->gid.assign(msg.stream_prepare.gid);
      return finish(std::move(o), FinishKind::kPrepare, msg.stream_prepare.prepare_lsn,
                    msg.stream_prepare.end_lsn, msg.stream_prepare.prepare_time);
    }
  }
  throw TransactionError(std::string("pgoutput message '") + static_cast<char>(msg.type) + "' at " +
                         format_lsn(wal_start) + " is not understood");
}

void TransactionBuilder::reset() {
  drop(std::move(current_));
  for (auto &[xid, s] : streams_) drop(std::move(s));
  streams_.clear();
  stream_ = nullptr;
  work_ = nullptr;
  relations_.clear();
  last_rel_ = nullptr;
}

}  // namespace walrelay
