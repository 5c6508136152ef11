// MysqlSink, relation handling: table filters, DDL per relation generation and the
// schema-change policy (schema_change, drop_columns, type_change).
#include <walrelay/sink.hpp>

#include "mysql_sink.h"
#include "schema.h"
#include "schema_diff.h"

namespace walrelay::mysql {

bool MysqlSink::excluded(const wr_relation &rel) {
  if (!filter_.filters()) return false;
  const uint64_t key = relation_key(rel);
  auto it = excluded_.find(key);
  if (it != excluded_.end()) return it->second;
  const std::string schema = rel.schema ? rel.schema : "", table = rel.name ? rel.name : "";
  const std::string reason = filter_.skip_reason(schema, table);
  if (!reason.empty() && logged_excluded_.insert(schema + "." + table).second) {
    log(WR_LOG_INFO, "skipping the changes of table " + schema + "." + table + " (" + reason +
                         "); logged once per table");
  }
  return excluded_.emplace(key, !reason.empty()).first->second;
}

TableShape MysqlSink::shape_of(const wr_relation &rel) const {
  return TableShape::from_relation(rel, options_.schema_map, options_.database, options_.table_map,
                                   options_.arrays_json);
}

void MysqlSink::prepare_relations(const wr_batch &batch, bool in_open_txn) {
  std::vector<uint64_t> seen;
  auto visit = [&](const wr_relation *rel_in, const wr_change &c) {
    if (rel_in == nullptr) {
      throw sdk::fatal(std::string(sdk::change_kind_name(c.kind)) + " at LSN " +
                       sdk::format_lsn(c.lsn) + " has no relation");
    }
    const wr_relation &rel = sdk::checked(rel_in, "wr_relation");
    if (excluded(rel)) return;
    auto it = relations_.find(rel.relation_id);
    // Same or older generation (a batch or transaction applied again after a failure): its
    // DDL already ran; relation() switches shapes without DDL.
    if (it != relations_.end() && it->second->latest.generation >= rel.generation) return;
    for (uint64_t k : seen) {
      if (k == relation_key(rel)) return;
    }
    seen.push_back(relation_key(rel));
    const std::string where =
        std::string(sdk::change_kind_name(c.kind)) + " at LSN " + sdk::format_lsn(c.lsn) + ": ";
    TableShape shape = shape_of(rel);
    std::vector<std::string> modify;
    std::vector<std::string> drops;
    if (it != relations_.end()) {
      const GenerationDiff diff = diff_generations(it->second->latest, shape);
      check_schema_change(diff, shape, c);
      for (const TypeChange &t : diff.retyped) modify.push_back(t.column);
      if (options_.drop_columns) drops = diff.dropped;
      for (const std::string &col : diff.dropped) {
        log(WR_LOG_INFO, "column " + quote_ident(col) + " of " + shape.quoted +
                             " was dropped in PostgreSQL (relation " +
                             std::to_string(shape.relation_id) + " generation " +
                             std::to_string(shape.generation) + ", LSN " + sdk::format_lsn(c.lsn) +
                             "): " +
                             (options_.drop_columns ? "dropping it after the commit"
                                                    : "kept in MySQL, new rows get NULL"));
      }
    }
    const SchemaPolicy policy{options_.create_tables, !options_.schema_change_fail,
                              options_.collation};
    TablePlan plan;
    try {
      plan = plan_table(conn_, shape, policy, modify);
      // DDL would commit the open transaction's earlier pieces implicitly: discard them,
      // change the table, and let the host restart the transaction from its first piece.
      if (!plan.empty() && in_open_txn) rollback();
      run_plan(conn_, shape, plan);
    } catch (const sdk::Error &e) {
      throw sdk::Error(e.status(), where + e.what());
    }
    if (plan.create) {
      log(WR_LOG_INFO, "created table " + shape.quoted + " for relation " +
                           std::to_string(shape.relation_id) + " generation " +
                           std::to_string(shape.generation));
    }
    for (const std::string &col : plan.added) {
      log(WR_LOG_INFO, "added column " + quote_ident(col) + " to table " + shape.quoted +
                           " (relation " + std::to_string(shape.relation_id) + " generation " +
                           std::to_string(shape.generation) + ")");
    }
    for (const std::string &col : plan.modified) {
      log(WR_LOG_INFO, "changed the type of column " + quote_ident(col) + " of table " +
                           shape.quoted + " (type_change: follow)");
    }
    for (const std::string &col : drops) pending_drops_.push_back({rel.relation_id, col, c.lsn});
    if (it == relations_.end()) {
      it = relations_.emplace(rel.relation_id, std::make_unique<RelationState>()).first;
    }
    it->second->statements.clear();
    it->second->extra_columns = plan.extra_columns;
    it->second->latest = shape;
    it->second->shape = std::move(shape);
    if (!plan.empty() && in_open_txn) {
      throw sdk::Error(WR_RETRY,
                       where + "table " + it->second->shape.quoted +
                           " needed DDL in the middle of a transaction delivered in pieces; "
                           "MySQL would commit the earlier pieces implicitly, so the open "
                           "transaction was rolled back, the DDL ran, and the transaction "
                           "restarts from its first piece");
    }
  };
  for (uint32_t t = 0; t < batch.n_txns; ++t) {
    const wr_txn &txn = sdk::checked(batch.txns[t], "wr_txn");
    for (uint32_t i = 0; i < txn.n_changes; ++i) {
      const wr_change &c = sdk::checked(txn.changes[i], "wr_change");
      if (c.kind == WR_CHANGE_TRUNCATE) {
        if (c.n_truncate_relations > 0 && c.truncate_relations == nullptr) {
          throw sdk::fatal("TRUNCATE at LSN " + sdk::format_lsn(c.lsn) + " has no relation list");
        }
        for (uint32_t r = 0; r < c.n_truncate_relations; ++r) visit(c.truncate_relations[r], c);
      } else {
        visit(c.relation, c);
      }
    }
  }
}

void MysqlSink::check_schema_change(const GenerationDiff &diff, const TableShape &shape,
                                    const wr_change &c) const {
  const std::string at = " (relation " + std::to_string(shape.relation_id) + " generation " +
                         std::to_string(shape.generation) + ", change at LSN " +
                         sdk::format_lsn(c.lsn) + ")";
  if (options_.schema_change_fail && diff.columns_changed()) {
    std::string what;
    for (const std::string &col : diff.added) {
      what += (what.empty() ? "" : ", ") + std::string("column ") + quote_ident(col) + " added";
    }
    for (const std::string &col : diff.dropped) {
      what += (what.empty() ? "" : ", ") + std::string("column ") + quote_ident(col) + " dropped";
    }
    throw sdk::fatal("schema change of table " + shape.quoted + ": " + what + at +
                     "; schema_change is 'fail'");
  }
  if (!options_.type_change_follow && !diff.retyped.empty()) {
    const TypeChange &t = diff.retyped.front();
    throw sdk::fatal("column " + quote_ident(t.column) + " of table " + shape.quoted +
                     " changed type from " + t.old_type + " to " + t.new_type + " (MySQL " +
                     t.old_decl + " -> " + t.new_decl + ")" + at +
                     "; type_change is 'fail' (set type_change: follow to ALTER the column)");
  }
}

void MysqlSink::run_pending_drops(wr_lsn committed) noexcept {
  if (pending_drops_.empty()) return;
  std::vector<PendingDrop> drops;
  drops.swap(pending_drops_);
  for (const PendingDrop &d : drops) {
    if (committed <= d.seen_lsn) {  // the new generation's change is not committed yet
      pending_drops_.push_back(d);
      continue;
    }
    auto it = relations_.find(d.relation_id);
    if (it == relations_.end()) continue;
    const TableShape &latest = it->second->latest;
    bool back = false;  // a later generation has the column again: keep it
    for (const ColumnInfo &c : latest.columns) back = back || sdk::ascii_iequal(c.name, d.column);
    if (back) continue;
    try {
      conn_.exec(drop_column_sql(latest.quoted, d.column),
                 "dropping column " + quote_ident(d.column) + " of " + latest.quoted);
      log(WR_LOG_INFO, "dropped column " + quote_ident(d.column) + " of table " + latest.quoted +
                           " (drop_columns: true)");
    } catch (const std::exception &e) {
      log(WR_LOG_WARN, std::string(e.what()) + "; the column stays");
    }
  }
}

MysqlSink::RelationState &MysqlSink::relation(const wr_relation &rel) {
  auto it = relations_.find(rel.relation_id);
  if (it == relations_.end()) {
    throw sdk::fatal("relation " + std::to_string(rel.relation_id) + " was not prepared");
  }
  if (it->second->shape.generation != rel.generation) {
    // Another generation prepared earlier (this batch, or a transaction applied again):
    // its DDL already ran, so only the shape and statements change here.
    it->second->statements.clear();
    it->second->shape = shape_of(rel);
  }
  return *it->second;
}

}  // namespace walrelay::mysql
