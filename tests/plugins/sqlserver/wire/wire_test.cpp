// The plugin's real FreeTDS db-lib path against tds_responder.h: the exact statements and
// sp_executesql parameters (types, values, UTF-16LE bytes), bulk copies (insert bulk, the
// rows of the bulk-load message), the checkpoint inside the transaction, WR_RETRY after
// injected errors and dropped connections, WR_FATAL naming table, key and LSN for
// constraint violations, table filters, dropped columns, table_map, schema_change,
// type_change and bcp batches (bulk_batch_rows).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "tests/plugins/sqlserver/plugin_loader.h"
#include "tests/plugins/sqlserver/tds_responder.h"

namespace wrsqlserver {
namespace {

/// Points FreeTDS at a private config (no system freetds.conf needed): TDS 7.4, no TLS.
void configure_freetds() {
  static bool done = false;
  if (done) return;
  done = true;
  const std::string path = ::testing::TempDir() + "walrelay-sqlserver-freetds.conf";
  FILE *f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("[global]\n\ttds version = 7.4\n\tencryption = off\n\tclient charset = UTF-8\n", f);
  std::fclose(f);
  setenv("FREETDSCONF", path.c_str(), 1);
  setenv("TDSVER", "7.4", 1);
}

class SqlServerWire : public ::testing::Test {
 protected:
  void SetUp() override {
    configure_freetds();
    ASSERT_NE(plugin(), nullptr);
    server_ = std::make_unique<TdsResponder>();
  }
  void TearDown() override {
    if (sink_) plugin()->vtable->destroy(sink_);
    sink_ = nullptr;
    server_.reset();
  }
  wr_status open(const Options &extra = {}) {
    Options opts = {{"host", "127.0.0.1"},
                    {"port", std::to_string(server_->port())},
                    {"user", "sa"},
                    {"password", "secret"},
                    {"database", "wr"},
                    {"login_timeout_ms", "5000"},
                    {"query_timeout_ms", "5000"}};
    opts.insert(opts.end(), extra.begin(), extra.end());
    return create_sink(opts, &sink_);
  }
  wr_status apply(const wr_batch &b) { return plugin()->vtable->apply(sink_, &b); }

  std::unique_ptr<TdsResponder> server_;
  wr_sink *sink_ = nullptr;
};

const std::string kBegin =
    "BEGIN TRANSACTION;\nSELECT end_lsn FROM [dbo].[walrelay_checkpoint] WITH (UPDLOCK, "
    "HOLDLOCK) WHERE sink = N'replica';";

TEST_F(SqlServerWire, CreateLogsInSetsUpSessionAndCreatesCheckpointTable) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const auto b = server_->batches();
  ASSERT_GE(b.size(), 2u);
  EXPECT_NE(b[b.size() - 2].find("SET XACT_ABORT ON;"), std::string::npos);
  EXPECT_EQ(b.back().rfind("IF OBJECT_ID(N'[dbo].[walrelay_checkpoint]', N'U') IS NULL", 0), 0u);
  EXPECT_EQ(server_->logins(), 1);
}

TEST_F(SqlServerWire, LoadPositionReadsCheckpoint) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  wr_lsn lsn = 1;
  ASSERT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(lsn, WR_LSN_INVALID);
  server_->set_checkpoint(0x2000);
  ASSERT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(lsn, 0x2000u);
}

TEST_F(SqlServerWire, BatchIsOneTransactionWithCheckpointBeforeCommit) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  server_->clear();
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}});
  BatchBuilder b;
  b.txn(0x3000).insert(r, {T("1"), T("caf\xC3\xA9 'x'")}).insert(r, {T("2"), N});
  b.txn(0x4000).update(r, WR_OLD_NONE, {}, {T("2"), T("y")}).del(r, WR_OLD_KEY, {T("1"), N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[1].rfind("IF OBJECT_ID(N'[dbo].[t]', N'U') IS NULL CREATE TABLE [dbo].[t]", 0),
            0u);
  // Every change of both source transactions in one sp_executesql call; no value in the text.
  EXPECT_EQ(sent[2],
            "RPC sp_executesql: INSERT INTO [dbo].[t] ([id], [s]) VALUES\n(@p1, @p2),\n(@p3, "
            "NULL);\n"
            "UPDATE [dbo].[t] SET [id] = @p4, [s] = @p5 WHERE [id] = @p6;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, @p7, 1;\n"
            "DELETE FROM [dbo].[t] WHERE [id] = @p8;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, @p9, 1;\n");
  const auto rpcs = server_->rpcs();
  ASSERT_EQ(rpcs.size(), 1u);
  EXPECT_TRUE(rpcs[0].parsed);
  EXPECT_EQ(rpcs[0].declaration,
            "@p1 BIGINT, @p2 NVARCHAR(MAX), @p3 BIGINT, @p4 BIGINT, @p5 NVARCHAR(MAX), @p6 BIGINT, "
            "@p7 NVARCHAR(2048), @p8 BIGINT, @p9 NVARCHAR(2048)");
  EXPECT_EQ(TdsResponder::rpc_text(rpcs[0]),
            "@p1 INTN(8) 1\n"
            "@p2 NVARCHAR(MAX) N'caf\xC3\xA9 'x''\n"
            "@p3 INTN(8) 2\n"
            "@p4 INTN(8) 2\n"
            "@p5 NVARCHAR(MAX) N'y'\n"
            "@p6 INTN(8) 2\n"
            "@p7 NVARCHAR(MAX) N'UPDATE on table [dbo].[t] (change at LSN 0/2008): no single row "
            "matches key ([id] = '2')'\n"
            "@p8 INTN(8) 1\n"
            "@p9 NVARCHAR(MAX) N'DELETE on table [dbo].[t] (change at LSN 0/2010): no single row "
            "matches key ([id] = '1')'\n");
  EXPECT_EQ(sent[3].rfind("UPDATE [dbo].[walrelay_checkpoint] SET end_lsn = 16384, end_lsn_text "
                          "= '0/4000'",
                          0),
            0u);
  EXPECT_NE(sent[3].find("\nCOMMIT TRANSACTION;"), std::string::npos);
  // Second batch: the table is known, no DDL.
  server_->clear();
  BatchBuilder b2;
  b2.txn(0x5000).truncate({&r});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  const auto sent2 = server_->statements();
  ASSERT_EQ(sent2.size(), 3u);
  EXPECT_EQ(sent2[0], kBegin);
  EXPECT_EQ(sent2[1], "RPC sp_executesql: TRUNCATE TABLE [dbo].[t];\n");
  EXPECT_EQ(server_->rpcs()[0].declaration, "");
  EXPECT_NE(sent2[2].find("end_lsn = 20480"), std::string::npos);
}

