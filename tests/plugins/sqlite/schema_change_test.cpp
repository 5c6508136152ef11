// SQLite sink: relation generations (columns added / dropped) and statement invalidation.
#include "sink_harness.h"

namespace wrtest {
namespace {

TEST_F(sqlite_sink, AddedColumnIsAddedToTheTableAndFilled) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation v1(400, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "people",
                    {{"id", kInt4, true}, {"name", kText}});
  const Relation v2(400, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "people",
                    {{"id", kInt4, true}, {"name", kText}, {"age", kInt2}});
  BatchBuilder b1;
  b1.txn(0x100).insert(v1, {T("1"), T("ann")}).update(v1, WR_OLD_NONE, {}, {T("1"), T("ann")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;

  BatchBuilder b2;
  b2.txn(0x200)
      .insert(v2, {T("2"), T("bob"), T("42")})
      .update(v2, WR_OLD_NONE, {}, {T("1"), T("ann"), T("30")});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT name, type FROM pragma_table_info('people')"),
            (Rows{{"id", "INTEGER"}, {"name", "TEXT"}, {"age", "INTEGER"}}));
  EXPECT_EQ(q("SELECT id, name, age, typeof(age) FROM people ORDER BY id"),
            (Rows{{"1", "ann", "30", "integer"}, {"2", "bob", "42", "integer"}}));
}

TEST_F(sqlite_sink, GenerationChangeInsideOneBatch) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation v1(401, 1, WR_REPLICA_IDENTITY_DEFAULT, "app", "things",
                    {{"id", kInt4, true}, {"a", kText}});
  const Relation v2(401, 2, WR_REPLICA_IDENTITY_DEFAULT, "app", "things",
                    {{"id", kInt4, true}, {"a", kText}, {"b", kBool}});
  BatchBuilder b;
  b.txn(0x100).insert(v1, {T("1"), T("x")});
  b.txn(0x200).insert(v2, {T("2"), T("y"), T("t")}).del(v2, WR_OLD_KEY, {T("1"), N, N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, a, b FROM \"app.things\""), (Rows{{"2", "y", "1"}}));
}

TEST_F(sqlite_sink, DroppedColumnStaysInTheTable) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation v1(402, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "docs",
                    {{"id", kInt4, true}, {"legacy", kText}, {"body", kText}});
  const Relation v2(402, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "docs",
                    {{"id", kInt4, true}, {"body", kText}});
  BatchBuilder b;
  b.txn(0x100).insert(v1, {T("1"), T("old"), T("b1")});
  b.txn(0x200).insert(v2, {T("2"), T("b2")}).update(v2, WR_OLD_NONE, {}, {T("1"), T("b1!")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, legacy, body FROM docs ORDER BY id"),
            (Rows{{"1", "old", "b1!"}, {"2", "NULL", "b2"}}));
}

TEST_F(sqlite_sink, AddedColumnSurvivesReopening) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation v1(403, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "t", {{"id", kInt4, true}});
  const Relation v2(403, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "t",
                    {{"id", kInt4, true}, {"extra", kNumeric}});
  BatchBuilder b1;
  b1.txn(0x100).insert(v1, {T("1")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  close();
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  // A restarted host announces the relation afresh: generation 1 again, new shape.
  const Relation again(403, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "t",
                       {{"id", kInt4, true}, {"extra", kNumeric}});
  BatchBuilder b2;
  b2.txn(0x200).insert(again, {T("2"), T("1.000")}).insert(v2, {T("3"), T("2.50")});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, extra FROM t ORDER BY id"),
            (Rows{{"1", "NULL"}, {"2", "1.000"}, {"3", "2.50"}}));
}

}  // namespace
}  // namespace wrtest
