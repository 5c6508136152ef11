// SQLite sink: a failed batch leaves nothing behind; busy database -> WR_RETRY.
#include "sink_harness.h"

namespace wrtest {
namespace {

const Relation kAccounts(300, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "accounts",
                         {{"id", kInt4, true}, {"owner", kText}});
const Relation kAudit(301, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "audit",
                      {{"id", kInt4, true}, {"what", kText}});

TEST_F(sqlite_sink, BatchFailingOnItsThirdChangeLeavesNothingVisible) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder ok;
  ok.txn(0x1000, 500).insert(kAccounts, {T("1"), T("ann")});
  ASSERT_EQ(apply(ok.build()), WR_OK) << g_last_error;

  BatchBuilder bad;
  bad.txn(0x2000, 600)
      .insert(kAccounts, {T("2"), T("bob")})
      .update(kAccounts, WR_OLD_NONE, {}, {T("1"), T("ann2")});
  bad.txn(0x3000, 700).insert(kAccounts, {T("1"), T("dup")});  // PK violation
  const wr_lsn bad_lsn = bad.last_change_lsn();
  EXPECT_EQ(apply(bad.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("\"accounts\""), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("INSERT"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find(sdk_lsn(bad_lsn)), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("UNIQUE constraint failed"), std::string::npos) << g_last_error;

  EXPECT_EQ(q("SELECT id, owner FROM accounts ORDER BY id"), (Rows{{"1", "ann"}}));
  EXPECT_EQ(q("SELECT end_lsn, commit_time_us FROM walrelay_checkpoint"),
            (Rows{{std::to_string(0x1000), "500"}}));
  EXPECT_EQ(position(), 0x1000u);

  // The same connection keeps working after the rollback.
  BatchBuilder fixed;
  fixed.txn(0x2000, 600).insert(kAccounts, {T("2"), T("bob")});
  ASSERT_EQ(apply(fixed.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id FROM accounts ORDER BY id"), (Rows{{"1"}, {"2"}}));
  EXPECT_EQ(position(), 0x2000u);
}

// A transaction in three pieces (WR_CAP_PARTIAL_TXN): invisible and not checkpointed until
// the last piece; a failing piece discards the whole transaction; starting over applies it
// exactly once.
TEST_F(sqlite_sink, TransactionInPiecesIsAtomicAndRestartsCleanly) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  // One piece of the transaction ending at `end`: inserts of `ids`.
  auto piece_of = [&](wr_lsn end, BatchBuilder &b, std::vector<int> ids, uint32_t flags) {
    auto &t = b.txn(end, 900);
    for (int id : ids) t.insert(kAccounts, {T(std::to_string(id)), T("p")});
    wr_batch w = b.build();
    w.flags = flags;
    return apply(w);
  };
  auto piece = [&](BatchBuilder &b, std::vector<int> ids, uint32_t flags) {
    return piece_of(0x5000, b, std::move(ids), flags);
  };
  BatchBuilder p1, p2, p3;
  ASSERT_EQ(piece(p1, {1, 2}, WR_BATCH_TXN_CONTINUES), WR_OK) << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);  // nothing durable yet
  EXPECT_EQ(query(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'accounts'"),
            (Rows{{"0"}}));  // another reader sees nothing
  ASSERT_EQ(piece(p2, {3, 4}, WR_BATCH_TXN_CONTINUES | WR_BATCH_TXN_CONTINUED), WR_OK)
      << g_last_error;
  ASSERT_EQ(piece(p3, {5}, WR_BATCH_TXN_CONTINUED), WR_OK) << g_last_error;
  EXPECT_EQ(position(), 0x5000u);
  EXPECT_EQ(q("SELECT count(*) FROM accounts"), (Rows{{"5"}}));
  EXPECT_EQ(q("SELECT end_lsn FROM walrelay_checkpoint"), (Rows{{std::to_string(0x5000)}}));

  // The next transaction fails in its second piece: nothing of it stays.
  auto piece2 = [&](BatchBuilder &b, std::vector<int> ids, uint32_t flags) {
    return piece_of(0x6000, b, std::move(ids), flags);
  };
  BatchBuilder q1, q2, r1, r2;
  ASSERT_EQ(piece2(q1, {6, 7}, WR_BATCH_TXN_CONTINUES), WR_OK) << g_last_error;
  EXPECT_EQ(piece2(q2, {1}, WR_BATCH_TXN_CONTINUED), WR_FATAL);  // duplicate key
  EXPECT_EQ(q("SELECT count(*) FROM accounts"), (Rows{{"5"}}));
  EXPECT_EQ(position(), 0x5000u);
  // A continuation with nothing open is refused.
  BatchBuilder stray;
  EXPECT_EQ(piece2(stray, {8}, WR_BATCH_TXN_CONTINUED), WR_FATAL);
  EXPECT_NE(g_last_error.find("no such transaction is open"), std::string::npos) << g_last_error;
  // Started over from the first piece: applied once.
  ASSERT_EQ(piece2(r1, {6, 7}, WR_BATCH_TXN_CONTINUES), WR_OK) << g_last_error;
  ASSERT_EQ(piece2(r2, {8}, WR_BATCH_TXN_CONTINUED), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM accounts"), (Rows{{"8"}}));
  EXPECT_EQ(position(), 0x6000u);
}

TEST_F(sqlite_sink, FailedBatchAlsoRollsBackTablesItCreated) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder bad;
  bad.txn(0x100)
      .insert(kAudit, {T("1"), T("x")})
      .insert(kAccounts, {T("1"), T("a")})
      .insert(kAccounts, {T("1"), T("a")});
  EXPECT_EQ(apply(bad.build()), WR_FATAL);
  EXPECT_EQ(q("SELECT name FROM sqlite_master WHERE type = 'table'"),
            (Rows{{"walrelay_checkpoint"}}));
  EXPECT_EQ(position(), WR_LSN_INVALID);

  // The sink must not believe the tables still exist.
  BatchBuilder good;
  good.txn(0x100).insert(kAudit, {T("1"), T("x")}).insert(kAccounts, {T("1"), T("a")});
  ASSERT_EQ(apply(good.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM audit"), (Rows{{"1"}}));
  EXPECT_EQ(q("SELECT count(*) FROM accounts"), (Rows{{"1"}}));
}

TEST_F(sqlite_sink, LockedDatabaseIsRetryAndNothingIsApplied) {
  ASSERT_EQ(open({{"busy_timeout_ms", "50"}}), WR_OK) << g_last_error;
  sqlite3 *other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  BatchBuilder b;
  b.txn(0x100).insert(kAccounts, {T("1"), T("a")});
  const wr_batch &batch = b.build();
  EXPECT_EQ(apply(batch), WR_RETRY);
  EXPECT_NE(g_last_error.find("locked"), std::string::npos) << g_last_error;

  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(position(), WR_LSN_INVALID);
  ASSERT_EQ(apply(batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, owner FROM accounts"), (Rows{{"1", "a"}}));
}

TEST_F(sqlite_sink, MissingTableWithCreateTablesOffIsFatal) {
  ASSERT_EQ(open({{"create_tables", "false"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kAccounts, {T("1"), T("a")});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("\"accounts\""), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("create_tables"), std::string::npos) << g_last_error;
}

TEST_F(sqlite_sink, ExistingTableIsUsedWithCreateTablesOff) {
  ASSERT_EQ(open({{"create_tables", "false"}}), WR_OK) << g_last_error;
  {
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT, note)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  BatchBuilder b;
  b.txn(0x100)
      .insert(kAccounts, {T("1"), T("a")})
      .update(kAccounts, WR_OLD_NONE, {}, {T("1"), T("b")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, owner, note FROM accounts"), (Rows{{"1", "b", "NULL"}}));
}

}  // namespace
}  // namespace wrtest
