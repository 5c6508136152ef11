// MySQL sink on MariaDB: checkpoint in the batch transaction, atomicity, reopen, retries.
#include <thread>

#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

const Relation kItems(100, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "items",
                      {{"id", kInt8, true}, {"v", kText}});

TEST_P(mysql_sink, EmptyDestinationHasNoPosition) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);
  EXPECT_EQ(q("SHOW TABLES"), (Rows{{"walrelay_checkpoint"}}));
}

TEST_P(mysql_sink, CheckpointSurvivesReopenAndIsPerSink) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x1234'5678'9ABCull).insert(kItems, {T("1"), T("a")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  close();
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  EXPECT_EQ(position(), 0x1234'5678'9ABCull);
  EXPECT_EQ(q("SELECT end_lsn_text FROM walrelay_checkpoint"), (Rows{{"1234/56789ABC"}}));
  ASSERT_EQ(open({}, "other"), WR_OK) << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);
}

TEST_P(mysql_sink, TransactionsAtOrBelowTheCheckpointAreSkipped) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x200).insert(kItems, {T("1"), T("a")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  BatchBuilder again;  // a host that resends: the first txn is already there
  again.txn(0x200).insert(kItems, {T("1"), T("a")});
  again.txn(0x300).insert(kItems, {T("2"), T("b")});
  ASSERT_EQ(apply(again.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, v FROM items ORDER BY id"), (Rows{{"1", "a"}, {"2", "b"}}));
  EXPECT_EQ(position(), 0x300u);
}

TEST_P(mysql_sink, FailureOnTheThirdChangeLeavesNothingOfTheBatch) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder first;
  first.txn(0x100).insert(kItems, {T("1"), T("kept")});
  ASSERT_EQ(apply(first.build()), WR_OK) << g_last_error;

  const Relation fresh(101, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "fresh",
                       {{"id", kInt4, true}});
  BatchBuilder b;
  b.txn(0x200)
      .insert(kItems, {T("2"), T("new")})
      .update(kItems, WR_OLD_NONE, {}, {T("1"), T("changed")});
  b.txn(0x300).insert(fresh, {T("9")}).del(kItems, WR_OLD_KEY, {T("77"), N});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("`items`"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("'77'"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("LSN 0/"), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT id, v FROM items ORDER BY id"), (Rows{{"1", "kept"}}));
  EXPECT_EQ(q("SELECT count(*) FROM fresh"), (Rows{{"0"}}));  // table made, row rolled back
  EXPECT_EQ(position(), 0x100u);
  // The sink is usable afterwards.
  BatchBuilder ok;
  ok.txn(0x400).insert(kItems, {T("3"), T("c")});
  ASSERT_EQ(apply(ok.build()), WR_OK) << g_last_error;
  EXPECT_EQ(position(), 0x400u);
}

TEST_P(mysql_sink, KilledConnectionIsRetryThenSucceedsWithoutDuplicates) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b1;
  b1.txn(0x100).insert(kItems, {T("1"), T("a")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;

  const auto ids = q("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '" + db_ +
                     "' AND ID <> CONNECTION_ID()");
  ASSERT_EQ(ids.size(), 1u);
  admin_->exec("KILL " + ids[0][0]);

  BatchBuilder b2;
  b2.txn(0x200).insert(kItems, {T("2"), T("b")}).insert(kItems, {T("3"), T("c")});
  const wr_batch &batch = b2.build();
  EXPECT_EQ(apply(batch), WR_RETRY) << g_last_error;
  // The host's retry: load_position (reconnects), then the same batch again.
  EXPECT_EQ(position(), 0x100u);
  ASSERT_EQ(apply(batch), WR_OK) << g_last_error;
  ASSERT_EQ(apply(batch), WR_OK) << g_last_error;  // resent once more: skipped
  EXPECT_EQ(q("SELECT id, v FROM items ORDER BY id"), (Rows{{"1", "a"}, {"2", "b"}, {"3", "c"}}));
  EXPECT_EQ(position(), 0x200u);
}

TEST_P(mysql_sink, LockWaitTimeoutIsRetry) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b1;
  b1.txn(0x100).insert(kItems, {T("1"), T("a")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;

  Client locker(server().port(), db_);
  locker.exec("START TRANSACTION");
  locker.query("SELECT * FROM items WHERE id = 1 FOR UPDATE");
  BatchBuilder b2;
  b2.txn(0x200).insert(kItems, {T("2"), T("b")}).update(kItems, WR_OLD_NONE, {}, {T("1"), T("z")});
  const wr_batch &batch = b2.build();
  EXPECT_EQ(apply(batch), WR_RETRY) << g_last_error;  // server lock wait timeout is 3 s
  EXPECT_NE(g_last_error.find("1205"), std::string::npos) << g_last_error;
  locker.exec("ROLLBACK");
  EXPECT_EQ(position(), 0x100u);
  ASSERT_EQ(apply(batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, v FROM items ORDER BY id"), (Rows{{"1", "z"}, {"2", "b"}}));
}

TEST_P(mysql_sink, ServerRestartIsRetryThenSucceeds) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b1;
  b1.txn(0x100).insert(kItems, {T("1"), T("a")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  admin_.reset();
  server().stop();
  server().start();
  admin_ = std::make_unique<Client>(server().port());
  BatchBuilder b2;
  b2.txn(0x200).insert(kItems, {T("2"), T("b")});
  const wr_batch &batch = b2.build();
  EXPECT_EQ(apply(batch), WR_RETRY) << g_last_error;
  EXPECT_EQ(position(), 0x100u);
  ASSERT_EQ(apply(batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id FROM items ORDER BY id"), (Rows{{"1"}, {"2"}}));
}

}  // namespace
}  // namespace wrmysql
