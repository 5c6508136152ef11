// What an initial snapshot copies: the published tables, their columns as pgoutput would
// announce them, and how each table is split into ctid-range chunks.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace walrelay::snapshot {

/// A failure reading the catalog or copying (message names the table and the server's
/// error). `retryable` for connection loss.
class SnapshotError : public std::runtime_error {
 public:
  SnapshotError(const std::string &msg, bool retryable)
      : std::runtime_error(msg), retryable_(retryable) {}
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

/// One column as the pgoutput Relation message describes it (PostgreSQL docs, "Logical
/// Replication Message Formats", Relation): dropped and generated columns are left out,
/// and with a publication column list (PostgreSQL 15+) only the listed ones remain.
struct ColumnInfo {
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  bool key = false;         ///< part of the replica identity (all columns for FULL)
  std::string type_schema;  ///< for types with OID >= 10000 (pgoutput sends a Type message)
  std::string type_name;
};

/// One published table.
struct TableInfo {
  uint32_t oid = 0;
  std::string schema, name;
  char relkind = 'r';           ///< 'r' table, 'p' partitioned (copied as one chunk)
  char replica_identity = 'd';  ///< pg_class.relreplident
  std::vector<ColumnInfo> columns;
  std::string row_filter;     ///< publication row filter (PostgreSQL 15+); "" = none
  uint64_t heap_pages = 0;    ///< pg_relation_size / block size, when planned
  double estimated_rows = 0;  ///< pg_class.reltuples (-1 or 0 when never analyzed)
  std::string qualified() const { return schema + "." + name; }
};

/// One unit of copying: the rows of `table` whose ctid page lies in [first_page,
/// end_page); end_page 0 = no upper bound (the table's last chunk takes pages added
/// meanwhile); a table without pages or a partitioned one has one unbounded chunk.
struct Chunk {
  size_t table = 0;  ///< index into the plan's tables
  uint64_t first_page = 0;
  uint64_t end_page = 0;
  bool whole = false;  ///< no ctid condition at all
};

struct Plan {
  std::vector<TableInfo> tables;
  std::vector<Chunk> chunks;  ///< largest tables' chunks first
};

/// Reads the tables of `publications` and their columns on `conn` (which should already
/// see the snapshot to copy) and splits them into chunks of about `chunk_bytes` of heap.
/// Throws SnapshotError.
Plan plan_snapshot(PGconn *conn, const std::vector<std::string> &publications,
                   uint64_t chunk_bytes);

/// The SELECT that a COPY of `chunk` runs: the columns in order, the ctid range, the row
/// filter. Identifiers are quoted with PQescapeIdentifier on `conn`.
std::string chunk_query(PGconn *conn, const TableInfo &table, const Chunk &chunk);

}  // namespace walrelay::snapshot
