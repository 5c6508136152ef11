// MySQL sink on MariaDB: INSERT / UPDATE / DELETE / TRUNCATE, row identity, TOAST, batching.
#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

const Relation kUsers(200, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "users",
                      {{"id", kInt4, true}, {"name", kText}, {"bio", kText}});
const Relation kPairs(201, 1, WR_REPLICA_IDENTITY_INDEX, "public", "pairs",
                      {{"a", kInt4, true}, {"b", kText, true}, {"v", kText}});
const Relation kLog(202, 1, WR_REPLICA_IDENTITY_FULL, "public", "log",
                    {{"at", kText, true},
                     {"level", kInt4, true},
                     {"score", kFloat8, true},
                     {"ok", kBool, true},
                     {"raw", kBytea, true},
                     {"msg", kText, true}});

TEST_P(mysql_sink, InsertUpdateDelete) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100)
      .insert(kUsers, {T("1"), T("ann"), T("a")})
      .insert(kUsers, {T("2"), T("bob"), T("b")})
      .insert(kUsers, {T("3"), T("cy"), N});
  b.txn(0x200)
      .update(kUsers, WR_OLD_NONE, {}, {T("2"), T("bobby"), N})
      .del(kUsers, WR_OLD_KEY, {T("3"), N, N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, name, bio FROM users ORDER BY id"),
            (Rows{{"1", "ann", "a"}, {"2", "bobby", "NULL"}}));
  EXPECT_EQ(q("SELECT end_lsn, end_lsn_text FROM walrelay_checkpoint WHERE sink = 'replica'"),
            (Rows{{"512", "0/200"}}));
}

TEST_P(mysql_sink, UpdateWithKeyOldTupleChangesThePrimaryKey) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("ann"), T("a")}).insert(kUsers, {T("2"), T("bob"), N});
  b.txn(0x200).update(kUsers, WR_OLD_KEY, {T("1"), N, N}, {T("10"), T("ann"), T("moved")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, name, bio FROM users ORDER BY id"),
            (Rows{{"2", "bob", "NULL"}, {"10", "ann", "moved"}}));
}

TEST_P(mysql_sink, CompositeKeyIsThePrimaryKey) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100)
      .insert(kPairs, {T("1"), T("x"), T("first")})
      .insert(kPairs, {T("1"), T("X"), T("case differs")})
      .insert(kPairs, {T("1"), T("y"), T("second")})
      .update(kPairs, WR_OLD_NONE, {}, {T("1"), T("y"), T("second!")})
      .update(kPairs, WR_OLD_KEY, {T("1"), T("x"), N}, {T("2"), T("x"), T("first!")})
      .del(kPairs, WR_OLD_KEY, {T("1"), T("y"), N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT a, b, v FROM pairs ORDER BY a, b"),
            (Rows{{"1", "X", "case differs"}, {"2", "x", "first!"}}));
  EXPECT_EQ(q("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = "
              "DATABASE() AND TABLE_NAME = 'pairs' AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY "
              "ORDINAL_POSITION"),
            (Rows{{"a"}, {"b"}}));
}

TEST_P(mysql_sink, FullIdentityUpdateAndDeleteTouchOnlyOneOfIdenticalRows) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const std::vector<Val> row = {T("t1"), T("3"), T("0.1"), T("t"), T("\\x00ff"), N};
  const std::vector<Val> nan_row = {T("t2"), N, T("NaN"), T("f"), T("\\x"), T("m")};
  BatchBuilder b;
  b.txn(0x100)
      .insert(kLog, row)
      .insert(kLog, row)
      .insert(kLog, row)
      .insert(kLog, nan_row)
      .insert(kLog, nan_row);
  b.txn(0x200)
      .update(kLog, WR_OLD_FULL, row,
              {T("t1"), T("3"), T("0.1"), T("t"), T("\\x00ff"), T("changed")})
      .del(kLog, WR_OLD_FULL, nan_row);
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT at, msg, count(*) FROM log GROUP BY at, msg ORDER BY at, msg"),
            (Rows{{"t1", "NULL", "2"}, {"t1", "changed", "1"}, {"t2", "m", "1"}}));
}

