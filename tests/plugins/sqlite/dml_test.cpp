// SQLite sink: INSERT / UPDATE / DELETE / TRUNCATE semantics, row identification, TOAST.
#include "sink_harness.h"

namespace wrtest {
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

TEST_F(sqlite_sink, InsertUpdateDelete) {
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
}

TEST_F(sqlite_sink, UpdateWithKeyOldTupleChangesThePrimaryKey) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("ann"), T("a")}).insert(kUsers, {T("2"), T("bob"), N});
  b.txn(0x200).update(kUsers, WR_OLD_KEY, {T("1"), N, N}, {T("10"), T("ann"), T("moved")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, name, bio FROM users ORDER BY id"),
            (Rows{{"2", "bob", "NULL"}, {"10", "ann", "moved"}}));
}

TEST_F(sqlite_sink, CompositeKeyIdentifiesRows) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100)
      .insert(kPairs, {T("1"), T("x"), T("first")})
      .insert(kPairs, {T("1"), T("y"), T("second")})
      .update(kPairs, WR_OLD_NONE, {}, {T("1"), T("y"), T("second!")})
      .update(kPairs, WR_OLD_KEY, {T("1"), T("x"), N}, {T("2"), T("x"), T("first!")})
      .del(kPairs, WR_OLD_KEY, {T("1"), T("y"), N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT a, b, v FROM pairs"), (Rows{{"2", "x", "first!"}}));
  EXPECT_EQ(q("SELECT name FROM pragma_table_info('pairs') WHERE pk > 0 ORDER BY pk"),
            (Rows{{"a"}, {"b"}}));
}

TEST_F(sqlite_sink, FullIdentityUpdateChangesOnlyOneOfIdenticalRows) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const std::vector<Val> row = {T("t1"), T("3"), T("0.1"), T("t"), T("\\x00ff"), N};
  BatchBuilder b;
  b.txn(0x100).insert(kLog, row).insert(kLog, row).insert(kLog, row);
  b.txn(0x200).update(kLog, WR_OLD_FULL, row,
                      {T("t1"), T("3"), T("0.1"), T("t"), T("\\x00ff"), T("changed")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT msg, count(*) FROM log GROUP BY msg ORDER BY msg"),
            (Rows{{"NULL", "2"}, {"changed", "1"}}));
}

TEST_F(sqlite_sink, FullIdentityDeleteRemovesOnlyOneOfIdenticalRows) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const std::vector<Val> row = {T("t1"), N, T("NaN"), T("f"), T("\\x"), T("m")};
  const std::vector<Val> other = {T("t2"), N, T("NaN"), T("f"), T("\\x"), T("m")};
  BatchBuilder b;
  b.txn(0x100).insert(kLog, row).insert(kLog, row).insert(kLog, other);
  b.txn(0x200).del(kLog, WR_OLD_FULL, row);
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT at, count(*) FROM log GROUP BY at ORDER BY at"),
            (Rows{{"t1", "1"}, {"t2", "1"}}));
}

TEST_F(sqlite_sink, FullIdentityUpdateOfMissingRowIsFatal) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kLog, {T("t1"), T("1"), T("1.5"), T("t"), N, T("m")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  BatchBuilder b2;
  b2.txn(0x200).update(kLog, WR_OLD_FULL, {T("t1"), T("1"), T("1.5"), T("f"), N, T("m")},
                       {T("t1"), T("1"), T("1.5"), T("f"), N, T("new")});
  EXPECT_EQ(apply(b2.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("no row matches the full old row"), std::string::npos)
      << g_last_error;
}

TEST_F(sqlite_sink, UnchangedToastColumnKeepsItsValue) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const std::string big(100000, 'z');
  BatchBuilder b;
  b.txn(0x100)
      .insert(kUsers, {T("1"), T("ann"), T(big)})
      .insert(kUsers, {T("2"), T("bob"), T(big)});
  b.txn(0x200)
      .update(kUsers, WR_OLD_NONE, {}, {T("1"), T("anne"), U})
      .update(kUsers, WR_OLD_NONE, {}, {T("2"), T("bobby"), T("short")})
      .update(kUsers, WR_OLD_NONE, {}, {T("1"), T("annie"), U});  // cached shape reused
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, name, length(bio), substr(bio, 1, 5) FROM users ORDER BY id"),
            (Rows{{"1", "annie", "100000", "zzzzz"}, {"2", "bobby", "5", "short"}}));
}

TEST_F(sqlite_sink, UnchangedToastInFullOldRowIsNotCompared) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kLog, {T("t1"), T("1"), T("2"), T("t"), T("\\x01"), T("long text")});
  b.txn(0x200).update(kLog, WR_OLD_FULL, {T("t1"), T("1"), T("2"), T("t"), T("\\x01"), U},
                      {T("t1"), T("2"), T("2"), T("t"), T("\\x01"), U});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT level, msg FROM log"), (Rows{{"2", "long text"}}));
}

