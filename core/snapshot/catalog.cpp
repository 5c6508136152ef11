#include "core/snapshot/catalog.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace walrelay::snapshot {

namespace {

struct ResultDeleter {
  void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

Result query(PGconn *conn, const std::string &sql, const std::vector<std::string> &params,
             const std::string &what) {
  std::vector<const char *> values;
  for (const auto &p : params) values.push_back(p.c_str());
  Result r(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                        nullptr, nullptr, 0));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    std::string msg = what + " failed: " +
                      (r ? std::string(PQresultErrorMessage(r.get())) : PQerrorMessage(conn));
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw SnapshotError(msg, PQstatus(conn) != CONNECTION_OK);
  }
  return r;
}

std::string value(const Result &r, int row, int col) {
  return PQgetisnull(r.get(), row, col) ? std::string() : PQgetvalue(r.get(), row, col);
}

// "{a,"b c"}" (a name[] in text form) -> {"a", "b c"}.
std::set<std::string> parse_name_array(const std::string &text) {
  std::set<std::string> out;
  if (text.size() < 2) return out;
  std::string cur;
  bool quoted = false, any = false;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\' && i + 2 < text.size())
        cur.push_back(text[++i]);
      else if (c == '"')
        quoted = false;
      else
        cur.push_back(c);
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      out.insert(cur);
      cur.clear();
      any = false;
    } else {
      cur.push_back(c);
      any = true;
    }
  }
  if (any || !cur.empty()) out.insert(cur);
  return out;
}

std::string ident(PGconn *conn, const std::string &s) {
  char *q = PQescapeIdentifier(conn, s.data(), s.size());
  if (q == nullptr) throw SnapshotError("cannot quote identifier '" + s + "'", false);
  std::string out = q;
  PQfreemem(q);
  return out;
}

}  // namespace