/// UTF-16LE bytes of "Gr\u00fc\u00dfe \U0001F600 \u4e2d\u6587", written out by hand.
const std::string kGruesseUtf16 =
    std::string("G\0r\0\xFC\0\xDF\0e\0 \0\x3D\xD8\x00\xDE \0\x2D\x4E\x87\x65", 22);

TEST_F(SqlServerWire, ValuesAreTypedParametersAndUnicodeArrivesAsUtf16) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "v",
             {{"id", kInt8, true},
              {"s", kText},
              {"e", kText},
              {"f", kFloat8},
              {"ok", kBool},
              {"n", kNumeric, false, numeric_typmod(12, 2)},
              {"b", kBytea},
              {"eb", kBytea},
              {"ts", kTimestamptz},
              {"u", kUuid}});
  server_->clear();
  BatchBuilder b;
  b.txn(0x3000).insert(
      r, {T("-9223372036854775808"),
          T("Gr\xC3\xBC\xC3\x9F"
            "e \xF0\x9F\x98\x80 "
            "\xE4\xB8\xAD\xE6\x96\x87"),
          T(""), T("-1.5e-07"), T("t"), T("12345678.90"), T("\\x00ff27"), T("\\x"),
          T("2024-03-01 02:00:00.5+05:30"), T("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto rpcs = server_->rpcs();
  ASSERT_EQ(rpcs.size(), 1u);
  EXPECT_EQ(rpcs[0].procedure, "sp_executesql");
  EXPECT_EQ(rpcs[0].sql,
            "INSERT INTO [dbo].[v] ([id], [s], [e], [f], [ok], [n], [b], [eb], [ts], [u]) "
            "VALUES\n(@p1, @p2, N'', @p3, @p4, @p5, @p6, 0x, @p7, @p8);\n");
  EXPECT_EQ(rpcs[0].declaration,
            "@p1 BIGINT, @p2 NVARCHAR(MAX), @p3 FLOAT, @p4 BIT, @p5 NVARCHAR(MAX), "
            "@p6 VARBINARY(MAX), @p7 NVARCHAR(MAX), @p8 NVARCHAR(MAX)");
  EXPECT_EQ(TdsResponder::rpc_text(rpcs[0]),
            "@p1 INTN(8) -9223372036854775808\n"
            "@p2 NVARCHAR(MAX) N'Gr\xC3\xBC\xC3\x9F"
            "e \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87'\n"
            "@p3 FLTN(8) -1.4999999999999999e-07\n"
            "@p4 BITN 1\n"
            "@p5 NVARCHAR(MAX) N'12345678.90'\n"
            "@p6 BIGVARBINARY(MAX) 0x00FF27\n"
            "@p7 NVARCHAR(MAX) N'2024-02-29 20:30:00.5+00:00'\n"
            "@p8 NVARCHAR(MAX) N'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'\n");
  ASSERT_EQ(rpcs[0].params.size(), 8u);
  // The text parameter's bytes on the wire: UTF-16LE (surrogate pair for U+1F600), no code
  // page in between.
  EXPECT_EQ(rpcs[0].params[1].value, kGruesseUtf16);
  EXPECT_EQ(rpcs[0].params[1].max_len, 0xFFFF);
  double f = 0;
  std::memcpy(&f, rpcs[0].params[2].value.data(), 8);
  EXPECT_EQ(f, -1.5e-07);
}

TEST_F(SqlServerWire, SkipsTransactionsAtOrBelowStoredCheckpoint) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}});
  server_->set_checkpoint(0x3000);
  server_->clear();
  BatchBuilder b;
  b.txn(0x3000).insert(r, {T("1")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[1], "COMMIT TRANSACTION;");
}

TEST_F(SqlServerWire, DeadlockIsRetryAndRollsBack) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}});
  server_->fail_next("INSERT INTO", 1205, "Transaction was deadlocked");
  server_->clear();
  BatchBuilder b;
  b.txn(0x3000).insert(r, {T("1")});
  EXPECT_EQ(apply(b.build()), WR_RETRY);
  EXPECT_NE(g_last_error.find("1205"), std::string::npos) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[2], "RPC sp_executesql: INSERT INTO [dbo].[t] ([id]) VALUES\n(@p1);\n");
  EXPECT_EQ(sent[3], "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;");
  // The retry sends the DDL again (it was rolled back with the transaction).
  server_->clear();
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto again = server_->statements();
  ASSERT_EQ(again.size(), 4u);
  EXPECT_EQ(again[0], kBegin);
  EXPECT_EQ(again[2], sent[2]);
  EXPECT_EQ(TdsResponder::rpc_text(server_->rpcs()[0]), "@p1 INTN(8) 1\n");
  EXPECT_NE(again[3].find("COMMIT TRANSACTION;"), std::string::npos);
}

TEST_F(SqlServerWire, ConstraintViolationIsFatalNamingTableKeyAndLsn) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}});
  BatchBuilder b;
  b.txn(0x3000)
      .update(r, WR_OLD_NONE, {}, {T("5"), T("a")})
      .update(r, WR_OLD_NONE, {}, {T("6"), T("b")});
  server_->fail_next("UPDATE [dbo].[t]", 2627,
                     "Violation of PRIMARY KEY constraint 'PK_t'. Cannot insert duplicate key.", 3);
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("[dbo].[t]"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("key ([id] = '6')"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("LSN 0/1810"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("2627"), std::string::npos) << g_last_error;
}

TEST_F(SqlServerWire, DroppedConnectionIsRetryThenReconnects) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}});
  server_->drop_next("INSERT INTO");
  BatchBuilder b;
  b.txn(0x3000).insert(r, {T("1")});
  EXPECT_EQ(apply(b.build()), WR_RETRY) << g_last_error;
  wr_lsn lsn = 1;
  ASSERT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(server_->logins(), 2);
  server_->clear();
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[2], "RPC sp_executesql: INSERT INTO [dbo].[t] ([id]) VALUES\n(@p1);\n");
  EXPECT_EQ(TdsResponder::rpc_text(server_->rpcs()[0]), "@p1 INTN(8) 1\n");
  EXPECT_NE(sent[3].find("COMMIT TRANSACTION;"), std::string::npos);
  for (const auto &req : server_->requests()) EXPECT_EQ(req.connection, 2);
}