TEST_F(sqlite_sink, UnchangedToastMasksBeyondSixtyFourColumns) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  std::vector<Col> cols{{"id", kInt4, true}};
  for (int i = 1; i < 70; ++i) cols.push_back({"c" + std::to_string(i), kText});
  const Relation wide(210, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "wide", cols);
  auto row = [](const std::string &id, const std::string &v) {
    std::vector<Val> r{T(id)};
    for (int i = 1; i < 70; ++i) r.push_back(T(v + std::to_string(i)));
    return r;
  };
  BatchBuilder b;
  b.txn(0x100).insert(wide, row("1", "a")).insert(wide, row("2", "a"));
  std::vector<Val> u1 = row("1", "b"), u2 = row("2", "b");
  u1[66] = U;  // second mask word
  u2[3] = U;   // first mask word
  b.update(wide, WR_OLD_NONE, {}, u1).update(wide, WR_OLD_NONE, {}, u2);
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, c3, c65, c66, c67 FROM wide ORDER BY id"),
            (Rows{{"1", "b3", "b65", "a66", "b67"}, {"2", "a3", "b65", "b66", "b67"}}));
}

TEST_F(sqlite_sink, FullIdentityWorksWithAColumnNamedRowid) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation r(211, 1, WR_REPLICA_IDENTITY_FULL, "public", "shadow",
                   {{"rowid", kInt4, true}, {"v", kText, true}});
  BatchBuilder b;
  b.txn(0x100)
      .insert(r, {T("7"), T("x")})
      .insert(r, {T("7"), T("x")})
      .update(r, WR_OLD_FULL, {T("7"), T("x")}, {T("7"), T("y")})
      .del(r, WR_OLD_FULL, {T("7"), T("x")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT \"rowid\", v FROM shadow"), (Rows{{"7", "y"}}));
}

TEST_F(sqlite_sink, TruncateEmptiesEveryListedTable) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100)
      .insert(kUsers, {T("1"), T("a"), N})
      .insert(kPairs, {T("1"), T("x"), N})
      .insert(kLog, {T("t"), N, N, N, N, N});
  b.txn(0x200).truncate({&kUsers, &kPairs}).insert(kUsers, {T("7"), T("after"), N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id FROM users"), (Rows{{"7"}}));
  EXPECT_EQ(q("SELECT count(*) FROM pairs"), (Rows{{"0"}}));
  EXPECT_EQ(q("SELECT count(*) FROM log"), (Rows{{"1"}}));
}

TEST_F(sqlite_sink, TruncateOfAnUnseenRelationCreatesItEmpty) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).truncate({&kUsers});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM users"), (Rows{{"0"}}));
}

TEST_F(sqlite_sink, UpdateOfMissingRowIsFatalNamingTableKeyAndLsn) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("a"), N});
  b.txn(0x2000).update(kUsers, WR_OLD_NONE, {}, {T("99"), T("ghost"), N});
  const wr_lsn lsn = b.last_change_lsn();
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("UPDATE"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("\"users\""), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("'99'"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find(sdk_lsn(lsn)), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM sqlite_master WHERE name = 'users'"), (Rows{{"0"}}))
      << "the whole batch rolled back";
}

TEST_F(sqlite_sink, DeleteOfMissingRowIsFatal) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("a"), N}).del(kUsers, WR_OLD_KEY, {T("2"), N, N});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("DELETE"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("no row matches key (\"id\" = '2')"), std::string::npos)
      << g_last_error;
}

TEST_F(sqlite_sink, ManyRowsInOneBatch) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100);
  for (int i = 0; i < 3000; ++i) b.insert(kUsers, {T(std::to_string(i)), T("n"), N});
  for (int i = 0; i < 3000; i += 2) {
    b.update(kUsers, WR_OLD_NONE, {}, {T(std::to_string(i)), T("even"), U});
  }
  for (int i = 1; i < 3000; i += 3) b.del(kUsers, WR_OLD_KEY, {T(std::to_string(i)), N, N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*), sum(name = 'even') FROM users"), (Rows{{"2000", "1000"}}));
}

TEST_F(sqlite_sink, UnsupportedChangeKindIsReported) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("a"), N});
  wr_batch batch = b.build();
  wr_change odd = *batch.txns[0]->changes[0];
  odd.kind = 42;
  const wr_change *changes[] = {&odd};
  wr_txn txn = *batch.txns[0];
  txn.changes = changes;
  const wr_txn *txns[] = {&txn};
  batch.txns = txns;
  EXPECT_EQ(apply(batch), WR_UNSUPPORTED);
  EXPECT_NE(g_last_error.find("42"), std::string::npos) << g_last_error;
}

}  // namespace
}  // namespace wrtest
