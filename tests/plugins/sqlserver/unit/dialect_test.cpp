// The exact T-SQL the sink generates: DDL, INSERT/UPDATE/DELETE/TRUNCATE under replica
// identity default and full, checkpoint statements.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "checkpoint.h"
#include "dialect.h"
#include "tests/plugins/common/batch_builder.h"

namespace {

using namespace wrtest_batch;  // NOLINT(google-build-using-namespace)
using walrelay::sqlserver::Params;
using walrelay::sqlserver::ParamType;
using walrelay::sqlserver::TableShape;

TableShape shape_of(const Relation &r) { return TableShape::from_relation(*r.get(), {}); }

/// "@p1 BIGINT 5 | @p2 NVARCHAR(MAX) 'x' | @p3 VARBINARY(MAX) 0x00FF": declaration and value.
std::string params_text(const Params &params) {
  std::string out;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto &p = params.list()[i];
    if (i) out += " | ";
    out += params.name(i) + " " + p.decl + " ";
    switch (p.type) {
      case ParamType::BigInt: {
        int64_t v;
        std::memcpy(&v, p.data.data(), 8);
        out += std::to_string(v);
        break;
      }
      case ParamType::Float: {
        double v;
        std::memcpy(&v, p.data.data(), 8);
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        out += buf;
        break;
      }
      case ParamType::Bit:
        out += p.data == std::string(1, '\1') ? "1" : p.data == std::string(1, '\0') ? "0" : "?";
        break;
      case ParamType::NVarChar:
        out += "'" + p.data + "'";
        break;
      case ParamType::VarBinary: {
        static const char kHex[] = "0123456789ABCDEF";
        out += "0x";
        for (unsigned char c : p.data) {
          out += kHex[c >> 4];
          out += kHex[c & 15];
        }
        break;
      }
    }
  }
  return out;
}

TEST(Dialect, CreateTableWithPrimaryKey) {
  Relation r(
      1, 1, 'd', "public", "users",
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
  Params params(3);  // numbered after 3 parameters already in the batch
  EXPECT_EQ(walrelay::sqlserver::insert_sql(shape_of(r), rows, true, special, params),
            "INSERT INTO [dbo].[t] ([id], [s], [b]) VALUES\n"
            "(@p4, @p5, @p6),\n(@p7, NULL, 0x);\n");
  EXPECT_EQ(params_text(params),
            "@p4 BIGINT 1 | @p5 NVARCHAR(MAX) 'it's \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80' | "
            "@p6 VARBINARY(MAX) 0x00FF | @p7 BIGINT 2");
  EXPECT_EQ(params.declaration(), "@p4 BIGINT, @p5 NVARCHAR(MAX), @p6 VARBINARY(MAX), @p7 BIGINT");
  EXPECT_EQ(params.data_bytes(), 8u + 15u + 2u + 8u);  // "it's été 😀": 15 bytes
}

TEST(Dialect, UpdateDefaultIdentitySkipsUnchangedToast) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}, {"big", kText}});
  BatchBuilder b;
  b.update(r, WR_OLD_NONE, {}, {T("7"), T("x"), U});
  const wr_batch &batch = b.build();
  bool special = false;
  Params params;
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[0], "boom",
                                                true, special, params),
            "UPDATE [dbo].[t] SET [id] = @p1, [s] = @p2 WHERE [id] = @p3;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, @p4, 1;\n");
  EXPECT_EQ(params_text(params),
            "@p1 BIGINT 7 | @p2 NVARCHAR(MAX) 'x' | @p3 BIGINT 7 | @p4 NVARCHAR(2048) 'boom'");
}

TEST(Dialect, UpdateWithOldKeyUsesOldKey) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}});
  BatchBuilder b;
  b.update(r, WR_OLD_KEY, {T("1"), N}, {T("2"), T("y")});
  const wr_batch &batch = b.build();
  bool special = false;
  Params params;
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[0], "m", true,
                                                special, params),
            "UPDATE [dbo].[t] SET [id] = @p1, [s] = @p2 WHERE [id] = @p3;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, @p4, 1;\n");
  EXPECT_EQ(params_text(params),
            "@p1 BIGINT 2 | @p2 NVARCHAR(MAX) 'y' | @p3 BIGINT 1 | @p4 NVARCHAR(2048) 'm'");
}

