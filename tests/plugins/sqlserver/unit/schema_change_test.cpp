// table_map, schema_change, type_change and bulk_batch_rows: option parsing, destination
// naming, generation diffs and the DDL they lead to.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dialect.h"
#include "naming.h"
#include "options.h"
#include "table_shape.h"
#include "tests/plugins/common/batch_builder.h"

namespace {

using namespace wrtest_batch;             // NOLINT(google-build-using-namespace)
using namespace walrelay::sqlserver;      // NOLINT(google-build-using-namespace)
using Relation = wrtest_batch::Relation;  // not ::walrelay's
using Entries = std::vector<wr_config_entry>;

SinkOptions parse(Entries extra) {
  Entries e = {{"user", "sa", "f:1:1"}, {"database", "db", "f:2:1"}};
  e.insert(e.end(), extra.begin(), extra.end());
  wr_config cfg{sizeof(wr_config), static_cast<uint32_t>(e.size()), e.data()};
  return SinkOptions::parse(walrelay::sdk::Config(&cfg));
}

/// The WR_INVALID_CONFIG message `extra` is rejected with ("" when accepted).
std::string rejection(Entries extra) {
  try {
    parse(std::move(extra));
  } catch (const walrelay::sdk::Error &err) {
    EXPECT_EQ(err.status(), WR_INVALID_CONFIG);
    return err.what();
  }
  return "";
}

TEST(SchemaOptions, Defaults) {
  const SinkOptions o = parse({});
  EXPECT_FALSE(o.schema_change_fail);
  EXPECT_FALSE(o.type_change_follow);
  EXPECT_TRUE(o.table_map.empty());
  EXPECT_EQ(o.bulk_batch_rows, 10000u);
}

TEST(SchemaOptions, ParsesValues) {
  const SinkOptions o = parse({{"schema_change", "fail", "f:3:1"},
                               {"type_change", "follow", "f:4:1"},
                               {"bulk_batch_rows", "0", "f:5:1"},
                               {"table_map", " public.users = app_users ,sales.o=o2", "f:6:1"}});
  EXPECT_TRUE(o.schema_change_fail);
  EXPECT_TRUE(o.type_change_follow);
  EXPECT_EQ(o.bulk_batch_rows, 0u);
  ASSERT_EQ(o.table_map.size(), 2u);
  EXPECT_EQ(o.table_map.at("public.users"), "app_users");
  EXPECT_EQ(o.table_map.at("sales.o"), "o2");
}

TEST(SchemaOptions, RejectsBadValues) {
  EXPECT_NE(rejection({{"schema_change", "ignore", "f:3:1"}}).find("f:3:1"), std::string::npos);
  EXPECT_NE(rejection({{"type_change", "alter", "f:3:1"}}).find("type_change"), std::string::npos);
  EXPECT_NE(rejection({{"bulk_batch_rows", "-1", "f:3:1"}}).find("bulk_batch_rows"),
            std::string::npos);
  EXPECT_NE(rejection({{"table_map", "users=app_users", "f:3:1"}}).find("schema.table"),
            std::string::npos);
  EXPECT_NE(rejection({{"table_map", "public.a=", "f:3:1"}}).find("table_map"), std::string::npos);
  EXPECT_NE(rejection({{"table_map", "public.a=x,public.a=y", "f:3:1"}}).find("twice"),
            std::string::npos);
}

TEST(SchemaOptions, TwoSourcesOnOneDestinationNamesBoth) {
  // Same schema, same table.
  std::string msg = rejection({{"table_map", "public.a=t,public.b=t", "f:3:1"}});
  EXPECT_NE(msg.find("'public.a'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'public.b'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[dbo].[t]"), std::string::npos) << msg;
  // Different source schemas that schema_map sends to one SQL Server schema; names equal
  // but for ASCII case (SQL Server's usual catalog collations ignore it).
  msg = rejection(
      {{"schema_map", "sales=dbo", "f:3:1"}, {"table_map", "public.a=T,sales.b=t", "f:4:1"}});
  EXPECT_NE(msg.find("'public.a'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'sales.b'"), std::string::npos) << msg;
  // Different destination schemas: accepted.
  EXPECT_EQ(rejection({{"table_map", "public.a=t,sales.b=t", "f:4:1"}}), "");
}

TEST(SchemaNaming, TableMapRenamesAndSchemaFollowsSchemaMap) {
  const std::map<std::string, std::string> schemas = {{"sales", "s2"}};
  const std::map<std::string, std::string> tables = {{"public.users", "app_users"},
                                                     {"sales.orders", "o]2"}};
  EXPECT_EQ(qualified(destination("public", "users", schemas, tables)), "[dbo].[app_users]");
  EXPECT_EQ(qualified(destination("sales", "orders", schemas, tables)), "[s2].[o]]2]");
  EXPECT_EQ(qualified(destination("public", "other", schemas, tables)), "[dbo].[other]");
  EXPECT_EQ(qualified(destination("sales", "users", schemas, tables)), "[s2].[users]");
  Relation r(1, 1, 'd', "public", "users", {{"id", kInt4, true}});
  EXPECT_EQ(TableShape::from_relation(*r.get(), schemas, tables).quoted, "[dbo].[app_users]");
}

TEST(SchemaDiff, AddedDroppedAndRetypedColumns) {
  Relation g1(1, 1, 'd', "public", "t",
              {{"id", kInt4, true},
               {"a", kText},
               {"n", kInt4},
               {"s", kVarchar, false, 14},
               {"m", kText},
               {"d", kNumeric, false, numeric_typmod(10, 2)}});
  Relation g2(1, 2, 'd', "public", "t",
              {{"id", kInt4, true},
               {"n", kInt8},
               {"s", kVarchar, false, 24},
               {"m", kVarchar, false, 5004},  // still NVARCHAR(MAX): not a type change
               {"d", kNumeric, false, numeric_typmod(12, 2)},
               {"b", kText}});
  const TableShape before = TableShape::from_relation(*g1.get(), {});
  const TableShape after = TableShape::from_relation(*g2.get(), {});
  const GenerationDiff d = diff_generations(before, after);
  EXPECT_EQ(d.added, (std::vector<std::string>{"b"}));
  EXPECT_EQ(d.dropped, (std::vector<std::string>{"a"}));
  ASSERT_EQ(d.retyped.size(), 3u);
  EXPECT_EQ(d.retyped[0].column, "n");
  EXPECT_EQ(d.retyped[0].old_type, "int4");
  EXPECT_EQ(d.retyped[0].new_type, "int8");
  EXPECT_EQ(d.retyped[0].old_decl, "INT");
  EXPECT_EQ(d.retyped[0].new_decl, "BIGINT");
  EXPECT_EQ(d.retyped[1].old_type, "varchar(10)");
  EXPECT_EQ(d.retyped[1].new_decl, "NVARCHAR(20)");
  EXPECT_EQ(d.retyped[2].old_type, "numeric(10,2)");
  EXPECT_EQ(d.retyped[2].new_type, "numeric(12,2)");
  EXPECT_EQ(d.retyped[2].new_decl, "DECIMAL(12,2)");
  EXPECT_TRUE(d.columns_changed());
  EXPECT_FALSE(diff_generations(after, after).columns_changed());
  EXPECT_TRUE(diff_generations(after, after).retyped.empty());
  EXPECT_EQ(pg_type_label(9999, -1, ""), "type oid 9999");
  EXPECT_EQ(pg_type_label(9999, -1, "mood"), "mood");
}

TEST(SchemaDdl, SchemaChangeFailThrowsForMissingColumnInsteadOfAdding) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}, {"it's", kText}});
  const TableShape shape = TableShape::from_relation(*r.get(), {});
  EXPECT_EQ(ensure_table_sql(shape, "", true, " (at LSN 0/10); schema_change is 'fail'"),
            "IF OBJECT_ID(N'[dbo].[t]', N'U') IS NULL CREATE TABLE [dbo].[t] ([id] INT NOT NULL, "
            "[it's] NVARCHAR(MAX) NULL, PRIMARY KEY ([id]));\n"
            "IF COL_LENGTH(N'[dbo].[t]', N'id') IS NULL THROW 50001, N'schema change of table "
            "[dbo].[t]: column [id] is missing in SQL Server (at LSN 0/10); schema_change is "
            "''fail''', 1;\n"
            "IF COL_LENGTH(N'[dbo].[t]', N'it''s') IS NULL THROW 50001, N'schema change of table "
            "[dbo].[t]: column [it''s] is missing in SQL Server (at LSN 0/10); schema_change is "
            "''fail''', 1;\n");
}

TEST(SchemaDdl, AlterColumnsToTheNewTypeNullable) {
  Relation r(1, 2, 'd', "public", "t",
             {{"id", kInt4, true}, {"n", kInt8}, {"c]x", kVarchar, false, 24}});
  const TableShape shape = TableShape::from_relation(*r.get(), {});
  EXPECT_EQ(alter_columns_sql(shape, {"n", "c]x", "gone"}, "Latin1_General_100_BIN2"),
            "ALTER TABLE [dbo].[t] ALTER COLUMN [n] BIGINT NULL;\n"
            "ALTER TABLE [dbo].[t] ALTER COLUMN [c]]x] NVARCHAR(20) COLLATE "
            "Latin1_General_100_BIN2 NULL;\n");
  EXPECT_TRUE(shape.in_primary_key(0));
  EXPECT_FALSE(shape.in_primary_key(1));
  Relation full(2, 1, 'f', "public", "f", {{"id", kInt4, true}});
  EXPECT_FALSE(TableShape::from_relation(*full.get(), {}).in_primary_key(0));
}

}  // namespace
