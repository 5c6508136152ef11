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

wr_change *TransactionBuilder::new_change(uint32_t kind, uint64_t lsn, const char *what) {
  if (!current_)
    throw TransactionError(std::string(what) + " message at " + format_lsn(lsn) +
                           " outside a transaction (no Begin)");
  auto *c = current_->arena.allocate_array<wr_change>(1);
  *c = wr_change{};
  c->struct_size = sizeof(wr_change);
  c->kind = kind;
  c->lsn = lsn;
  current_->change_ptrs.push_back(c);
  return c;
}

const RelationDesc &TransactionBuilder::relation_for(uint32_t relation_id, uint64_t lsn,
                                                      const char *what) {
  const auto *rel = relations_.find(relation_id);
  if (rel == nullptr)
    throw TransactionError(std::string(what) + " at " + format_lsn(lsn) + " for relation id " +
                           std::to_string(relation_id) + " without a preceding Relation message");
  if (rel->get() != last_rel_) {
    auto &keep = current_->relations;
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
  auto *vals = current_->arena.allocate_array<wr_value>(n);
  for (size_t i = 0; i < n; ++i) {
    const auto &c = t.columns[i];
    vals[i].kind = value_kind(c.kind);
    vals[i].len = static_cast<uint32_t>(c.data.size());
    vals[i].data = (c.kind == 't' || c.kind == 'b') ? current_->arena.copy(c.data) : nullptr;
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
      if (current_) current_->origin.assign(msg.origin.name);
      return nullptr;
    case MessageType::Relation:
      relations_.update(msg.relation);
      last_rel_ = nullptr;
      return nullptr;
    case MessageType::Type:
      relations_.update_type(msg.type_msg);
      return nullptr;
    case MessageType::Insert: {
      wr_change *c = new_change(WR_CHANGE_INSERT, wal_start, "Insert");
      const RelationDesc &rel = relation_for(msg.insert.relation_id, wal_start, "Insert");
      c->relation = rel.abi();
      c->new_values = copy_tuple(msg.insert.new_tuple, rel, wal_start, "Insert");
      c->n_new = rel.abi()->n_columns;
      return nullptr;
    }
    case MessageType::Update: {
      wr_change *c = new_change(WR_CHANGE_UPDATE, wal_start, "Update");
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
      wr_change *c = new_change(WR_CHANGE_DELETE, wal_start, "Delete");
      const RelationDesc &rel = relation_for(msg.del.relation_id, wal_start, "Delete");
      c->relation = rel.abi();
      c->old_kind = old_kind(msg.del.old_kind);
      c->old_values = copy_tuple(msg.del.old_tuple, rel, wal_start, "Delete");
      c->n_old = rel.abi()->n_columns;
      return nullptr;
    }
    case MessageType::Truncate: {
      wr_change *c = new_change(WR_CHANGE_TRUNCATE, wal_start, "Truncate");
      const auto &ids = msg.truncate.relation_ids;
      auto **rels = current_->arena.allocate_array<const wr_relation *>(ids.size());
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
      t.end_lsn = msg.commit.end_lsn;
      t.commit_time_us = msg.commit.commit_time + kPostgresEpochOffsetUs;
      t.origin = current_->origin.empty() ? nullptr : current_->origin.c_str();
      t.n_changes = static_cast<uint32_t>(current_->change_ptrs.size());
      t.changes = current_->change_ptrs.data();
      last_rel_ = nullptr;
      return std::move(current_);
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
  relations_.clear();
  last_rel_ = nullptr;
}

}  // namespace walrelay