TEST_F(SqlServerWire, PartialTransactionStaysOpenUntilLastPiece) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}});
  server_->clear();
  BatchBuilder first;
  first.txn(0x3000).insert(r, {T("1")});
  wr_batch p1 = first.build();
  p1.flags = WR_BATCH_TXN_CONTINUES;
  ASSERT_EQ(apply(p1), WR_OK) << g_last_error;
  BatchBuilder last;
  last.txn(0x3000).insert(r, {T("2")});
  wr_batch p2 = last.build();
  p2.flags = WR_BATCH_TXN_CONTINUED;
  ASSERT_EQ(apply(p2), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[2], "RPC sp_executesql: INSERT INTO [dbo].[t] ([id]) VALUES\n(@p1);\n");
  EXPECT_EQ(sent[3], "RPC sp_executesql: INSERT INTO [dbo].[t] ([id]) VALUES\n(@p1);\n");
  EXPECT_EQ(TdsResponder::rpc_text(server_->rpcs()[1]), "@p1 INTN(8) 2\n");
  EXPECT_NE(sent[4].find("COMMIT TRANSACTION;"), std::string::npos);
  for (size_t i = 0; i + 1 < sent.size(); ++i)
    EXPECT_EQ(sent[i].find("COMMIT"), std::string::npos) << sent[i];
}

/// The bulk test table: the source relation and the responder's description of the
/// destination the sink created for it (the type map's types).
struct BulkTable {
  Relation rel{9,
               1,
               'd',
               "public",
               "bulk",
               {{"id", kInt8, true},
                {"s", kText},
                {"n", kNumeric, false, numeric_typmod(12, 2)},
                {"b", kBytea},
                {"ts", kTimestamptz},
                {"t2", kTimestamp},
                {"f", kFloat8},
                {"ok", kBool},
                {"u", kUuid},
                {"d", kDate}}};
  static void describe(TdsResponder &server) {
    server.set_table("[dbo].[bulk]", {{"id", "BIGINT"},
                                      {"s", "NVARCHAR(MAX)"},
                                      {"n", "DECIMAL(12,2)"},
                                      {"b", "VARBINARY(MAX)"},
                                      {"ts", "DATETIMEOFFSET(6)"},
                                      {"t2", "DATETIME2(6)"},
                                      {"f", "FLOAT"},
                                      {"ok", "BIT"},
                                      {"u", "UNIQUEIDENTIFIER"},
                                      {"d", "DATE"}});
  }
};