TEST_P(mysql_sink, UnchangedToastKeepsTheStoredValue) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const std::string big(10000, 'z');
  BatchBuilder b;
  b.txn(0x100)
      .insert(kUsers, {T("1"), T("ann"), T(big)})
      .insert(kUsers, {T("2"), T("bob"), T(big)});
  b.txn(0x200)
      .update(kUsers, WR_OLD_NONE, {}, {T("1"), T("ann2"), U})
      .update(kUsers, WR_OLD_NONE, {}, {T("2"), T("bob2"), U})
      .update(kUsers, WR_OLD_NONE, {}, {T("2"), T("bob3"), T("short")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, name, LENGTH(bio), LEFT(bio, 5) FROM users ORDER BY id"),
            (Rows{{"1", "ann2", "10000", "zzzzz"}, {"2", "bob3", "5", "short"}}));
}

TEST_P(mysql_sink, FullIdentityWithUnchangedToastInTheOldRow) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const std::string big(5000, 'q');
  BatchBuilder b;
  b.txn(0x100)
      .insert(kLog, {T("a"), T("1"), T("1.5"), T("t"), T("\\x01"), T(big)})
      .insert(kLog, {T("b"), T("1"), T("1.5"), T("t"), T("\\x01"), T(big)});
  b.txn(0x200).update(kLog, WR_OLD_FULL, {T("a"), T("1"), T("1.5"), T("t"), T("\\x01"), U},
                      {T("a"), T("2"), T("1.5"), T("t"), T("\\x01"), U});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT at, level, LENGTH(msg) FROM log ORDER BY at"),
            (Rows{{"a", "2", "5000"}, {"b", "1", "5000"}}));
}

