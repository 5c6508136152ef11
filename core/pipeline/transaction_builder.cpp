// pgoutput message -> Transaction assembly (Begin, Relation, Type, Origin, changes, Commit).
#include "core/pipeline/transaction_builder.h"

#include <algorithm>

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

Transaction *TransactionBuilder::target(uint64_t lsn, const char *what) {
  if (stream_) return stream_->txn.get();
  if (current_) return current_.get();
  throw TransactionError(std::string(what) + " message at " + format_lsn(lsn) +
                         " outside a transaction (no Begin or Stream Start)");
}

wr_change *TransactionBuilder::new_change(uint32_t kind, uint64_t lsn, uint32_t xid,
                                          const char *what) {
  work_ = target(lsn, what);
  auto *c = work_->arena.allocate_array<wr_change>(1);
  *c = wr_change{};
  c->struct_size = sizeof(wr_change);
  c->kind = kind;
  c->lsn = lsn;
  work_->change_ptrs.push_back(c);
  if (stream_) stream_->subxids.push_back(xid);
  return c;
}

TransactionPtr TransactionBuilder::finish(TransactionPtr txn, uint64_t end_lsn,
                                          int64_t commit_time) {
  wr_txn &t = txn->abi;
  t.end_lsn = end_lsn;
  t.commit_time_us = commit_time + kPostgresEpochOffsetUs;
  t.origin = txn->origin.empty() ? nullptr : txn->origin.c_str();
  t.n_changes = static_cast<uint32_t>(txn->change_ptrs.size());
  t.changes = txn->change_ptrs.data();
  last_rel_ = nullptr;
  return txn;
}