TEST(Dialect, UpdateAndDeleteFullIdentityMatchEveryOldColumn) {
  Relation r(1, 1, 'f', "public", "t", {{"a", kInt4, true}, {"s", kText, true}});
  BatchBuilder b;
  b.update(r, WR_OLD_FULL, {T("1"), N}, {T("1"), T("o'k")});
  b.del(r, WR_OLD_FULL, {T("1"), T("o'k")});
  const wr_batch &batch = b.build();
  bool special = false;
  Params params;
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[0],
                                                "it's gone", true, special, params),
            "UPDATE TOP (1) [dbo].[t] SET [a] = @p1, [s] = @p2 WHERE [a] = @p3 AND [s] IS NULL;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, @p4, 1;\n");
  EXPECT_EQ(params_text(params),
            "@p1 BIGINT 1 | @p2 NVARCHAR(MAX) 'o'k' | @p3 BIGINT 1 | @p4 NVARCHAR(2048) 'it's "
            "gone'");
  Params params2(4);
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[1], "m", true,
                                                special, params2),
            "DELETE TOP (1) FROM [dbo].[t] WHERE [a] = @p5 AND [s] = @p6;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, @p7, 1;\n");
  EXPECT_EQ(params_text(params2),
            "@p5 BIGINT 1 | @p6 NVARCHAR(MAX) 'o'k' | @p7 NVARCHAR(2048) 'm'");
}

TEST(Dialect, DeleteDefaultIdentityAndTruncate) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt8, true}, {"s", kText}});
  BatchBuilder b;
  b.del(r, WR_OLD_KEY, {T("-9"), N});
  const wr_batch &batch = b.build();
  bool special = false;
  Params params;
  EXPECT_EQ(walrelay::sqlserver::row_change_sql(shape_of(r), *batch.txns[0]->changes[0], "m", true,
                                                special, params),
            "DELETE FROM [dbo].[t] WHERE [id] = @p1;\nIF @@ROWCOUNT <> 1 THROW 50001, @p2, 1;\n");
  EXPECT_EQ(params_text(params), "@p1 BIGINT -9 | @p2 NVARCHAR(2048) 'm'");
  EXPECT_EQ(walrelay::sqlserver::truncate_sql(shape_of(r)), "TRUNCATE TABLE [dbo].[t];\n");
}

TEST(Dialect, SpecialFloatsNullOrThrow) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}, {"f", kFloat8}});
  BatchBuilder b;
  b.insert(r, {T("1"), T("NaN")});
  const wr_batch &batch = b.build();
  std::vector<const wr_value *> rows = {batch.txns[0]->changes[0]->new_values};
  bool special = false;
  Params params;
  EXPECT_EQ(walrelay::sqlserver::insert_sql(shape_of(r), rows, true, special, params),
            "INSERT INTO [dbo].[t] ([id], [f]) VALUES\n(@p1, NULL);\n");
  EXPECT_EQ(params_text(params), "@p1 BIGINT 1");
  EXPECT_TRUE(special);
  EXPECT_THROW(walrelay::sqlserver::insert_sql(shape_of(r), rows, false, special, params),
               walrelay::sqlserver::ValueError);
}

TEST(Dialect, MalformedIntegerIsRefusedNotConcatenated) {
  Relation r(1, 1, 'd', "public", "t", {{"id", kInt4, true}});
  BatchBuilder b;
  b.insert(r, {T("1); DROP TABLE x; --")});
  const wr_batch &batch = b.build();
  std::vector<const wr_value *> rows = {batch.txns[0]->changes[0]->new_values};
  bool special = false;
  Params params;
  EXPECT_THROW(walrelay::sqlserver::insert_sql(shape_of(r), rows, true, special, params),
               walrelay::sqlserver::ValueError);
}

TEST(Dialect, TypedParametersForEveryValueClass) {
  Relation r(1, 1, 'd', "public", "z",
             {{"b", kBool},
              {"f", kFloat4},
              {"n", kNumeric, false, numeric_typmod(10, 3)},
              {"x", 5069},
              {"d", kDate},
              {"ts", kTimestamp},
              {"tz", kTimestamptz},
              {"a", kInt4Array},
              {"e", kText}});
  BatchBuilder b;
  b.insert(r, {T("f"), T("1.5"), T("-0.125"), T("18446744073709551615"), T("2024-02-29"),
               T("2024-02-29 23:59:59.999999"), T("2024-01-01 00:30:00-01"), T("{1,NULL}"), T("")});
  const wr_batch &batch = b.build();
  bool special = false;
  Params params;
  EXPECT_EQ(walrelay::sqlserver::insert_sql(shape_of(r), {batch.txns[0]->changes[0]->new_values},
                                            true, special, params),
            "INSERT INTO [dbo].[z] ([b], [f], [n], [x], [d], [ts], [tz], [a], [e]) VALUES\n"
            "(@p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, N'');\n");
  EXPECT_EQ(params_text(params),
            "@p1 BIT 0 | @p2 FLOAT 1.5 | @p3 NVARCHAR(MAX) '-0.125' | "
            "@p4 NVARCHAR(MAX) '18446744073709551615' | @p5 NVARCHAR(MAX) '2024-02-29' | "
            "@p6 NVARCHAR(MAX) '2024-02-29 23:59:59.999999' | "
            "@p7 NVARCHAR(MAX) '2024-01-01 01:30:00+00:00' | @p8 NVARCHAR(MAX) '[1,null]'");
}

