// Prepared DML statements of one relation generation, cached by change shape.
#include "statement_cache.h"

#include <walrelay/sink.hpp>

#include <algorithm>

namespace walrelay::sqlite {
namespace {

bool bit(std::span<const uint64_t> mask, size_t offset, size_t i) {
  return (mask[offset + i / 64] >> (i % 64)) & 1u;
}

/// Appends " WHERE ..." identifying one row, and its parameters.
void append_where(const TableShape &shape, uint32_t old_kind, std::span<const uint64_t> mask,
                  std::string &sql, std::vector<BindSlot> &plan) {
  if (old_kind == WR_OLD_FULL) {
    // Every old column compared null-safely; the rowid sub-select makes sure only one of
    // several identical rows (no key: duplicates are legal) is touched.
    if (shape.rowid_alias.empty()) {
      throw sdk::fatal("table " + shape.quoted +
                       " has columns named rowid, _rowid_ and oid: cannot address one row");
    }
    const size_t words = shape.mask_words();
    sql += " WHERE " + shape.rowid_alias + " = (SELECT " + shape.rowid_alias + " FROM " +
           shape.quoted + " WHERE ";
    bool any = false;
    for (uint32_t i = 0; i < shape.columns.size(); ++i) {
      if (bit(mask, words, i)) continue;
      if (any) sql += " AND ";
      sql += shape.columns[i].quoted + " IS ?";
      plan.push_back({ValueSource::Old, i});
      any = true;
    }
    if (!any) sql += "1";
    sql += " LIMIT 1)";
    return;
  }
  // KEY: the old key values; NONE: the key did not change, use the new values.
  if (shape.key_columns.empty()) {
    throw sdk::fatal("table " + shape.quoted +
                     " has no key columns and the change carries no full old row: cannot "
                     "identify the row");
  }
  const ValueSource src = old_kind == WR_OLD_KEY ? ValueSource::Old : ValueSource::New;
  sql += " WHERE ";
  for (size_t k = 0; k < shape.key_columns.size(); ++k) {
    const uint32_t i = shape.key_columns[k];
    if (k) sql += " AND ";
    sql += shape.columns[i].quoted + " = ?";
    plan.push_back({src, i});
  }
}

}  // namespace

CachedStatement build_statement(const TableShape &shape, Op op, uint32_t old_kind,
                                std::span<const uint64_t> mask) {
  CachedStatement cs{op, old_kind, std::vector<uint64_t>(mask.begin(), mask.end()), Stmt(), {}, {}};
  std::string &sql = cs.sql;
  if (op != Op::Truncate && shape.columns.empty()) {
    throw sdk::fatal("table " + shape.quoted + ": the relation has no columns");
  }
  switch (op) {
    case Op::Insert: {
      sql = "INSERT INTO " + shape.quoted + " (";
      std::string values;
      for (uint32_t i = 0; i < shape.columns.size(); ++i) {
        if (i) {
          sql += ", ";
          values += ", ";
        }
        sql += shape.columns[i].quoted;
        values += '?';
        cs.plan.push_back({ValueSource::New, i});
      }
      sql += ") VALUES (" + values + ")";
      break;
    }
    case Op::Update: {
      sql = "UPDATE " + shape.quoted + " SET ";
      bool any = false;
      for (uint32_t i = 0; i < shape.columns.size(); ++i) {
        if (bit(mask, 0, i)) continue;  // unchanged TOAST: keep the stored value
        if (any) sql += ", ";
        sql += shape.columns[i].quoted + " = ?";
        cs.plan.push_back({ValueSource::New, i});
        any = true;
      }
      if (!any) sql += shape.columns[0].quoted + " = " + shape.columns[0].quoted;
      append_where(shape, old_kind, mask, sql, cs.plan);
      break;
    }
    case Op::Delete:
      sql = "DELETE FROM " + shape.quoted;
      append_where(shape, old_kind, mask, sql, cs.plan);
      break;
    case Op::Truncate:
      sql = "DELETE FROM " + shape.quoted;
      break;
  }
  return cs;
}

CachedStatement &StatementCache::get(Db &db, const TableShape &shape, Op op, uint32_t old_kind,
                                     std::span<const uint64_t> mask) {
  for (auto &e : entries_) {
    if (e->op == op && e->old_kind == old_kind &&
        std::equal(e->mask.begin(), e->mask.end(), mask.begin(), mask.end())) {
      return *e;
    }
  }
  auto cs = std::make_unique<CachedStatement>(build_statement(shape, op, old_kind, mask));
  cs->stmt = db.prepare(cs->sql, "preparing statement for table " + shape.quoted);
  entries_.push_back(std::move(cs));
  return *entries_.back();
}

}  // namespace walrelay::sqlite