const RelationDesc &TransactionBuilder::relation_for(uint32_t relation_id, uint64_t lsn,
                                                      const char *what) {
  const auto *rel = relations_.find(relation_id);
  if (rel == nullptr)
    throw TransactionError(std::string(what) + " at " + format_lsn(lsn) + " for relation id " +
                           std::to_string(relation_id) + " without a preceding Relation message");
  if (rel->get() != last_rel_) {
    auto &keep = work_->relations;
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
  auto *vals = work_->arena.allocate_array<wr_value>(n);
  for (size_t i = 0; i < n; ++i) {
    const auto &c = t.columns[i];
    vals[i].kind = value_kind(c.kind);
    vals[i].len = static_cast<uint32_t>(c.data.size());
    vals[i].data = (c.kind == 't' || c.kind == 'b') ? work_->arena.copy(c.data) : nullptr;
  }
  return vals;
}

TransactionPtr TransactionBuilder::feed(const pgoutput::Message &msg, uint64_t wal_start) {
  using pgoutput::MessageType;
  switch (msg.type) {
    case MessageType::Begin: {
      if (current_)
        throw TransactionError("Begin at " + format_lsn(wal_start) +
                               " while transaction xid " + std::to_string(current_->abi.xid) +
                               " is still open");
      current_ = pool_.get();
      last_rel_ = nullptr;
      wr_txn &t = current_->abi;
      t.struct_size = sizeof(wr_txn);
      t.xid = msg.begin.xid;
      t.commit_lsn = msg.begin.final_lsn;
      t.commit_time_us = msg.begin.commit_time + kPostgresEpochOffsetUs;
      return nullptr;
    }
    case MessageType::Origin:
      if (stream_) stream_->txn->origin.assign(msg.origin.name);
      else if (current_) current_->origin.assign(msg.origin.name);
      return nullptr;
    case MessageType::Relation:
      relations_.update(msg.relation);
      last_rel_ = nullptr;
      return nullptr;
    case MessageType::Type:
      relations_.update_type(msg.type_msg);
      return nullptr;
    case MessageType::Insert: {
      wr_change *c = new_change(WR_CHANGE_INSERT, wal_start, msg.insert.xid, "Insert");
      const RelationDesc &rel = relation_for(msg.insert.relation_id, wal_start, "Insert");
      c->relation = rel.abi();
      c->new_values = copy_tuple(msg.insert.new_tuple, rel, wal_start, "Insert");
      c->n_new = rel.abi()->n_columns;
      return nullptr;
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
      return nullptr;
    }
    case MessageType::Delete: {
      wr_change *c = new_change(WR_CHANGE_DELETE, wal_start, msg.del.xid, "Delete");
      const RelationDesc &rel = relation_for(msg.del.relation_id, wal_start, "Delete");
      c->relation = rel.abi();
      c->old_kind = old_kind(msg.del.old_kind);
      c->old_values = copy_tuple(msg.del.old_tuple, rel, wal_start, "Delete");
      c->n_old = rel.abi()->n_columns;
      return nullptr;
    }
    case MessageType::Truncate: {
      wr_change *c = new_change(WR_CHANGE_TRUNCATE, wal_start, msg.truncate.xid, "Truncate");
      const auto &ids = msg.truncate.relation_ids;
      auto **rels = work_->arena.allocate_array<const wr_relation *>(ids.size());
      for (size_t i = 0; i < ids.size(); ++i)
        rels[i] = relation_for(ids[i], wal_start, "Truncate").abi();
      c->truncate_relations = rels;
      c->n_truncate_relations = static_cast<uint32_t>(ids.size());
      c->truncate_options = msg.truncate.options & (WR_TRUNCATE_CASCADE | WR_TRUNCATE_RESTART_IDENTITY);
      return nullptr;
    }
    case MessageType::Commit: {
      if (!current_)
        throw TransactionError("Commit at " + format_lsn(wal_start) + " without a Begin");
      wr_txn &t = current_->abi;
      if (msg.commit.commit_lsn != t.commit_lsn)
        throw TransactionError("Commit at " + format_lsn(wal_start) + " has commit LSN " +
                               format_lsn(msg.commit.commit_lsn) + " but its Begin announced " +
                               format_lsn(t.commit_lsn) + " (xid " + std::to_string(t.xid) + ")");
      return finish(std::move(current_), msg.commit.end_lsn, msg.commit.commit_time);
    }
    case MessageType::StreamStart: {
      const uint32_t xid = msg.stream_start.xid;
      auto it = streams_.find(xid);
      if (msg.stream_start.first_segment) {
        if (it != streams_.end())
          throw TransactionError("Stream Start (first segment) at " + format_lsn(wal_start) +
                                 " for xid " + std::to_string(xid) + " that is already open");
        Streamed s{pool_.get(), {}};
        s.txn->abi.struct_size = sizeof(wr_txn);
        s.txn->abi.xid = xid;
        it = streams_.emplace(xid, std::move(s)).first;
      } else if (it == streams_.end()) {
        throw TransactionError("Stream Start at " + format_lsn(wal_start) + " continues xid " +
                               std::to_string(xid) + " whose first segment was not received");
      }
      stream_ = &it->second;
      last_rel_ = nullptr;
      return nullptr;
    }
    case MessageType::StreamStop:
      stream_ = nullptr;
      last_rel_ = nullptr;
      return nullptr;
    case MessageType::StreamAbort: {
      const uint32_t xid = msg.stream_abort.xid, subxid = msg.stream_abort.subxid;
      auto it = streams_.find(xid);
      if (it == streams_.end()) return nullptr;  // nothing of it was streamed to us
      Streamed &s = it->second;
      if (subxid == xid) {
        pool_.put(std::move(s.txn));
        streams_.erase(it);
        return nullptr;
      }
      // Drop exactly the aborted subtransaction's changes, keep the order of the rest.
      size_t keep = 0;
      for (size_t i = 0; i < s.subxids.size(); ++i)
        if (s.subxids[i] != subxid) {
          s.txn->change_ptrs[keep] = s.txn->change_ptrs[i];
          s.subxids[keep++] = s.subxids[i];
        }
      s.txn->change_ptrs.resize(keep);
      s.subxids.resize(keep);
      return nullptr;
    }
    case MessageType::StreamCommit: {
      const uint32_t xid = msg.stream_commit.xid;
      auto it = streams_.find(xid);
      if (it == streams_.end()) {
        // Streamed nothing we kept (e.g. every change was in aborted subtransactions that
        // were never sent): an empty transaction.
        TransactionPtr t = pool_.get();
        t->abi.struct_size = sizeof(wr_txn);
        t->abi.xid = xid;
        t->abi.commit_lsn = msg.stream_commit.commit_lsn;
        return finish(std::move(t), msg.stream_commit.end_lsn, msg.stream_commit.commit_time);
      }
      TransactionPtr t = std::move(it->second.txn);
      streams_.erase(it);
      t->abi.commit_lsn = msg.stream_commit.commit_lsn;
      return finish(std::move(t), msg.stream_commit.end_lsn, msg.stream_commit.commit_time);
    }
    case MessageType::LogicalMessage:
      // Only sent with the `messages` option, which this version does not request.
      return nullptr;
    default:
      throw TransactionError(std::string("pgoutput message '") + static_cast<char>(msg.type) +
                             "' at " + format_lsn(wal_start) +
                             " needs protocol features this version does not request");
  }
}

void TransactionBuilder::reset() {
  if (current_) pool_.put(std::move(current_));
  for (auto &[xid, s] : streams_) pool_.put(std::move(s.txn));
  streams_.clear();
  stream_ = nullptr;
  relations_.clear();
  last_rel_ = nullptr;
}

}  // namespace walrelay