TEST(Dialect, BulkValuesPerHostType) {
  using walrelay::sqlserver::bulk_host;
  using walrelay::sqlserver::bulk_value;
  using walrelay::sqlserver::BulkHost;
  Relation r(1, 1, 'd', "public", "z",
             {{"i", kInt4},
              {"s", kText},
              {"c", kBpchar, false, 8},
              {"f", kFloat8},
              {"b", kBool},
              {"y", kBytea},
              {"tz", kTimestamptz},
              {"n", kNumeric, false, numeric_typmod(10, 3)},
              {"t", kTime}});
  const TableShape shape = shape_of(r);
  const auto host = [&](size_t i) { return bulk_host(shape.columns[i].type); };
  EXPECT_EQ(host(0), BulkHost::Char);
  EXPECT_EQ(host(1), BulkHost::Utf16);
  EXPECT_EQ(host(2), BulkHost::Utf16);  // NCHAR(4)
  EXPECT_EQ(host(3), BulkHost::Float8);
  EXPECT_EQ(host(4), BulkHost::Bit);
  EXPECT_EQ(host(5), BulkHost::Binary);
  EXPECT_EQ(host(6), BulkHost::Char);
  EXPECT_EQ(host(7), BulkHost::Char);
  EXPECT_EQ(host(8), BulkHost::Char);  // TIME(6): FreeTDS converts the text
  BatchBuilder b;
  b.insert(r, {T("-7"), T("\xC3\xA9\xF0\x9F\x98\x80"), T(""), T("NaN"), T("t"), T("\\x0a"),
               T("2024-01-01 00:30:00-01"), N, T("12:00:00.5")});
  const wr_value *v = b.build().txns[0]->changes[0]->new_values;
  bool special = false;
  std::string out;
  EXPECT_TRUE(bulk_value(shape.columns[0], v[0], true, special, out));
  EXPECT_EQ(out, "-7");
  EXPECT_TRUE(bulk_value(shape.columns[1], v[1], true, special, out));
  EXPECT_EQ(out, std::string("\xE9\0\x3D\xD8\x00\xDE", 6));
  EXPECT_TRUE(bulk_value(shape.columns[2], v[2], true, special, out));
  EXPECT_EQ(out, "");  // empty: cannot go through bcp
  EXPECT_FALSE(special);
  EXPECT_FALSE(bulk_value(shape.columns[3], v[3], true, special, out));  // NaN -> NULL
  EXPECT_TRUE(special);
  EXPECT_THROW(bulk_value(shape.columns[3], v[3], false, special, out),
               walrelay::sqlserver::ValueError);
  EXPECT_TRUE(bulk_value(shape.columns[4], v[4], true, special, out));
  EXPECT_EQ(out, std::string(1, '\1'));
  EXPECT_TRUE(bulk_value(shape.columns[5], v[5], true, special, out));
  EXPECT_EQ(out, "\n");
  EXPECT_TRUE(bulk_value(shape.columns[6], v[6], true, special, out));
  EXPECT_EQ(out, "2024-01-01 01:30:00");  // UTC, offset left out for FreeTDS
  EXPECT_FALSE(bulk_value(shape.columns[7], v[7], true, special, out));
  EXPECT_TRUE(bulk_value(shape.columns[8], v[8], true, special, out));
  EXPECT_EQ(out, "12:00:00.5");
}

TEST(Dialect, BulkMaxBytes) {
  using walrelay::sqlserver::bulk_max_bytes;
  using walrelay::sqlserver::map_type;
  EXPECT_EQ(bulk_max_bytes(map_type(kText, -1, true, false)), 900u);  // NVARCHAR(450)
  EXPECT_EQ(bulk_max_bytes(map_type(kText, -1, false, false)), 0u);   // NVARCHAR(MAX)
  EXPECT_EQ(bulk_max_bytes(map_type(kBpchar, 8, false, false)), 8u);  // NCHAR(4)
  EXPECT_EQ(bulk_max_bytes(map_type(kBytea, -1, true, false)), 900u);
  EXPECT_EQ(bulk_max_bytes(map_type(kBytea, -1, false, false)), 0u);
  EXPECT_EQ(bulk_max_bytes(map_type(kInt4, -1, false, false)), 0u);
}

TEST(Dialect, Utf16leEncodesSurrogatesAndReplacesInvalidBytes) {
  EXPECT_EQ(walrelay::sqlserver::utf16le("a\xE4\xB8\xAD"), std::string("a\0\x2D\x4E", 4));
  EXPECT_EQ(walrelay::sqlserver::utf16le("\xF0\x9F\x98\x80"), std::string("\x3D\xD8\x00\xDE", 4));
  EXPECT_EQ(walrelay::sqlserver::utf16le("\xFF"), std::string("\xFD\xFF", 2));
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
