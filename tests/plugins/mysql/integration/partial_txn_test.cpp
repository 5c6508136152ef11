// MySQL sink on MariaDB: one transaction delivered in pieces (WR_CAP_PARTIAL_TXN).
#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

const Relation kItems(100, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "items",
                      {{"id", kInt8, true}, {"v", kText}});

/// One piece of the transaction ending at `end_lsn`: rows [from, to) inserted into items,
/// with `flags`. The builder owns the storage; `batch` is the flagged copy.
struct Piece {
  BatchBuilder b;
  wr_batch batch{};
  Piece(wr_lsn end_lsn, int from, int to, uint32_t flags) {
    b.txn(end_lsn);
    for (int i = from; i < to; ++i)
      b.insert(kItems, {T(std::to_string(i)), T("v" + std::to_string(i))});
    batch = b.build();
    batch.flags = flags;
  }
};

constexpr uint32_t kFirst = WR_BATCH_TXN_CONTINUES;
constexpr uint32_t kMiddle = WR_BATCH_TXN_CONTINUES | WR_BATCH_TXN_CONTINUED;
constexpr uint32_t kLast = WR_BATCH_TXN_CONTINUED;

TEST_P(mysql_sink, PluginDeclaresPartialTransactions) {
  EXPECT_NE(plugin()->capabilities & WR_CAP_PARTIAL_TXN, 0u);
}

TEST_P(mysql_sink, ThreePiecesAreInvisibleUntilTheLastThenWhole) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder before;
  before.txn(0x100).insert(kItems, {T("0"), T("before")});
  ASSERT_EQ(apply(before.build()), WR_OK) << g_last_error;

  Piece p1(0x900, 1, 4, kFirst), p2(0x900, 4, 7, kMiddle), p3(0x900, 7, 10, kLast);
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"1"}}));  // a concurrent reader
  EXPECT_EQ(q("SELECT end_lsn FROM walrelay_checkpoint"), (Rows{{"256"}}));
  ASSERT_EQ(apply(p2.batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"1"}}));
  EXPECT_EQ(q("SELECT end_lsn FROM walrelay_checkpoint"), (Rows{{"256"}}));
  ASSERT_EQ(apply(p3.batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*), min(id), max(id) FROM items"), (Rows{{"10", "0", "9"}}));
  EXPECT_EQ(position(), 0x900u);
}

TEST_P(mysql_sink, DuplicateKeyInPieceTwoLeavesNothingThenRestartAppliesOnce) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder before;
  before.txn(0x100).insert(kItems, {T("50"), T("before")});
  ASSERT_EQ(apply(before.build()), WR_OK) << g_last_error;

  Piece p1(0x900, 1, 4, kFirst), p3(0x900, 7, 10, kLast);
  Piece bad(0x900, 4, 7, kMiddle);
  bad.b.insert(kItems, {T("50"), T("dup")});  // duplicate of the committed row
  bad.batch = bad.b.build();
  bad.batch.flags = kMiddle;
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  EXPECT_EQ(apply(bad.batch), WR_FATAL);
  EXPECT_NE(g_last_error.find("Duplicate"), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT id FROM items"), (Rows{{"50"}}));
  EXPECT_EQ(position(), 0x100u);
  // A continued piece with nothing open is refused, not applied on its own.
  EXPECT_EQ(apply(p3.batch), WR_FATAL);
  EXPECT_NE(g_last_error.find("no transaction is open"), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"1"}}));

  // The host restarts from the first piece (the fixed source sends no duplicate).
  Piece p2(0x900, 4, 7, kMiddle);
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p2.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p3.batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*), count(DISTINCT id) FROM items"), (Rows{{"10", "10"}}));
  EXPECT_EQ(position(), 0x900u);
  // Resent whole after it committed: every piece is skipped.
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p2.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p3.batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"10"}}));
}

TEST_P(mysql_sink, KilledConnectionBetweenPiecesIsRetryAndRestartAppliesOnce) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Piece p1(0x900, 1, 4, kFirst), p2(0x900, 4, 7, kMiddle), p3(0x900, 7, 10, kLast);
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  const auto ids = q("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '" + db_ +
                     "' AND ID <> CONNECTION_ID()");
  ASSERT_EQ(ids.size(), 1u);
  admin_->exec("KILL " + ids[0][0]);
  EXPECT_EQ(apply(p2.batch), WR_RETRY) << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);  // the host's retry: load_position (reconnects)
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"0"}}));
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p2.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p3.batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*), count(DISTINCT id) FROM items"), (Rows{{"9", "9"}}));
  EXPECT_EQ(position(), 0x900u);
}

TEST_P(mysql_sink, LoadPositionBetweenPiecesRollsBackTheOpenTransaction) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Piece p1(0x900, 1, 4, kFirst), p2(0x900, 4, 7, kMiddle), p3(0x900, 7, 10, kLast);
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);
  EXPECT_EQ(apply(p2.batch), WR_FATAL);  // nothing open any more
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p2.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p3.batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"9"}}));
}