Plan plan_snapshot(PGconn *conn, const std::vector<std::string> &publications,
                   uint64_t chunk_bytes) {
  const bool pg15 = PQserverVersion(conn) >= 150000;
  // Tables of every publication; a table in several publications is copied once, with
  // the union of their column lists and the OR of their row filters (none if any has none),
  // which is what pgoutput applies.
  struct Published {
    std::string schema, name;
    bool all_columns = false, unfiltered = false;
    std::set<std::string> columns;
    std::vector<std::string> filters;
  };
  std::map<std::pair<std::string, std::string>, Published> published;
  const std::string sql = std::string("SELECT schemaname, tablename, ") +
                          (pg15 ? "attnames::text, rowfilter" : "NULL::text, NULL::text") +
                          " FROM pg_catalog.pg_publication_tables WHERE pubname = $1";
  for (const auto &pub : publications) {
    Result r = query(conn, sql, {pub}, "listing the tables of publication '" + pub + "'");
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      auto &p = published[{value(r, i, 0), value(r, i, 1)}];
      p.schema = value(r, i, 0);
      p.name = value(r, i, 1);
      if (PQgetisnull(r.get(), i, 2))
        p.all_columns = true;
      else
        for (const auto &c : parse_name_array(value(r, i, 2))) p.columns.insert(c);
      if (PQgetisnull(r.get(), i, 3))
        p.unfiltered = true;
      else
        p.filters.push_back(value(r, i, 3));
    }
  }

  Plan plan;
  Result bs = query(conn, "SELECT current_setting('block_size')::int8", {}, "reading block_size");
  const uint64_t block_size = std::stoull(value(bs, 0, 0));
  const uint64_t chunk_pages = std::max<uint64_t>(1, chunk_bytes / block_size);
  for (const auto &[key, p] : published) {
    TableInfo t;
    t.schema = p.schema;
    t.name = p.name;
    Result c = query(conn,
                     "SELECT c.oid, c.relkind, c.relreplident, "
                     "pg_catalog.pg_relation_size(c.oid), c.reltuples "
                     "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                     "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                     {t.schema, t.name}, "reading table " + t.qualified());
    if (PQntuples(c.get()) != 1) continue;  // dropped meanwhile
    t.oid = static_cast<uint32_t>(std::stoul(value(c, 0, 0)));
    t.relkind = value(c, 0, 1).empty() ? 'r' : value(c, 0, 1)[0];
    t.replica_identity = value(c, 0, 2).empty() ? 'd' : value(c, 0, 2)[0];
    t.heap_pages = std::stoull(value(c, 0, 3)) / block_size;
    t.estimated_rows = std::stod(value(c, 0, 4));
    if (!p.unfiltered && !p.filters.empty()) {
      for (size_t i = 0; i < p.filters.size(); ++i)
        t.row_filter += (i ? " OR " : "") + std::string("(") + p.filters[i] + ")";
    }
    // Key columns as pgoutput flags them: every column for FULL, the replica identity
    // index's (the primary key's for DEFAULT) otherwise, none for NOTHING.
    Result a = query(
        conn,
        "SELECT a.attname, a.atttypid, a.atttypmod, tn.nspname, t.typname, "
        "a.attnum = ANY(COALESCE((SELECT i.indkey::int2[] FROM pg_catalog.pg_index i "
        "  WHERE i.indrelid = a.attrelid AND CASE c.relreplident WHEN 'i' THEN i.indisreplident "
        "  WHEN 'd' THEN i.indisprimary ELSE false END LIMIT 1), '{}'::int2[])) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace "
        "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped " +
            std::string(PQserverVersion(conn) >= 120000 ? "AND a.attgenerated = '' " : "") +
            "ORDER BY a.attnum",
        {std::to_string(t.oid)}, "reading the columns of " + t.qualified());
    for (int i = 0; i < PQntuples(a.get()); ++i) {
      ColumnInfo col;
      col.name = value(a, i, 0);
      if (!p.all_columns && !p.columns.count(col.name)) continue;
      col.type_oid = static_cast<uint32_t>(std::stoul(value(a, i, 1)));
      col.typmod = std::stoi(value(a, i, 2));
      if (col.type_oid >= 10000) {  // FirstGenbkiObjectId: pgoutput names such types
        col.type_schema = value(a, i, 3);
        col.type_name = value(a, i, 4);
      }
      col.key = t.replica_identity == 'f' || value(a, i, 5) == "t";
      t.columns.push_back(std::move(col));
    }
    plan.tables.push_back(std::move(t));
  }
  // Largest tables first so that the long chunks start early.
  std::stable_sort(
      plan.tables.begin(), plan.tables.end(),
      [](const TableInfo &a, const TableInfo &b) { return a.heap_pages > b.heap_pages; });
  for (size_t i = 0; i < plan.tables.size(); ++i) {
    const TableInfo &t = plan.tables[i];
    if (t.relkind != 'r' || t.heap_pages <= chunk_pages) {
      plan.chunks.push_back({i, 0, 0, true});
      continue;
    }
    for (uint64_t first = 0; first < t.heap_pages; first += chunk_pages) {
      const bool last = first + chunk_pages >= t.heap_pages;
      plan.chunks.push_back({i, first, last ? 0 : first + chunk_pages, false});
    }
  }
  return plan;
}

std::string chunk_query(PGconn *conn, const TableInfo &table, const Chunk &chunk) {
  std::string cols;
  for (const auto &c : table.columns) cols += (cols.empty() ? "" : ", ") + ident(conn, c.name);
  std::string sql = "SELECT " + cols + " FROM " + (table.relkind == 'r' ? "ONLY " : "") +
                    ident(conn, table.schema) + "." + ident(conn, table.name);
  std::vector<std::string> where;
  if (!chunk.whole) {
    where.push_back("ctid >= '(" + std::to_string(chunk.first_page) + ",0)'::pg_catalog.tid");
    if (chunk.end_page)
      where.push_back("ctid < '(" + std::to_string(chunk.end_page) + ",0)'::pg_catalog.tid");
  }
  if (!table.row_filter.empty()) where.push_back("(" + table.row_filter + ")");
  for (size_t i = 0; i < where.size(); ++i) sql += (i ? " AND " : " WHERE ") + where[i];
  return sql;
}

}  // namespace walrelay::snapshot
