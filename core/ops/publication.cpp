// Publication catalog queries and DDL.
#include "core/ops/publication.h"

namespace walrelay::ops {

std::optional<PublicationInfo> query_publication(PgSession &session, const std::string &name) {
  const PgRows p = session.query(
      "SELECT puballtables, pubupdate, pubdelete FROM pg_catalog.pg_publication "
      "WHERE pubname = $1",
      {name});
  if (p.empty()) return std::nullopt;
  PublicationInfo info;
  info.name = name;
  info.all_tables = p[0][0].value_or("") == "t";
  info.publishes_update = p[0][1].value_or("") == "t";
  info.publishes_delete = p[0][2].value_or("") == "t";
  for (const auto &r : session.query("SELECT schemaname || '.' || tablename "
                                     "FROM pg_catalog.pg_publication_tables "
                                     "WHERE pubname = $1 ORDER BY 1",
                                     {name}))
    info.tables.push_back(r[0].value_or(""));
  return info;
}

std::vector<IdentityProblem> identity_problems(PgSession &session, const std::string &name) {
  const PgRows rows = session.query(
      "SELECT DISTINCT pt.schemaname, pt.tablename, c.relreplident, "
      "EXISTS (SELECT 1 FROM pg_catalog.pg_index i "
      "        WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk "
      "FROM pg_catalog.pg_publication p "
      "JOIN pg_catalog.pg_publication_tables pt ON pt.pubname = p.pubname "
      "JOIN pg_catalog.pg_namespace n ON n.nspname = pt.schemaname "
      "JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename "
      "WHERE p.pubname = $1 AND (p.pubupdate OR p.pubdelete) "
      "ORDER BY 1, 2",
      {name});
  std::vector<IdentityProblem> out;
  for (const auto &r : rows) {
    const std::string schema = r[0].value_or(""), table = r[1].value_or("");
    const std::string ident = r[2].value_or("");
    const bool has_pk = r[3].value_or("") == "t";
    IdentityProblem p;
    if (ident == "n")
      p.identity = "replica identity NOTHING";
    else if (ident == "d" && !has_pk)
      p.identity = "no primary key and replica identity DEFAULT";
    else
      continue;
    p.table = schema + "." + table;
    p.fix = "ALTER TABLE " + session.ident(schema) + "." + session.ident(table) +
            " REPLICA IDENTITY FULL;  (or add a primary key)";
    out.push_back(std::move(p));
  }
  return out;
}

std::string create_publication_sql(PgSession &session, const std::string &name,
                                   const SourceConfig &source) {
  std::string sql = "CREATE PUBLICATION " + session.ident(name);
  if (source.publication_tables.empty()) return sql + " FOR ALL TABLES";
  sql += " FOR TABLE ";
  for (size_t i = 0; i < source.publication_tables.size(); ++i)
    sql += (i ? ", " : "") + quote_table_name(session, source.publication_tables[i]);
  return sql;
}

}  // namespace walrelay::ops
