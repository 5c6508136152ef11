// Prepared DML statements of one relation generation, cached by change shape.
#include "statement_cache.h"

#include <algorithm>

namespace walrelay::mysql {
namespace {

bool bit(std::span<const uint64_t> mask, size_t offset, size_t i) {
  return offset + i / 64 < mask.size() && ((mask[offset + i / 64] >> (i % 64)) & 1u) != 0;
}

}  // namespace

CachedStatement build_statement(const TableShape &shape, Op op, uint32_t old_kind,
                                std::span<const uint64_t> mask, uint32_t rows) {
  CachedStatement cs;
  cs.op = op;
  cs.old_kind = old_kind;
  cs.rows = rows;
  cs.mask.assign(mask.begin(), mask.end());
  const size_t n = shape.columns.size();
  const size_t words = mask_words(shape);
  std::string &sql = cs.sql;

  auto where = [&]() {
    sql += " WHERE ";
    bool first = true;
    if (old_kind == WR_OLD_FULL) {
      for (size_t i = 0; i < n; ++i) {
        if (bit(mask, words, i)) continue;  // unchanged TOAST in the old row: not sent
        if (!first) sql += " AND ";
        first = false;
        sql += shape.columns[i].quoted + " <=> ?";
        cs.plan.push_back({ValueSource::Old, static_cast<uint32_t>(i), 0});
      }
      if (first) throw sdk::fatal("no column of " + shape.quoted + " can identify the row");
      sql += " LIMIT 1";
      return;
    }
    if (shape.key_columns.empty()) {
      throw sdk::fatal("table " + shape.quoted +
                       " has no replica identity key columns: cannot find rows to update or "
                       "delete (set REPLICA IDENTITY on the source table)");
    }
    const ValueSource src = old_kind == WR_OLD_KEY ? ValueSource::Old : ValueSource::New;
    for (uint32_t k : shape.key_columns) {
      if (!first) sql += " AND ";
      first = false;
      sql += shape.columns[k].quoted + " = ?";
      cs.plan.push_back({src, k, 0});
    }
  };

  switch (op) {
    case Op::Insert: {
      sql = "INSERT INTO " + shape.quoted + " (";
      for (size_t i = 0; i < n; ++i) {
        if (i) sql += ", ";
        sql += shape.columns[i].quoted;
      }
      sql += ") VALUES ";
      std::string row = "(";
      for (size_t i = 0; i < n; ++i) row += i ? ",?" : "?";
      row += ")";
      for (uint32_t r = 0; r < rows; ++r) {
        if (r) sql += ",";
        sql += row;
        for (size_t i = 0; i < n; ++i) {
          cs.plan.push_back({ValueSource::New, static_cast<uint32_t>(i), r});
        }
      }
      break;
    }
    case Op::Update: {
      sql = "UPDATE " + shape.quoted + " SET ";
      bool first = true;
      for (size_t i = 0; i < n; ++i) {
        if (bit(mask, 0, i)) continue;  // unchanged TOAST: keep the stored value
        if (!first) sql += ", ";
        first = false;
        sql += shape.columns[i].quoted + " = ?";
        cs.plan.push_back({ValueSource::New, static_cast<uint32_t>(i), 0});
      }
      if (first) sql += shape.columns[0].quoted + " = " + shape.columns[0].quoted;
      where();
      break;
    }
    case Op::Delete:
      sql = "DELETE FROM " + shape.quoted;
      where();
      break;
    case Op::Truncate:
      sql = "DELETE FROM " + shape.quoted;
      break;
    case Op::DeleteKeys: {
      if (shape.key_columns.empty()) {
        throw sdk::fatal("table " + shape.quoted + " has no key columns to delete rows by");
      }
      sql = "DELETE FROM " + shape.quoted + " WHERE ";
      const bool single = shape.key_columns.size() == 1;
      if (single) sql += shape.columns[shape.key_columns[0]].quoted + " IN (";
      for (uint32_t r = 0; r < rows; ++r) {
        if (single) {
          sql += r ? ",?" : "?";
        } else {
          sql += r ? " OR (" : "(";
          for (size_t k = 0; k < shape.key_columns.size(); ++k) {
            if (k) sql += " AND ";
            sql += shape.columns[shape.key_columns[k]].quoted + " = ?";
          }
          sql += ")";
        }
        for (uint32_t k : shape.key_columns) cs.plan.push_back({ValueSource::Old, k, r});
      }
      if (single) sql += ")";
      break;
    }
  }
  return cs;
}

CachedStatement &StatementCache::get(Connection &conn, const TableShape &shape, Op op,
                                     uint32_t old_kind, std::span<const uint64_t> mask,
                                     uint32_t rows) {
  for (auto &e : entries_) {
    if (e->op == op && e->old_kind == old_kind && e->rows == rows &&
        std::equal(e->mask.begin(), e->mask.end(), mask.begin(), mask.end())) {
      return *e;
    }
  }
  auto cs = std::make_unique<CachedStatement>(build_statement(shape, op, old_kind, mask, rows));
  cs->stmt = conn.prepare(cs->sql, "preparing a statement for " + shape.quoted);
  entries_.push_back(std::move(cs));
  return *entries_.back();
}

}  // namespace walrelay::mysql
