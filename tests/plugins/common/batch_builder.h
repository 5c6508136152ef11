// Test helper shared by the sink plugin tests: builds wr_relation / wr_batch structs by hand,
// owning all their storage, exactly as the host would pass them.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wrtest_batch {

// Type OIDs used by the tests (PostgreSQL pg_type.dat).
inline constexpr uint32_t kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20, kInt2 = 21,
                          kInt4 = 23, kText = 25, kOid = 26, kJson = 114, kXml = 142, kFloat4 = 700,
                          kFloat8 = 701, kMoney = 790, kInet = 869, kBpchar = 1042, kVarchar = 1043,
                          kDate = 1082, kTime = 1083, kTimestamp = 1114, kTimestamptz = 1184,
                          kInterval = 1186, kTimetz = 1266, kNumeric = 1700, kUuid = 2950,
                          kJsonb = 3802, kInt4Array = 1007, kTextArray = 1009;

/// typmod of numeric(p,s).
constexpr int32_t numeric_typmod(int p, int s) { return ((p << 16) | s) + 4; }

/// A column of a test relation.
struct Col {
  std::string name;
  uint32_t oid = kText;
  bool key = false;
  int32_t typmod = -1;
  std::string type_name = {};  ///< non-empty: a user type (enum) announced by a Type message
};

/// A relation descriptor with its own storage. Not copyable or movable (points into itself).
class Relation {
 public:
  Relation(uint32_t id, uint32_t generation, char identity, std::string schema, std::string name,
           std::vector<Col> cols)
      : schema_(std::move(schema)), name_(std::move(name)), cols_(std::move(cols)) {
    for (const Col &c : cols_) {
      wr_column w{};
      w.name = c.name.c_str();
      w.type_oid = c.oid;
      w.typmod = c.typmod;
      w.flags = c.key ? WR_COLUMN_KEY : 0u;
      if (!c.type_name.empty()) {
        w.type_schema = "public";
        w.type_name = c.type_name.c_str();
      }
      columns_.push_back(w);
    }
    rel_.struct_size = sizeof(wr_relation);
    rel_.relation_id = id;
    rel_.generation = generation;
    rel_.replica_identity = identity;
    rel_.schema = schema_.c_str();
    rel_.name = name_.c_str();
    rel_.n_columns = static_cast<uint32_t>(columns_.size());
    rel_.columns = columns_.data();
  }
  Relation(const Relation &) = delete;
  Relation &operator=(const Relation &) = delete;

  const wr_relation *get() const { return &rel_; }

 private:
  std::string schema_, name_;
  std::vector<Col> cols_;
  std::vector<wr_column> columns_;
  wr_relation rel_{};
};

/// One value as written in a test.
struct Val {
  uint32_t kind = WR_VALUE_NULL;
  std::string bytes;
};
/// Text value (PostgreSQL text output).
inline Val T(std::string s) { return Val{WR_VALUE_TEXT, std::move(s)}; }
/// NULL.
inline const Val N{WR_VALUE_NULL, {}};
/// Unchanged TOAST value.
inline const Val U{WR_VALUE_UNCHANGED_TOAST, {}};
/// Binary (send format) value.
inline Val B(std::string s) { return Val{WR_VALUE_BINARY, std::move(s)}; }

