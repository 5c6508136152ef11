// SQLite sink: the walrelay_checkpoint row, load_position and exactly-once replays.
#include "sink_harness.h"

namespace wrtest {
namespace {

const Relation kItems(100, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "items",
                      {{"id", kInt4, true}, {"name", kText}});

TEST_F(sqlite_sink, LoadPositionIsZeroOnANewFile) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);
}

TEST_F(sqlite_sink, CheckpointTableHasTheDocumentedSchema) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT sql FROM sqlite_master WHERE name = 'walrelay_checkpoint'"),
            (Rows{{"CREATE TABLE walrelay_checkpoint (sink TEXT PRIMARY KEY, end_lsn INTEGER NOT "
                   "NULL, end_lsn_text TEXT NOT NULL, commit_time_us INTEGER, updated_at_us "
                   "INTEGER)"}}));
  EXPECT_EQ(q("SELECT count(*) FROM walrelay_checkpoint"), (Rows{{"0"}}));
}

TEST_F(sqlite_sink, PositionIsTheBatchEndLsnAndSurvivesReopening) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x16B3748, 1700000000123456).insert(kItems, {T("1"), T("one")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(position(), 0x16B3748u);
  const Rows row =
      q("SELECT sink, end_lsn, end_lsn_text, commit_time_us, updated_at_us > 0 FROM "
        "walrelay_checkpoint");
  EXPECT_EQ(row,
            (Rows{{"replica", std::to_string(0x16B3748), "0/16B3748", "1700000000123456", "1"}}));

  close();
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  EXPECT_EQ(position(), 0x16B3748u);

  BatchBuilder b2;
  b2.txn(0x1600000001, 1700000000200000).insert(kItems, {T("2"), T("two")});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  EXPECT_EQ(position(), 0x1600000001u);
  EXPECT_EQ(q("SELECT end_lsn_text FROM walrelay_checkpoint"), (Rows{{"16/1"}}));
  EXPECT_EQ(q("SELECT id, name FROM items ORDER BY id"), (Rows{{"1", "one"}, {"2", "two"}}));
}

TEST_F(sqlite_sink, BatchOfSeveralTransactionsStoresTheLastCommitTime) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100, 111).insert(kItems, {T("1"), T("a")});
  b.txn(0x200, 222)
      .insert(kItems, {T("2"), T("b")})
      .update(kItems, WR_OLD_NONE, {}, {T("1"), T("a2")});
  b.txn(0x300, 333).del(kItems, WR_OLD_KEY, {T("2"), N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, name FROM items"), (Rows{{"1", "a2"}}));
  EXPECT_EQ(q("SELECT end_lsn, commit_time_us FROM walrelay_checkpoint"), (Rows{{"768", "333"}}));
}

TEST_F(sqlite_sink, CheckpointRowIsPerSinkName) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x500).insert(kItems, {T("1"), T("a")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;

  wr_sink *other = nullptr;
  ASSERT_EQ(create_sink({{"path", path_}}, &other, "audit"), WR_OK) << g_last_error;
  wr_lsn lsn = 1;
  EXPECT_EQ(plugin()->vtable->load_position(other, &lsn), WR_OK);
  EXPECT_EQ(lsn, WR_LSN_INVALID);
  plugin()->vtable->destroy(other);
  EXPECT_EQ(position(), 0x500u);
}

TEST_F(sqlite_sink, ReplayedTransactionsAreNotAppliedTwice) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kItems, {T("1"), T("a")});
  b.txn(0x200).insert(kItems, {T("2"), T("b")});
  const wr_batch &batch = b.build();
  ASSERT_EQ(apply(batch), WR_OK) << g_last_error;
  // The host should skip these itself; the sink must still not duplicate them.
  ASSERT_EQ(apply(batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"2"}}));
  EXPECT_EQ(position(), 0x200u);

  // A batch straddling the stored position applies only the new transaction.
  BatchBuilder b2;
  b2.txn(0x200).insert(kItems, {T("2"), T("b")});
  b2.txn(0x300).insert(kItems, {T("3"), T("c")});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id FROM items ORDER BY id"), (Rows{{"1"}, {"2"}, {"3"}}));
  EXPECT_EQ(position(), 0x300u);
}

}  // namespace
}  // namespace wrtest