TEST_F(SqlServerWire, LargeInsertRunGoesThroughBulkCopyInsideTheTransaction) {
  ASSERT_EQ(open({{"bulk_min_rows", "3"}}), WR_OK) << g_last_error;
  BulkTable t;
  BulkTable::describe(*server_);
  server_->clear();
  BatchBuilder b;
  b.txn(0x3000)
      .insert(t.rel, {T("1"),
                      T("Gr\xC3\xBC\xC3\x9F"
                        "e \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87"),
                      T("-12345.67"), T("\\x00ff27"), T("2024-03-01 02:00:00.5+05:30"),
                      T("1999-12-31 23:59:59.123456"), T("1.5"), T("t"),
                      T("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), T("2024-02-29")})
      .insert(t.rel, {T("2"), N, N, N, N, N, N, N, N, N})
      .insert(t.rel,
              {T("3"), T("it's"), T("0.05"), T("\\x"), N, N, T("-0"), T("f"), N, T("0001-01-01")});
  b.txn(0x4000)
      .insert(t.rel, {T("4"), T("x"), N, N, N, N, N, N, N, N})
      .update(t.rel, WR_OLD_NONE, {}, {T("4"), T("y"), N, N, N, N, N, N, N, N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 8u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[1].rfind("IF OBJECT_ID(N'[dbo].[bulk]', N'U') IS NULL CREATE TABLE", 0), 0u);
  EXPECT_EQ(sent[2], "SELECT TOP (0) * FROM [dbo].[bulk];");  // column order, once
  EXPECT_EQ(sent[3], "SET FMTONLY ON select * from [dbo].[bulk] SET FMTONLY OFF");  // bcp_init
  // FreeTDS declares DATETIMEOFFSET / DATETIME2 without a scale (7); the values carry at
  // most 6 fractional digits, so the server's conversion to the (6) columns is exact.
  EXPECT_EQ(sent[4],
            "insert bulk [dbo].[bulk] ([id] BIGINT, [s] NVARCHAR(MAX), [n] DECIMAL(12,2), [b] "
            "VARBINARY(MAX), [ts] DATETIMEOFFSET, [t2] DATETIME2, [f] FLOAT, [ok] BIT, [u] "
            "UNIQUEIDENTIFIER, [d] DATE)");
  const auto loads = server_->bulk_loads();
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_TRUE(loads[0].parsed);
  EXPECT_EQ(
      loads[0].bulk_columns,
      (std::vector<std::string>{"id INTN(8)", "s NVARCHAR(MAX)", "n DECIMALN(12,2)",
                                "b VARBINARY(MAX)", "ts DATETIMEOFFSETN(7)", "t2 DATETIME2N(7)",
                                "f FLTN(8)", "ok BITN", "u GUID", "d DATEN"}));
  // Rows 1, 2 and 4 (the run spans both source transactions); row 3 holds an empty bytea,
  // which db-lib's bcp would send as NULL: it goes as an INSERT statement below.
  EXPECT_EQ(loads[0].bulk_rows,
            (std::vector<std::string>{
                "1 | N'Gr\xC3\xBC\xC3\x9F"
                "e \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87' | -12345.67 | 0x00FF27 | "
                "2024-02-29 20:30:00.5000000 +00:00 | 1999-12-31 23:59:59.1234560 | 1.5 | 1 | "
                "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11 | 2024-02-29",
                "2 | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL",
                "4 | N'x' | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL"}));
  // The text column's bytes in the bulk-load message: UTF-16LE.
  EXPECT_EQ(loads[0].bulk_raw[0][1], kGruesseUtf16);
  EXPECT_EQ(loads[0].connection, 1);
  EXPECT_EQ(sent[5], "BULK 3 rows");
  // Then the rest of the batch as one sp_executesql call, and the checkpoint with COMMIT:
  // all in the one transaction opened by kBegin.
  EXPECT_EQ(sent[6],
            "RPC sp_executesql: INSERT INTO [dbo].[bulk] ([id], [s], [n], [b], [ts], [t2], [f], "
            "[ok], [u], [d]) VALUES\n(@p1, @p2, @p3, 0x, NULL, NULL, @p4, @p5, NULL, @p6);\n"
            "UPDATE [dbo].[bulk] SET [id] = @p7, [s] = @p8, [n] = NULL, [b] = NULL, [ts] = NULL, "
            "[t2] = NULL, [f] = NULL, [ok] = NULL, [u] = NULL, [d] = NULL WHERE [id] = @p9;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, @p10, 1;\n");
  EXPECT_EQ(TdsResponder::rpc_text(server_->rpcs()[0]),
            "@p1 INTN(8) 3\n@p2 NVARCHAR(MAX) N'it's'\n@p3 NVARCHAR(MAX) N'0.05'\n"
            "@p4 FLTN(8) -0\n@p5 BITN 0\n@p6 NVARCHAR(MAX) N'0001-01-01'\n@p7 INTN(8) 4\n"
            "@p8 NVARCHAR(MAX) N'y'\n@p9 INTN(8) 4\n@p10 NVARCHAR(MAX) N'UPDATE on table "
            "[dbo].[bulk] (change at LSN 0/2010): no single row matches key ([id] = '4')'\n");
  EXPECT_EQ(sent[7].rfind("UPDATE [dbo].[walrelay_checkpoint] SET end_lsn = 16384", 0), 0u);
  EXPECT_NE(sent[7].find("\nCOMMIT TRANSACTION;"), std::string::npos);
  for (size_t i = 0; i + 1 < sent.size(); ++i)
    EXPECT_EQ(sent[i].find("COMMIT"), std::string::npos) << sent[i];
}

TEST_F(SqlServerWire, ShortInsertRunStaysInTheStatementBatch) {
  ASSERT_EQ(open({{"bulk_min_rows", "3"}}), WR_OK) << g_last_error;
  BulkTable t;
  BulkTable::describe(*server_);
  server_->clear();
  BatchBuilder b;
  b.txn(0x3000)
      .insert(t.rel, {T("1"), N, N, N, N, N, N, N, N, N})
      .insert(t.rel, {T("2"), N, N, N, N, N, N, N, N, N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_TRUE(server_->bulk_loads().empty());
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[2].rfind("RPC sp_executesql: INSERT INTO [dbo].[bulk]", 0), 0u);
}

TEST_F(SqlServerWire, BulkRowWithValueLongerThanItsColumnGoesAsStatement) {
  ASSERT_EQ(open({{"bulk_min_rows", "2"}}), WR_OK) << g_last_error;
  Relation r(11, 1, 'd', "public", "short", {{"id", kInt8, true}, {"c", kVarchar, false, 6}});
  server_->set_table("[dbo].[short]", {{"id", "BIGINT"}, {"c", "NVARCHAR(2)"}});
  server_->clear();
  BatchBuilder b;
  // "a😀" is 2 characters in PostgreSQL but 3 UTF-16 units: too long for NVARCHAR(2).
  b.txn(0x3000)
      .insert(r, {T("1"), T("ab")})
      .insert(r, {T("2"), T("a\xF0\x9F\x98\x80")})
      .insert(r, {T("3"), N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto loads = server_->bulk_loads();
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0].bulk_rows, (std::vector<std::string>{"1 | N'ab'", "3 | NULL"}));
  const auto rpcs = server_->rpcs();
  ASSERT_EQ(rpcs.size(), 1u);
  EXPECT_EQ(rpcs[0].sql, "INSERT INTO [dbo].[short] ([id], [c]) VALUES\n(@p1, @p2);\n");
  EXPECT_EQ(TdsResponder::rpc_text(rpcs[0]),
            "@p1 INTN(8) 2\n@p2 NVARCHAR(MAX) N'a\xF0\x9F\x98\x80'\n");
}

TEST_F(SqlServerWire, BulkCopyDuplicateKeyIsFatalAndDroppedBulkIsRetried) {
  ASSERT_EQ(open({{"bulk_min_rows", "2"}}), WR_OK) << g_last_error;
  BulkTable t;
  BulkTable::describe(*server_);
  BatchBuilder b;
  b.txn(0x3000)
      .insert(t.rel, {T("1"), N, N, N, N, N, N, N, N, N})
      .insert(t.rel, {T("2"), N, N, N, N, N, N, N, N, N});
  server_->fail_next("BULK\n", 2627, "Violation of PRIMARY KEY constraint 'PK_bulk'.");
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("bulk copy of 2 rows into [dbo].[bulk]"), std::string::npos)
      << g_last_error;
  EXPECT_NE(g_last_error.find("2627"), std::string::npos) << g_last_error;
  // A dropped connection during the bulk load: WR_RETRY; the retry logs in again, reads
  // the columns again and sends the same rows.
  wr_lsn lsn = 1;
  ASSERT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
  server_->drop_next("BULK\n");
  EXPECT_EQ(apply(b.build()), WR_RETRY) << g_last_error;
  ASSERT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
  const int logins = server_->logins();
  EXPECT_EQ(logins, 3);
  server_->clear();
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 7u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[2], "SELECT TOP (0) * FROM [dbo].[bulk];");
  EXPECT_EQ(sent[5], "BULK 2 rows");
  const auto loads = server_->bulk_loads();
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0].bulk_rows,
            (std::vector<std::string>{
                "1 | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL",
                "2 | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL"}));
  EXPECT_EQ(loads[0].connection, logins);
  EXPECT_NE(sent[6].find("COMMIT TRANSACTION;"), std::string::npos);
}

TEST_F(SqlServerWire, AtMost2000ParametersPerCall) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}});
  BatchBuilder b;
  auto &txn = b.txn(0x3000);
  for (int i = 0; i < 501; ++i)  // 4 parameters each
    txn.update(r, WR_OLD_NONE, {}, {T(std::to_string(i)), T("v")});
  server_->clear();
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto rpcs = server_->rpcs();
  ASSERT_EQ(rpcs.size(), 2u);
  EXPECT_EQ(rpcs[0].params.size(), 2000u);
  EXPECT_EQ(rpcs[0].params.back().name, "@p2000");
  EXPECT_EQ(rpcs[1].params.size(), 4u);
  EXPECT_EQ(rpcs[1].sql,
            "UPDATE [dbo].[t] SET [id] = @p1, [s] = @p2 WHERE [id] = @p3;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, @p4, 1;\n");
  EXPECT_EQ(rpcs[1].params[0].text, "INTN(8) 500");
}

