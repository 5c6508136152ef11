// The exact T-SQL the sink generates: DDL, INSERT/UPDATE/DELETE/TRUNCATE under replica
// identity default and full, checkpoint statements.
#include <gtest/gtest.h>

#include "checkpoint.h"
#include "dialect.h"
#include "tests/plugins/common/batch_builder.h"

namespace {

using namespace wrtest_batch;  // NOLINT(google-build-using-namespace)
using walrelay::sqlserver::TableShape;

TableShape shape_of(const Relation &r) { return TableShape::from_relation(*r.get(), {}); }

TEST(Dialect, CreateTableWithPrimaryKey) {
  Relation r(1, 1, 'd', "public", "users",
             {{"id", kInt4, true}, {"name", kText}, {"price", kNumeric, false, numeric_typmod(12, 2)}});
  EXPECT_EQ(walrelay::sqlserver::create_table_sql(shape_of(r), "Latin1_General_100_BIN2"),
            "CREATE TABLE [dbo].[users] ([id] INT NOT NULL, [name] NVARCHAR(MAX) COLLATE "
            "Latin1_General_100_BIN2 NULL, [price] DECIMAL(12,2) NULL, PRIMARY KEY ([id]))");
}

TEST(Dialect, CreateTableFullIdentityHasNoPrimaryKey) {
  Relation r(1, 1, 'f', "public", "log", {{"a", kInt8, true}, {"b", kText, true}});
  EXPECT_EQ(walrelay::sqlserver::create_table_sql(shape_of(r), ""),
            "CREATE TABLE [dbo].[log] ([a] BIGINT NULL, [b] NVARCHAR(MAX) NULL)");
}

TEST(Dialect, EnsureTableInOtherSchemaIsIdempotentDdl) {
  Relation r(1, 1, 'd', "sales", "o]rders", {{"id", kInt4, true}, {"note", kVarchar, false, 24}});
  EXPECT_EQ(walrelay::sqlserver::ensure_table_sql(shape_of(r), "", true),
            "IF SCHEMA_ID(N'sales') IS NULL EXEC(N'CREATE SCHEMA [sales]');\n"
            "IF OBJECT_ID(N'[sales].[o]]rders]', N'U') IS NULL CREATE TABLE [sales].[o]]rders] "
            "([id] INT NOT NULL, [note] NVARCHAR(20) NULL, PRIMARY KEY ([id]));\n"
            "IF COL_LENGTH(N'[sales].[o]]rders]', N'id') IS NULL ALTER TABLE [sales].[o]]rders] "
            "ADD [id] INT NULL;\n"
            "IF COL_LENGTH(N'[sales].[o]]rders]', N'note') IS NULL ALTER TABLE [sales].[o]]rders] "
            "ADD [note] NVARCHAR(20) NULL;\n");
}

TEST(Dialect, EnsureTableWithoutCreateThrows) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}});
  EXPECT_EQ(walrelay::sqlserver::ensure_table_sql(shape_of(r), "", false),
            "IF OBJECT_ID(N'[dbo].[t]', N'U') IS NULL THROW 50001, N'table [dbo].[t] does not "
            "exist (create_tables is false)', 1;\n"
            "IF COL_LENGTH(N'[dbo].[t]', N'id') IS NULL THROW 50001, N'table [dbo].[t] has no "
            "column [id] (create_tables is false)', 1;\n");
}

TEST(Dialect, InsertRowsWithUnicodeQuotesAndNull) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}, {"b", kBytea}});
  BatchBuilder b;
  b.insert(r, {T("1"), T("it's \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"), T("\\x00ff")});
  b.insert(r, {T("2"), N, T("\\x")});
  const wr_batch &batch = b.build();
  std::vector<const wr_value *> rows = {batch.txns[0]->changes[0]->new_values,
                                        batch.txns[0]->changes[1]->new_values};
  bool special = false;
  EXPECT_EQ(walrelay::sqlserver::insert_sql(shape_of(r), rows, true, special),
            "INSERT INTO [dbo].[t] ([id], [s], [b]) VALUES\n"
            "(1, N'it''s \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80', 0x00FF),\n(2, NULL, 0x);\n");
}

TEST(Dialect, UpdateDefaultIdentitySkipsUnchangedToast) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}, {"big", kText}});
  BatchBuilder b;
  b.update(r, WR_OLD_NONE, {}, {T("7"), T("x"), U});
  const wr_batch &batch = b.build();
  bool special = false;
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[0], "boom",
                                                true, special),
            "UPDATE [dbo].[t] SET [id] = 7, [s] = N'x' WHERE [id] = 7;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, N'boom', 1;\n");
}

