// Publications of the source: what they publish, which published tables cannot replicate
// UPDATE/DELETE, and the DDL `init` / `teardown` run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/ops/pg_session.h"

namespace walrelay::ops {

/// One row of pg_publication and its tables.
struct PublicationInfo {
  std::string name;
  bool all_tables = false;
  bool publishes_update = false;
  bool publishes_delete = false;
  std::vector<std::string> tables;  ///< "schema.table", sorted
};

/// Looks up publication `name`; nullopt when it does not exist. Throws PgError.
std::optional<PublicationInfo> query_publication(PgSession &session, const std::string &name);

/// A published table whose UPDATE/DELETE cannot be replicated: replica identity DEFAULT
/// without a primary key, or NOTHING.
struct IdentityProblem {
  std::string table;     ///< "schema.table"
  std::string identity;  ///< "default, no primary key" | "nothing"
  std::string fix;       ///< the ALTER TABLE ... REPLICA IDENTITY FULL; statement
};

/// The tables of publication `name` that lack a usable replica identity (only when it
/// publishes UPDATE or DELETE; empty otherwise). Throws PgError.
std::vector<IdentityProblem> identity_problems(PgSession &session, const std::string &name);

/// The CREATE PUBLICATION statement `init` runs for `name`: FOR ALL TABLES when
/// source.publication_tables is empty, else FOR TABLE with each name quoted.
std::string create_publication_sql(PgSession &session, const std::string &name,
                                   const SourceConfig &source);

}  // namespace walrelay::ops