TEST_F(SqlServerWire, IncludeAndExcludeTablesSkipChangesAndTruncates) {
  ASSERT_EQ(open({{"include_tables", "public.*"}, {"exclude_tables", "public.tmp_*"}}), WR_OK)
      << g_last_error;
  Relation t(7, 1, 'd', "public", "t", {{"id", kInt4, true}});
  Relation tmp(8, 1, 'd', "public", "tmp_x", {{"id", kInt4, true}});
  Relation audit(9, 1, 'd', "audit", "log", {{"id", kInt4, true}});
  server_->clear();
  BatchBuilder b;
  b.txn(0x3000)
      .insert(tmp, {T("1")})
      .insert(t, {T("2")})
      .insert(audit, {T("3")})
      .truncate({&t, &tmp});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[1].rfind("IF OBJECT_ID(N'[dbo].[t]', N'U') IS NULL", 0), 0u);
  EXPECT_EQ(sent[2],
            "RPC sp_executesql: INSERT INTO [dbo].[t] ([id]) VALUES\n(@p1);\n"
            "TRUNCATE TABLE [dbo].[t];\n");
  EXPECT_EQ(TdsResponder::rpc_text(server_->rpcs()[0]), "@p1 INTN(8) 2\n");
  EXPECT_NE(sent[3].find("end_lsn = 12288"), std::string::npos);
  for (const auto &x : sent) {
    EXPECT_EQ(x.find("tmp_x"), std::string::npos) << x;
    EXPECT_EQ(x.find("audit"), std::string::npos) << x;
  }
}

TEST_F(SqlServerWire, DropColumnsFollowsDroppedColumnInTheSameTransaction) {
  ASSERT_EQ(open({{"drop_columns", "true"}}), WR_OK) << g_last_error;
  Relation g1(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"a", kText}, {"b", kText}});
  Relation g2(7, 2, 'd', "public", "t", {{"id", kInt4, true}, {"b", kText}});
  BatchBuilder b1;
  b1.txn(0x3000).insert(g1, {T("1"), T("x"), T("y")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  server_->clear();
  BatchBuilder b2;
  b2.txn(0x4000).insert(g2, {T("2"), T("z")});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0], kBegin);
  const std::string drop =
      "IF COL_LENGTH(N'[dbo].[t]', N'a') IS NOT NULL ALTER TABLE [dbo].[t] DROP COLUMN [a];\n";
  ASSERT_GE(sent[1].size(), drop.size());
  EXPECT_EQ(sent[1].substr(sent[1].size() - drop.size()), drop);
  EXPECT_EQ(sent[2], "RPC sp_executesql: INSERT INTO [dbo].[t] ([id], [b]) VALUES\n(@p1, @p2);\n");
  EXPECT_NE(sent[3].find("COMMIT TRANSACTION;"), std::string::npos);
  // Committed: a reconnect prepares the table again without the drop.
  server_->drop_next("INSERT INTO");
  BatchBuilder b3;
  b3.txn(0x5000).insert(g2, {T("3"), N});
  EXPECT_EQ(apply(b3.build()), WR_RETRY);
  wr_lsn lsn = 0;
  ASSERT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
  server_->clear();
  ASSERT_EQ(apply(b3.build()), WR_OK) << g_last_error;
  sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[1].find("DROP COLUMN"), std::string::npos) << sent[1];
}

TEST_F(SqlServerWire, DroppedColumnIsKeptByDefault) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation g1(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"a", kText}});
  Relation g2(7, 2, 'd', "public", "t", {{"id", kInt4, true}});
  BatchBuilder b1;
  b1.txn(0x3000).insert(g1, {T("1"), T("x")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  server_->clear();
  BatchBuilder b2;
  b2.txn(0x4000).insert(g2, {T("2")});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[1].find("DROP COLUMN"), std::string::npos) << sent[1];
}

TEST_F(SqlServerWire, ParametersBeyondOneCallStartANewCallNumberedFromOne) {
  ASSERT_EQ(open({{"batch_bytes", "4096"}}), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}});
  const std::string big(1500, 'x');
  BatchBuilder b;
  b.txn(0x3000)
      .update(r, WR_OLD_NONE, {}, {T("1"), T(big)})
      .update(r, WR_OLD_NONE, {}, {T("2"), T(big)})
      .update(r, WR_OLD_NONE, {}, {T("3"), T(big)});
  server_->clear();
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto rpcs = server_->rpcs();
  ASSERT_EQ(rpcs.size(), 2u);
  const std::string one =
      "UPDATE [dbo].[t] SET [id] = @p1, [s] = @p2 WHERE [id] = @p3;\n"
      "IF @@ROWCOUNT <> 1 THROW 50001, @p4, 1;\n";
  EXPECT_EQ(rpcs[0].sql, one +
                             "UPDATE [dbo].[t] SET [id] = @p5, [s] = @p6 WHERE [id] = @p7;\n"
                             "IF @@ROWCOUNT <> 1 THROW 50001, @p8, 1;\n");
  EXPECT_EQ(rpcs[1].sql, one);
  EXPECT_EQ(rpcs[1].params[0].text, "INTN(8) 3");
  EXPECT_EQ(rpcs[1].params[1].value.size(), 3000u);  // 1500 characters, UTF-16
}

/// True when no statement sent commits or writes the checkpoint (the batch left nothing).
void expect_nothing_committed(const std::vector<std::string> &sent) {
  for (const auto &x : sent) {
    EXPECT_EQ(x.find("COMMIT"), std::string::npos) << x;
    EXPECT_EQ(x.find("UPDATE [dbo].[walrelay_checkpoint]"), std::string::npos) << x;
    EXPECT_EQ(x.find("INSERT INTO [dbo].[walrelay_checkpoint]"), std::string::npos) << x;
  }
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back(), "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;");
}

