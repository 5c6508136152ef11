// Reading a table's rows from the source and from each destination, and comparing them.
#ifndef WALRELAY_TESTS_CHAOS_DESTINATIONS_H
#define WALRELAY_TESTS_CHAOS_DESTINATIONS_H

#include <optional>
#include <string>

#include "tests/chaos/tables.h"
#include "tests/support/pg_cluster.h"

namespace walrelay::chaos {

/// The MariaDB database walrelay's MySQL sink writes.
inline constexpr const char *kMariaDatabase = "chaos";

/// Rows of a table as read; `error` set when the destination could not be read.
struct ReadResult {
  test::Rows rows;
  std::string error;
};

ReadResult ReadPostgres(test::PgCluster &pg, const TableSpec &table);
ReadResult ReadSqlite(const std::string &path, const TableSpec &table);
ReadResult ReadMariaDb(unsigned port, const TableSpec &table);

/// Runs one query in database `kMariaDatabase` (NULL as nullopt); throws std::runtime_error.
test::Rows MariaDbQuery(unsigned port, const std::string &sql);

/// How a destination's canonical rows differ from the source's.
struct Diff {
  size_t missing = 0;  ///< source rows the destination lacks (as a multiset)
  size_t extra = 0;    ///< destination rows the source lacks
  std::string first;   ///< the first differing rows, for the failure message
  size_t mismatches() const { return missing + extra; }
};

/// Multiset difference of two canonical (sorted) row lists.
Diff Compare(const test::Rows &source, const test::Rows &destination);

}  // namespace walrelay::chaos

#endif  // WALRELAY_TESTS_CHAOS_DESTINATIONS_H