TEST_P(mysql_sink, TruncateIsADeleteInsideTheBatch) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("ann"), N}).insert(kPairs, {T("1"), T("x"), N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  BatchBuilder b2;
  b2.txn(0x200).truncate({&kUsers, &kPairs}).insert(kUsers, {T("5"), T("eve"), N});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id FROM users"), (Rows{{"5"}}));
  EXPECT_EQ(q("SELECT count(*) FROM pairs"), (Rows{{"0"}}));
  // A truncate followed by a failing change leaves everything as it was: no implicit commit.
  BatchBuilder b3;
  b3.txn(0x300).truncate({&kUsers}).del(kPairs, WR_OLD_KEY, {T("9"), T("nope"), N});
  EXPECT_EQ(apply(b3.build()), WR_FATAL);
  EXPECT_EQ(q("SELECT id FROM users"), (Rows{{"5"}}));
  EXPECT_EQ(position(), 0x200u);
}

TEST_P(mysql_sink, SameRowUpdatedManyTimesLastWins) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("v0"), N});
  for (int t = 1; t <= 20; ++t) {
    b.txn(0x100 + 0x10 * static_cast<wr_lsn>(t));
    for (int i = 0; i < 5; ++i) {
      b.update(kUsers, WR_OLD_NONE, {}, {T("1"), T("v" + std::to_string(t * 10 + i)), N});
    }
  }
  b.txn(0x400).del(kUsers, WR_OLD_KEY, {T("1"), N, N}).insert(kUsers, {T("1"), T("reborn"), N});
  b.update(kUsers, WR_OLD_NONE, {}, {T("1"), T("final"), T("x")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, name, bio FROM users"), (Rows{{"1", "final", "x"}}));
}

TEST_P(mysql_sink, LongInsertRunsUseMultiRowStatements) {
  ASSERT_EQ(open({{"insert_batch_rows", "64"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  for (int t = 0; t < 10; ++t) {
    b.txn(0x1000 + 0x100 * static_cast<wr_lsn>(t));
    for (int i = 0; i < 100; ++i) {
      const int id = t * 100 + i;
      b.insert(kUsers, {T(std::to_string(id)), T("n" + std::to_string(id)), N});
    }
    b.insert(kPairs, {T(std::to_string(t)), T("k"), N});  // breaks the run
  }
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*), sum(id), min(name), max(name) FROM users"),
            (Rows{{"1000", "499500", "n0", "n999"}}));
  EXPECT_EQ(q("SELECT count(*) FROM pairs"), (Rows{{"10"}}));
}

TEST_P(mysql_sink, RowsMissingAtTheDestinationAreFatalNamingTableKeyAndLsn) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).update(kUsers, WR_OLD_NONE, {}, {T("42"), T("ghost"), N});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("`users`"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("`id` = '42'"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("LSN 0/88"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("no row matches"), std::string::npos) << g_last_error;
}

TEST_P(mysql_sink, DuplicateKeyIsFatalNamingTheTable) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("a"), N}).insert(kUsers, {T("1"), T("b"), N});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("`users`"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("Duplicate entry '1'"), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM users"), (Rows{{"0"}}));
}

TEST_P(mysql_sink, NewGenerationAddsColumns) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation v1(300, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "evolving",
                    {{"id", kInt4, true}, {"a", kText}});
  const Relation v2(
      300, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "evolving",
      {{"id", kInt4, true}, {"a", kText}, {"b", kNumeric, false, numeric_typmod(8, 2)}});
  BatchBuilder b;
  b.txn(0x100).insert(v1, {T("1"), T("x")});
  b.txn(0x200)
      .insert(v2, {T("2"), T("y"), T("12.50")})
      .update(v2, WR_OLD_NONE, {}, {T("1"), T("x"), T("1")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, a, b FROM evolving ORDER BY id"),
            (Rows{{"1", "x", "1.00"}, {"2", "y", "12.50"}}));
  EXPECT_EQ(q("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
              "AND TABLE_NAME = 'evolving' AND COLUMN_NAME = 'b'"),
            (Rows{{"decimal(8,2)"}}));
}

TEST_P(mysql_sink, IdentifiersWithBackticksQuotesAndSpaces) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation odd(400, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "we`ird \"table\" 'x'",
                     {{"k`ey", kInt4, true}, {"val ue", kText}, {"\"q\"", kText}});
  BatchBuilder b;
  b.txn(0x100).insert(odd, {T("1"), T("a"), T("b")}).insert(odd, {T("2"), T("c"), T("d")});
  b.txn(0x200)
      .update(odd, WR_OLD_NONE, {}, {T("1"), T("A"), T("B")})
      .del(odd, WR_OLD_KEY, {T("2"), N, N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT `k``ey`, `val ue`, `\"q\"` FROM `we``ird \"table\" 'x'`"),
            (Rows{{"1", "A", "B"}}));
}

TEST_P(mysql_sink, SchemaMapAndOtherSchemas) {
  admin_->exec("DROP DATABASE IF EXISTS `" + db_ + "_sales`");
  ASSERT_EQ(open({{"schema_map", "sales=" + db_ + "_sales"}}), WR_OK) << g_last_error;
  const Relation orders(500, 1, WR_REPLICA_IDENTITY_DEFAULT, "sales", "orders",
                        {{"id", kInt4, true}});
  const Relation audit(501, 1, WR_REPLICA_IDENTITY_DEFAULT, "audit", "log", {{"id", kInt4, true}});
  BatchBuilder b;
  b.txn(0x100).insert(orders, {T("7")}).insert(audit, {T("8")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id FROM `" + db_ + "_sales`.orders"), (Rows{{"7"}}));
  EXPECT_EQ(q("SELECT id FROM `audit.log`"), (Rows{{"8"}}));
  admin_->exec("DROP DATABASE `" + db_ + "_sales`");
}

TEST_P(mysql_sink, CreateTablesOffRefusesMissingTables) {
  ASSERT_EQ(open({{"create_tables", "false"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("a"), N});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("does not exist"), std::string::npos) << g_last_error;
}

}  // namespace
}  // namespace wrmysql