TEST_F(SqlServerWire, TableMapTargetsTheMappedTableInEveryStatement) {
  ASSERT_EQ(open({{"table_map", "public.users=app_users, sales.orders=orders_v2"},
                  {"schema_map", "sales=s2"},
                  {"bulk_min_rows", "2"}}),
            WR_OK)
      << g_last_error;
  Relation u(7, 1, 'd', "public", "users", {{"id", kInt4, true}, {"s", kText}});
  Relation o(8, 1, 'd', "sales", "orders", {{"id", kInt4, true}});
  server_->set_table("[dbo].[app_users]", {{"id", "INT"}, {"s", "NVARCHAR(MAX)"}});
  server_->clear();
  BatchBuilder b;
  b.txn(0x3000)
      .insert(u, {T("1"), T("a")})
      .insert(u, {T("2"), T("b")})  // a run of 2: bulk copy
      .update(u, WR_OLD_NONE, {}, {T("2"), T("c")})
      .del(u, WR_OLD_KEY, {T("1"), N})
      .insert(o, {T("5")})
      .truncate({&u, &o});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 10u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[1].rfind("IF OBJECT_ID(N'[dbo].[app_users]', N'U') IS NULL CREATE TABLE "
                          "[dbo].[app_users] ([id] INT NOT NULL, ",
                          0),
            0u)
      << sent[1];
  EXPECT_EQ(sent[2], "SELECT TOP (0) * FROM [dbo].[app_users];");
  EXPECT_EQ(sent[3], "SET FMTONLY ON select * from [dbo].[app_users] SET FMTONLY OFF");
  EXPECT_EQ(sent[4], "insert bulk [dbo].[app_users] ([id] INT, [s] NVARCHAR(MAX))");
  EXPECT_EQ(sent[5], "BULK 2 rows");
  // The pending UPDATE / DELETE go before the other table's DDL.
  EXPECT_EQ(sent[6],
            "RPC sp_executesql: UPDATE [dbo].[app_users] SET [id] = @p1, [s] = @p2 WHERE [id] = "
            "@p3;\nIF @@ROWCOUNT <> 1 THROW 50001, @p4, 1;\n"
            "DELETE FROM [dbo].[app_users] WHERE [id] = @p5;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, @p6, 1;\n");
  // The other table: schema from schema_map, name from table_map.
  EXPECT_EQ(sent[7].rfind("IF SCHEMA_ID(N's2') IS NULL EXEC(N'CREATE SCHEMA [s2]');\n"
                          "IF OBJECT_ID(N'[s2].[orders_v2]', N'U') IS NULL CREATE TABLE "
                          "[s2].[orders_v2] (",
                          0),
            0u)
      << sent[7];
  EXPECT_EQ(sent[8],
            "RPC sp_executesql: INSERT INTO [s2].[orders_v2] ([id]) VALUES\n(@p1);\n"
            "TRUNCATE TABLE [dbo].[app_users];\nTRUNCATE TABLE [s2].[orders_v2];\n");
  EXPECT_NE(sent[9].find("COMMIT TRANSACTION;"), std::string::npos);
  EXPECT_NE(TdsResponder::rpc_text(server_->rpcs()[0])
                .find("N'UPDATE on table [dbo].[app_users] (change at LSN 0/1818)"),
            std::string::npos)
      << TdsResponder::rpc_text(server_->rpcs()[0]);
  for (const auto &x : sent) {
    EXPECT_EQ(x.find("[users]"), std::string::npos) << x;
    EXPECT_EQ(x.find("[orders]"), std::string::npos) << x;
  }
}