TEST_P(mysql_sink, DestroyWithAnOpenTransactionRollsBack) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Piece p1(0x900, 1, 4, kFirst);
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  close();
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"0"}}));
  EXPECT_EQ(q("SELECT count(*) FROM walrelay_checkpoint"), (Rows{{"0"}}));
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);
}

TEST_P(mysql_sink, BulkPathsWorkAcrossPieces) {
  // Piece 1 and 3 go through LOAD DATA (>= 50 rows), piece 2 through multi-row INSERTs.
  ASSERT_EQ(open({{"load_data_min_rows", "50"}, {"insert_batch_rows", "8"}}), WR_OK)
      << g_last_error;
  Piece p1(0x900, 0, 300, kFirst), p2(0x900, 300, 330, kMiddle), p3(0x900, 330, 600, kLast);
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p2.batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"0"}}));
  ASSERT_EQ(apply(p3.batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*), min(id), max(id), sum(v = concat('v', id)) FROM items"),
            (Rows{{"600", "0", "599", "600"}}));
  EXPECT_EQ(position(), 0x900u);
}

TEST_P(mysql_sink, LoadDataDuplicateInPieceThreeLeavesNothing) {
  ASSERT_EQ(open({{"load_data_min_rows", "50"}}), WR_OK) << g_last_error;
  Piece p1(0x900, 0, 100, kFirst), p2(0x900, 100, 200, kMiddle), p3(0x900, 150, 250, kLast);
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p2.batch), WR_OK) << g_last_error;
  EXPECT_EQ(apply(p3.batch), WR_FATAL);
  EXPECT_NE(g_last_error.find("1062"), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"0"}}));
  EXPECT_EQ(position(), WR_LSN_INVALID);
}

TEST_P(mysql_sink, NewColumnInAContinuedPieceRetriesThenRestartSucceeds) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation v2(100, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "items",
                    {{"id", kInt8, true}, {"v", kText}, {"extra", kInt4}});
  Piece p1(0x900, 1, 4, kFirst);
  BatchBuilder b2;
  b2.txn(0x900).insert(v2, {T("4"), T("v4"), T("44")});
  wr_batch p2 = b2.build();
  p2.flags = kLast;
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  EXPECT_EQ(apply(p2), WR_RETRY) << g_last_error;
  EXPECT_NE(g_last_error.find("restarts from its first piece"), std::string::npos) << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"0"}}));
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p2), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, extra FROM items ORDER BY id"),
            (Rows{{"1", "NULL"}, {"2", "NULL"}, {"3", "NULL"}, {"4", "44"}}));
  EXPECT_EQ(position(), 0x900u);
}

TEST_P(mysql_sink, DroppedColumnInAContinuedPieceIsDroppedAfterTheLastPiece) {
  ASSERT_EQ(open({{"drop_columns", "true"}}), WR_OK) << g_last_error;
  const Relation v2(100, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "items", {{"id", kInt8, true}});
  Piece p1(0x900, 1, 3, kFirst);
  BatchBuilder b2;
  b2.txn(0x900).insert(v2, {T("3")});
  wr_batch p2 = b2.build();
  p2.flags = kMiddle;
  BatchBuilder b3;
  b3.txn(0x900).insert(v2, {T("4")});
  wr_batch p3 = b3.build();
  p3.flags = kLast;
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(p2), WR_OK) << g_last_error;  // no DDL needed mid-transaction
  EXPECT_EQ(q("SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
              "AND TABLE_NAME = 'items'"),
            (Rows{{"2"}}));
  ASSERT_EQ(apply(p3), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
              "AND TABLE_NAME = 'items'"),
            (Rows{{"id"}}));
  EXPECT_EQ(q("SELECT id FROM items ORDER BY id"), (Rows{{"1"}, {"2"}, {"3"}, {"4"}}));
}

TEST_P(mysql_sink, ProtocolViolationsAreFatalAndRollBack) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  Piece p1(0x900, 1, 3, kFirst);
  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  BatchBuilder other;  // a whole new batch while the transaction is open
  other.txn(0xA00).insert(kItems, {T("7"), T("x")});
  EXPECT_EQ(apply(other.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("still open"), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"0"}}));

  ASSERT_EQ(apply(p1.batch), WR_OK) << g_last_error;
  Piece wrong(0xB00, 3, 5, kLast);  // continues a different transaction
  EXPECT_EQ(apply(wrong.batch), WR_FATAL);
  EXPECT_NE(g_last_error.find("continues the open transaction"), std::string::npos) << g_last_error;

  BatchBuilder two;  // flagged batches hold exactly one transaction
  two.txn(0x900).insert(kItems, {T("1"), T("a")});
  two.txn(0x980).insert(kItems, {T("2"), T("b")});
  wr_batch b = two.build();
  b.flags = kFirst;
  EXPECT_EQ(apply(b), WR_FATAL);
  EXPECT_NE(g_last_error.find("expected exactly one"), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"0"}}));
  EXPECT_EQ(position(), WR_LSN_INVALID);
}

}  // namespace
}  // namespace wrmysql
