// The plugin's real FreeTDS db-lib path against tds_responder.h: exact batches sent, the
// checkpoint inside the transaction, WR_RETRY after injected errors and dropped
// connections, WR_FATAL naming table, key and LSN for constraint violations.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
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
  wr_status open() {
    return create_sink({{"host", "127.0.0.1"},
                        {"port", std::to_string(server_->port())},
                        {"user", "sa"},
                        {"password", "secret"},
                        {"database", "wr"},
                        {"login_timeout_ms", "5000"},
                        {"query_timeout_ms", "5000"}},
                       &sink_);
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
  const auto sent = server_->batches();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[1].rfind("IF OBJECT_ID(N'[dbo].[t]', N'U') IS NULL CREATE TABLE [dbo].[t]", 0),
            0u);
  EXPECT_EQ(sent[2],
            "INSERT INTO [dbo].[t] ([id], [s]) VALUES\n(1, N'caf\xC3\xA9 ''x'''),\n(2, NULL);\n"
            "UPDATE [dbo].[t] SET [id] = 2, [s] = N'y' WHERE [id] = 2;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, N'UPDATE on table [dbo].[t] (change at LSN 0/2008): "
            "no single row matches key ([id] = ''2'')', 1;\n"
            "DELETE FROM [dbo].[t] WHERE [id] = 1;\n"
            "IF @@ROWCOUNT <> 1 THROW 50001, N'DELETE on table [dbo].[t] (change at LSN 0/2010): "
            "no single row matches key ([id] = ''1'')', 1;\n");
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
  const auto sent2 = server_->batches();
  ASSERT_EQ(sent2.size(), 3u);
  EXPECT_EQ(sent2[0], kBegin);
  EXPECT_EQ(sent2[1], "TRUNCATE TABLE [dbo].[t];\n");
  EXPECT_NE(sent2[2].find("end_lsn = 20480"), std::string::npos);
}

TEST_F(SqlServerWire, SkipsTransactionsAtOrBelowStoredCheckpoint) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}});
  server_->set_checkpoint(0x3000);
  server_->clear();
  BatchBuilder b;
  b.txn(0x3000).insert(r, {T("1")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const auto sent = server_->batches();
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
  const auto sent = server_->batches();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back(), "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;");
  // The retry sends the DDL again (it was rolled back with the transaction).
  server_->clear();
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(server_->batches().size(), 4u);
}

TEST_F(SqlServerWire, ConstraintViolationIsFatalNamingTableKeyAndLsn) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Relation r(7, 1, 'd', "public", "t", {{"id", kInt4, true}, {"s", kText}});
  BatchBuilder b;
  b.txn(0x3000).update(r, WR_OLD_NONE, {}, {T("5"), T("a")}).update(r, WR_OLD_NONE, {},
                                                                       {T("6"), T("b")});
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
  const auto sent = server_->batches();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[2], "INSERT INTO [dbo].[t] ([id]) VALUES\n(1);\n");
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
  const auto sent = server_->batches();
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_EQ(sent[0], kBegin);
  EXPECT_EQ(sent[2], "INSERT INTO [dbo].[t] ([id]) VALUES\n(1);\n");
  EXPECT_EQ(sent[3], "INSERT INTO [dbo].[t] ([id]) VALUES\n(2);\n");
  EXPECT_NE(sent[4].find("COMMIT TRANSACTION;"), std::string::npos);
  for (size_t i = 0; i + 1 < sent.size(); ++i)
    EXPECT_EQ(sent[i].find("COMMIT"), std::string::npos) << sent[i];
}

}  // namespace
}  // namespace wrsqlserver