TEST_F(SqlServerWire, TableMapWithTwoSourcesOnOneDestinationIsInvalidConfig) {
  EXPECT_EQ(open({{"table_map", "public.a=t, sales.b=T"}, {"schema_map", "sales=dbo"}}),
            WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("'public.a'"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("'sales.b'"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("table_map"), std::string::npos) << g_last_error;
  EXPECT_EQ(sink_, nullptr);
}

TEST_F(SqlServerWire, SchemaChangeFailRefusesAddedOrDroppedColumnAndCommitsNothing) {
  ASSERT_EQ(open({{"schema_change", "fail"}}), WR_OK) << g_last_error;
  Relation g1(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"a", kText}});
  Relation g2(7, 2, 'd', "public", "t", {{"id", kInt4, true}, {"a", kText}, {"b", kText}});
  Relation g3(7, 3, 'd', "public", "t", {{"id", kInt4, true}});
  BatchBuilder b1;
  b1.txn(0x3000).insert(g1, {T("1"), T("x")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  server_->clear();
  BatchBuilder b2;
  b2.txn(0x4000).insert(g1, {T("2"), T("y")}).insert(g2, {T("3"), T("y"), T("z")});
  EXPECT_EQ(apply(b2.build()), WR_FATAL);
  EXPECT_EQ(g_last_error,
            "schema change of table [dbo].[t]: column [b] added (relation 7 generation 2, change "
            "at LSN 0/2010); schema_change is 'fail'");
  auto sent = server_->statements();
  EXPECT_EQ(sent.front(), kBegin);
  expect_nothing_committed(sent);
  for (const auto &x : sent) EXPECT_EQ(x.find("ALTER TABLE"), std::string::npos) << x;
  // A dropped column too.
  server_->clear();
  BatchBuilder b3;
  b3.txn(0x4000).insert(g3, {T("3")});
  EXPECT_EQ(apply(b3.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("column [a] dropped (relation 7 generation 3, change at LSN 0/2008)"),
            std::string::npos)
      << g_last_error;
  expect_nothing_committed(server_->statements());
}

TEST_F(SqlServerWire, SchemaChangeFailRefusesExistingTableLackingAColumn) {
  ASSERT_EQ(open({{"schema_change", "fail"}}), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"b", kText}});
  const std::string msg =
      "schema change of table [dbo].[t]: column [b] is missing in SQL Server (relation 7 "
      "generation 1, change at LSN 0/1808); schema_change is 'fail'";
  server_->fail_next("THROW 50001, N'schema change", 50001, msg, 4);
  server_->clear();
  BatchBuilder b;
  b.txn(0x3000).insert(r, {T("1"), T("x")});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("preparing table [dbo].[t]"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("SQL Server error 50001"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find(msg), std::string::npos) << g_last_error;
  const auto sent = server_->statements();
  ASSERT_GE(sent.size(), 2u);
  // The table is still created when missing; a missing column THROWs instead of ADD.
  EXPECT_NE(sent[1].find("IF OBJECT_ID(N'[dbo].[t]', N'U') IS NULL CREATE TABLE"),
            std::string::npos);
  EXPECT_NE(sent[1].find("IF COL_LENGTH(N'[dbo].[t]', N'b') IS NULL THROW 50001, N'schema change "
                         "of table [dbo].[t]: column [b] is missing in SQL Server (relation 7 "
                         "generation 1, change at LSN 0/1808); schema_change is ''fail''', 1;\n"),
            std::string::npos)
      << sent[1];
  EXPECT_EQ(sent[1].find(" ADD "), std::string::npos) << sent[1];
  expect_nothing_committed(sent);
}

TEST_F(SqlServerWire, TypeChangeFailIsFatalNamingColumnTypesAndLsn) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;  // type_change: fail is the default
  Relation g1(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"n", kInt4}});
  Relation g2(7, 2, 'd', "public", "t", {{"id", kInt4, true}, {"n", kInt8}});
  BatchBuilder b1;
  b1.txn(0x3000).insert(g1, {T("1"), T("5")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  server_->clear();
  BatchBuilder b2;
  b2.txn(0x4000).insert(g2, {T("2"), T("9000000000")});
  EXPECT_EQ(apply(b2.build()), WR_FATAL);
  EXPECT_EQ(g_last_error,
            "type change of table [dbo].[t]: column [n] from int4 to int8 (SQL Server INT -> "
            "BIGINT) (relation 7 generation 2, change at LSN 0/2008); type_change is 'fail' "
            "(set type_change: follow to ALTER the column)");
  expect_nothing_committed(server_->statements());
  // A type change that keeps the SQL Server type passes (text -> varchar(5000): both
  // NVARCHAR(MAX)).
  Relation h1(8, 1, 'd', "public", "h", {{"id", kInt4, true}, {"s", kText}});
  Relation h2(8, 2, 'd', "public", "h", {{"id", kInt4, true}, {"s", kVarchar, false, 5004}});
  BatchBuilder b3;
  b3.txn(0x3000).insert(h1, {T("1"), T("x")}).insert(h2, {T("2"), T("y")});
  EXPECT_EQ(apply(b3.build()), WR_OK) << g_last_error;
}

TEST_F(SqlServerWire, TypeChangeFollowAltersTheColumnInTheBatchTransaction) {
  ASSERT_EQ(open({{"type_change", "follow"}}), WR_OK) << g_last_error;
  Relation g1(7, 1, 'd', "public", "t",
              {{"id", kInt4, true}, {"n", kInt4}, {"s", kVarchar, false, 14}});
  Relation g2(7, 2, 'd', "public", "t",
              {{"id", kInt4, true}, {"n", kInt8}, {"s", kVarchar, false, 24}});
  BatchBuilder b1;
  b1.txn(0x3000).insert(g1, {T("1"), T("5"), T("x")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  server_->clear();
  BatchBuilder b2;
  b2.txn(0x4000).insert(g2, {T("2"), T("9000000000"), T("y")});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0], kBegin);
  const std::string alter =
      "ALTER TABLE [dbo].[t] ALTER COLUMN [n] BIGINT NULL;\n"
      "ALTER TABLE [dbo].[t] ALTER COLUMN [s] NVARCHAR(20) COLLATE Latin1_General_100_BIN2 "
      "NULL;\n";
  ASSERT_GE(sent[1].size(), alter.size());
  EXPECT_EQ(sent[1].substr(sent[1].size() - alter.size()), alter) << sent[1];
  EXPECT_EQ(sent[2],
            "RPC sp_executesql: INSERT INTO [dbo].[t] ([id], [n], [s]) VALUES\n(@p1, @p2, @p3);\n");
  EXPECT_NE(sent[3].find("COMMIT TRANSACTION;"), std::string::npos);
}

TEST_F(SqlServerWire, TypeChangeFollowIsRepeatedUntilCommittedAndRefusesKeyColumns) {
  ASSERT_EQ(open({{"type_change", "follow"}}), WR_OK) << g_last_error;
  Relation g1(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"n", kInt4}});
  Relation g2(7, 2, 'd', "public", "t", {{"id", kInt4, true}, {"n", kInt8}});
  Relation g3(7, 3, 'd', "public", "t", {{"id", kInt8, true}, {"n", kInt8}});
  BatchBuilder b1;
  b1.txn(0x3000).insert(g1, {T("1"), T("5")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  // The connection drops after the ALTER: rolled back with the batch, so the retry alters
  // again.
  server_->drop_next("INSERT INTO");
  BatchBuilder b2;
  b2.txn(0x4000).insert(g2, {T("2"), T("6")});
  EXPECT_EQ(apply(b2.build()), WR_RETRY);
  wr_lsn lsn = 0;
  ASSERT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
  server_->clear();
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_NE(sent[1].find("ALTER TABLE [dbo].[t] ALTER COLUMN [n] BIGINT NULL;\n"),
            std::string::npos)
      << sent[1];
  // Committed: the next batch on this connection sends no DDL.
  server_->clear();
  BatchBuilder b3;
  b3.txn(0x5000).insert(g2, {T("3"), T("7")});
  ASSERT_EQ(apply(b3.build()), WR_OK) << g_last_error;
  EXPECT_EQ(server_->statements().size(), 3u);
  // A primary key column: a clear WR_FATAL instead of an ALTER the server would refuse.
  server_->clear();
  BatchBuilder b4;
  b4.txn(0x6000).insert(g3, {T("4"), T("8")});
  EXPECT_EQ(apply(b4.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("type change of table [dbo].[t]: key column [id] from int4 to int8 "
                              "(SQL Server INT -> BIGINT) (relation 7 generation 3, change at "
                              "LSN 0/3008): type_change: follow does not alter primary key "
                              "columns"),
            std::string::npos)
      << g_last_error;
  sent = server_->statements();
  for (const auto &x : sent) EXPECT_EQ(x.find("ALTER"), std::string::npos) << x;
  expect_nothing_committed(sent);
}

/// Inserts rows 1..n into the bulk test table (id only) in one source transaction.
void insert_bulk_rows(BatchBuilder &b, const Relation &rel, int n) {
  auto &txn = b.txn(0x3000);
  for (int i = 1; i <= n; ++i) txn.insert(rel, {T(std::to_string(i)), N, N, N, N, N, N, N, N, N});
}

std::string bulk_row(int id) {
  return std::to_string(id) + " | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL";
}

TEST_F(SqlServerWire, BulkBatchRowsSplitsTheRunIntoBcpBatchesInOneTransaction) {
  ASSERT_EQ(open({{"bulk_min_rows", "2"}, {"bulk_batch_rows", "2"}}), WR_OK) << g_last_error;
  BulkTable t;
  BulkTable::describe(*server_);
  server_->clear();
  BatchBuilder b;
  insert_bulk_rows(b, t.rel, 5);
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto sent = server_->statements();
  const std::string insert_bulk =
      "insert bulk [dbo].[bulk] ([id] BIGINT, [s] NVARCHAR(MAX), [n] DECIMAL(12,2), [b] "
      "VARBINARY(MAX), [ts] DATETIMEOFFSET, [t2] DATETIME2, [f] FLOAT, [ok] BIT, [u] "
      "UNIQUEIDENTIFIER, [d] DATE)";
  ASSERT_EQ(sent.size(), 11u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[3], "SET FMTONLY ON select * from [dbo].[bulk] SET FMTONLY OFF");
  // Three batches of 2, 2 and 1 rows: each its own insert bulk and bulk-load message ending
  // in one DONE; no COMMIT between them (the batch transaction stays open).
  EXPECT_EQ(sent[4], insert_bulk);
  EXPECT_EQ(sent[5], "BULK 2 rows");
  EXPECT_EQ(sent[6], insert_bulk);
  EXPECT_EQ(sent[7], "BULK 2 rows");
  EXPECT_EQ(sent[8], insert_bulk);
  EXPECT_EQ(sent[9], "BULK 1 rows");
  EXPECT_EQ(sent[10].rfind("UPDATE [dbo].[walrelay_checkpoint] SET end_lsn = 12288", 0), 0u);
  EXPECT_NE(sent[10].find("\nCOMMIT TRANSACTION;"), std::string::npos);
  for (size_t i = 0; i + 1 < sent.size(); ++i)
    EXPECT_EQ(sent[i].find("COMMIT"), std::string::npos) << sent[i];
  const auto loads = server_->bulk_loads();
  ASSERT_EQ(loads.size(), 3u);
  std::vector<std::string> rows;
  for (const auto &l : loads) {
    EXPECT_TRUE(l.parsed);
    EXPECT_EQ(l.connection, loads[0].connection);
    rows.insert(rows.end(), l.bulk_rows.begin(), l.bulk_rows.end());
  }
  EXPECT_EQ(rows, (std::vector<std::string>{bulk_row(1), bulk_row(2), bulk_row(3), bulk_row(4),
                                            bulk_row(5)}));
  // The responder answered each load with one DONE carrying its row count.
  EXPECT_EQ(server_->bulk_dones(), (std::vector<uint64_t>{2, 2, 1}));
}

TEST_F(SqlServerWire, BulkBatchRowsZeroOrExactMultipleSendsNoEmptyBatch) {
  ASSERT_EQ(open({{"bulk_min_rows", "2"}, {"bulk_batch_rows", "0"}}), WR_OK) << g_last_error;
  BulkTable t;
  BulkTable::describe(*server_);
  server_->clear();
  BatchBuilder b;
  insert_bulk_rows(b, t.rel, 4);
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  auto loads = server_->bulk_loads();
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0].bulk_rows.size(), 4u);
  EXPECT_EQ(server_->bulk_dones(), (std::vector<uint64_t>{4}));
  // 4 rows in batches of 2: exactly two loads (bcp_done ends the second, no empty third).
  plugin()->vtable->destroy(sink_);
  sink_ = nullptr;
  ASSERT_EQ(open({{"bulk_min_rows", "2"}, {"bulk_batch_rows", "2"}}), WR_OK) << g_last_error;
  server_->clear();
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  loads = server_->bulk_loads();
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_EQ(loads[0].bulk_rows, (std::vector<std::string>{bulk_row(1), bulk_row(2)}));
  EXPECT_EQ(loads[1].bulk_rows, (std::vector<std::string>{bulk_row(3), bulk_row(4)}));
  EXPECT_EQ(server_->bulk_dones(), (std::vector<uint64_t>{2, 2}));
}