/// Builds a batch of transactions. All pointers stay valid while the builder lives.
class BatchBuilder {
 public:
  /// Starts a transaction ending at `end_lsn`. Its changes get LSNs from end_lsn / 2 up.
  BatchBuilder &txn(wr_lsn end_lsn, int64_t commit_time_us = 1700000000000000) {
    wr_txn t{};
    t.struct_size = sizeof(wr_txn);
    t.xid = static_cast<uint32_t>(txns_.size() + 1000);
    t.commit_lsn = end_lsn - 8;
    t.end_lsn = end_lsn;
    t.commit_time_us = commit_time_us;
    txns_.push_back(t);
    change_ptrs_.emplace_back();
    return *this;
  }
  /// Makes the current transaction an initial-snapshot one (WR_TXN_SNAPSHOT, commit_lsn 0).
  BatchBuilder &snapshot() {
    txns_.back().flags |= WR_TXN_SNAPSHOT;
    txns_.back().commit_lsn = 0;
    return *this;
  }
  BatchBuilder &insert(const Relation &rel, std::vector<Val> vals) {
    wr_change &c = add(WR_CHANGE_INSERT, &rel);
    set(vals, c.new_values, c.n_new);
    return *this;
  }
  BatchBuilder &update(const Relation &rel, uint32_t old_kind, std::vector<Val> old_vals,
                       std::vector<Val> new_vals) {
    wr_change &c = add(WR_CHANGE_UPDATE, &rel);
    c.old_kind = old_kind;
    if (old_kind != WR_OLD_NONE) set(old_vals, c.old_values, c.n_old);
    set(new_vals, c.new_values, c.n_new);
    return *this;
  }
  BatchBuilder &del(const Relation &rel, uint32_t old_kind, std::vector<Val> old_vals) {
    wr_change &c = add(WR_CHANGE_DELETE, &rel);
    c.old_kind = old_kind;
    set(old_vals, c.old_values, c.n_old);
    return *this;
  }
  BatchBuilder &truncate(std::initializer_list<const Relation *> rels) {
    wr_change &c = add(WR_CHANGE_TRUNCATE, nullptr);
    auto &list = truncate_lists_.emplace_back();
    for (const Relation *r : rels) list.push_back(r->get());
    c.n_truncate_relations = static_cast<uint32_t>(list.size());
    c.truncate_relations = list.data();
    return *this;
  }

  /// LSN of the most recently added change.
  wr_lsn last_change_lsn() const { return changes_.back().lsn; }

  /// The finished batch (end_lsn of the last transaction).
  const wr_batch &build() {
    txn_ptrs_.clear();
    uint64_t n = 0;
    for (size_t i = 0; i < txns_.size(); ++i) {
      txns_[i].n_changes = static_cast<uint32_t>(change_ptrs_[i].size());
      txns_[i].changes = change_ptrs_[i].data();
      n += change_ptrs_[i].size();
      txn_ptrs_.push_back(&txns_[i]);
    }
    batch_ = wr_batch{};
    batch_.struct_size = sizeof(wr_batch);
    batch_.n_txns = static_cast<uint32_t>(txn_ptrs_.size());
    batch_.txns = txn_ptrs_.data();
    batch_.end_lsn = txns_.empty() ? 0 : txns_.back().end_lsn;
    batch_.n_changes = n;
    return batch_;
  }

 private:
  wr_change &add(uint32_t kind, const Relation *rel) {
    if (txns_.empty()) txn(0x1000);
    wr_change c{};
    c.struct_size = sizeof(wr_change);
    c.kind = kind;
    c.relation = rel ? rel->get() : nullptr;
    auto &ptrs = change_ptrs_.back();
    c.lsn = txns_.back().end_lsn / 2 + 8 * (ptrs.size() + 1);
    changes_.push_back(c);
    ptrs.push_back(&changes_.back());
    return changes_.back();
  }
  void set(const std::vector<Val> &vals, const wr_value *&out, uint32_t &n) {
    auto &arr = values_.emplace_back();
    for (const Val &v : vals) {
      wr_value w{};
      w.kind = v.kind;
      if (v.kind == WR_VALUE_TEXT || v.kind == WR_VALUE_BINARY) {
        const std::string &s = strings_.emplace_back(v.bytes);
        w.len = static_cast<uint32_t>(s.size());
        w.data = s.data();
      }
      arr.push_back(w);
    }
    out = arr.data();
    n = static_cast<uint32_t>(arr.size());
  }

  std::deque<std::string> strings_;
  std::deque<std::vector<wr_value>> values_;
  std::deque<wr_change> changes_;
  std::deque<std::vector<const wr_change *>> change_ptrs_;
  std::deque<std::vector<const wr_relation *>> truncate_lists_;
  std::deque<wr_txn> txns_;
  std::vector<const wr_txn *> txn_ptrs_;
  wr_batch batch_{};
};

}  // namespace wrtest_batch