TEST(Dialect, UpdateWithOldKeyUsesOldKey) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}});
  BatchBuilder b;
  b.update(r, WR_OLD_KEY, {T("1"), N}, {T("2"), T("y")});
  const wr_batch &batch = b.build();
  bool special = false;
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[0], "m",
                                                true, special),
            "UPDATE [dbo].[t] SET [id] = 2, [s] = N'y' WHERE [id] = 1;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, N'm', 1;\n");
}

TEST(Dialect, UpdateAndDeleteFullIdentityMatchEveryOldColumn) {
  Relation r(1, 1, 'f', "public", "t", {{"a", kInt4, true}, {"s", kText, true}});
  BatchBuilder b;
  b.update(r, WR_OLD_FULL, {T("1"), N}, {T("1"), T("o'k")});
  b.del(r, WR_OLD_FULL, {T("1"), T("o'k")});
  const wr_batch &batch = b.build();
  bool special = false;
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[0],
                                                "it's gone", true, special),
            "UPDATE TOP (1) [dbo].[t] SET [a] = 1, [s] = N'o''k' WHERE [a] = 1 AND [s] IS NULL;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, N'it''s gone', 1;\n");
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[1], "m",
                                                true, special),
            "DELETE TOP (1) FROM [dbo].[t] WHERE [a] = 1 AND [s] = N'o''k';\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, N'm', 1;\n");
}

TEST(Dialect, DeleteDefaultIdentityAndTruncate) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt8, true}, {"s", kText}});
  BatchBuilder b;
  b.del(r, WR_OLD_KEY, {T("-9"), N});
  const wr_batch &batch = b.build();
  bool special = false;
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[0], "m",
                                                true, special),
            "DELETE FROM [dbo].[t] WHERE [id] = -9;\nIF @@ROWCOUNT <> 1 THROW 50001, N'm', 1;\n");
  EXPECT_EQ(walrelay::sqlserver::truncate_sql(shape_of(r)), "TRUNCATE TABLE [dbo].[t];\n");
}

TEST(Dialect, SpecialFloatsNullOrThrow) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}, {"f", kFloat8}});
  BatchBuilder b;
  b.insert(r, {T("1"), T("NaN")});
  const wr_batch &batch = b.build();
  std::vector<const wr_value *> rows = {batch.txns[0]->changes[0]->new_values};
  bool special = false;
  EXPECT_EQ(walrelay::sqlserver::insert_sql(shape_of(r), rows, true, special),
            "INSERT INTO [dbo].[t] ([id], [f]) VALUES\n(1, NULL);\n");
  EXPECT_TRUE(special);
  EXPECT_THROW(walrelay::sqlserver::insert_sql(shape_of(r), rows, false, special),
               walrelay::sqlserver::ValueError);
}

TEST(Dialect, MalformedIntegerIsRefusedNotConcatenated) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}});
  BatchBuilder b;
  b.insert(r, {T("1); DROP TABLE x; --")});
  const wr_batch &batch = b.build();
  std::vector<const wr_value *> rows = {batch.txns[0]->changes[0]->new_values};
  bool special = false;
  EXPECT_THROW(walrelay::sqlserver::insert_sql(shape_of(r), rows, true, special),
               walrelay::sqlserver::ValueError);
}

TEST(Dialect, CheckpointStatements) {
  EXPECT_EQ(walrelay::sqlserver::checkpoint_load_sql("re'p", true),
            "BEGIN TRANSACTION;\nSELECT end_lsn FROM [dbo].[walrelay_checkpoint] WITH (UPDLOCK, "
            "HOLDLOCK) WHERE sink = N're''p';");
  EXPECT_EQ(walrelay::sqlserver::checkpoint_store_commit_sql("r", 0x100000010ULL, 5, 6),
            "UPDATE [dbo].[walrelay_checkpoint] SET end_lsn = 4294967312, end_lsn_text = "
            "'1/10', commit_time_us = 5, updated_at_us = 6 WHERE sink = N'r';\n"
            "IF @@ROWCOUNT = 0 INSERT INTO [dbo].[walrelay_checkpoint] (sink, end_lsn, "
            "end_lsn_text, commit_time_us, updated_at_us) VALUES (N'r', 4294967312, '1/10', 5, "
            "6);\nCOMMIT TRANSACTION;");
}

TEST(Dialect, Utf8PrefixCutsOnCharacterBoundary) {
  EXPECT_EQ(walrelay::sqlserver::utf8_prefix("ab\xC3\xA9", 3), "ab...");
  EXPECT_EQ(walrelay::sqlserver::utf8_prefix("abc", 3), "abc");
}

}  // namespace