TEST_F(SqlServerWire, BulkErrorInALaterBcpBatchIsFatalAndCommitsNothing) {
  ASSERT_EQ(open({{"bulk_min_rows", "2"}, {"bulk_batch_rows", "2"}}), WR_OK) << g_last_error;
  BulkTable t;
  BulkTable::describe(*server_);
  server_->clear();
  // The second bulk load (rows 3 and 4, ended by bcp_batch) gets a duplicate key error.
  server_->fail_next("BULK\n3 | ", 2627, "Violation of PRIMARY KEY constraint 'PK_bulk'.");
  BatchBuilder b;
  insert_bulk_rows(b, t.rel, 5);
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("bulk copy of 5 rows into [dbo].[bulk]"), std::string::npos)
      << g_last_error;
  EXPECT_NE(g_last_error.find("(bcp_batch): SQL Server error 2627"), std::string::npos)
      << g_last_error;
  const auto sent = server_->statements();
  ASSERT_EQ(sent.size(), 8u);
  EXPECT_EQ(sent[5], "BULK 2 rows");
  EXPECT_EQ(sent[7], "BULK 2 rows");
  for (const auto &x : sent) {
    EXPECT_EQ(x.find("COMMIT"), std::string::npos) << x;
    EXPECT_EQ(x.find("walrelay_checkpoint] SET"), std::string::npos) << x;
  }
  // The connection was closed (the server rolls the transaction back, first batch
  // included): the next batch logs in again.
  EXPECT_EQ(server_->logins(), 1);
  wr_lsn lsn = 0;
  ASSERT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(server_->logins(), 2);
}

}  // namespace
}  // namespace wrsqlserver
