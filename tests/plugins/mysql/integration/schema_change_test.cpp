// MySQL sink on MariaDB: schema_change, drop_columns and type_change policies.
#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

const Relation kV1(300, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "evolving",
                   {{"id", kInt4, true}, {"a", kText}, {"n", kInt4}});
/// Generation 2: column a dropped, column b added.
const Relation kV2(300, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "evolving",
                   {{"id", kInt4, true}, {"n", kInt4}, {"b", kVarchar, false, 24}});
/// Generation 2': column n changed from int4 to int8.
const Relation kRetyped(300, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "evolving",
                        {{"id", kInt4, true}, {"a", kText}, {"n", kInt8}});

std::string columns_of(MysqlSinkTest &t) {
  std::string out;
  for (const auto &row : t.q("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
                             "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'evolving' "
                             "ORDER BY ORDINAL_POSITION")) {
    out += row[0] + " " + row[1] + ";";
  }
  return out;
}

/// Applies v1 row 1 in one batch, then `next` rows in a second batch.
wr_status two_batches(MysqlSinkTest &t, const Relation &next, std::vector<Val> row) {
  BatchBuilder b1;
  b1.txn(0x100).insert(kV1, {T("1"), T("x"), T("7")});
  EXPECT_EQ(t.apply(b1.build()), WR_OK) << g_last_error;
  BatchBuilder b2;
  b2.txn(0x200).insert(next, std::move(row));
  return t.apply(b2.build());
}

TEST_P(mysql_sink, FollowAddsColumnsAndKeepsDroppedOnesByDefault) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  ASSERT_EQ(two_batches(*this, kV2, {T("2"), T("8"), T("new")}), WR_OK) << g_last_error;
  EXPECT_EQ(columns_of(*this), "id int(11);a longtext;n int(11);b varchar(20);");
  EXPECT_EQ(q("SELECT id, a, n, b FROM evolving ORDER BY id"),
            (Rows{{"1", "x", "7", "NULL"}, {"2", "NULL", "8", "new"}}));
  // An update through the new generation keeps the stored value of the kept column.
  BatchBuilder b3;
  b3.txn(0x300).update(kV2, WR_OLD_NONE, {}, {T("1"), T("9"), T("upd")});
  ASSERT_EQ(apply(b3.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT a, n, b FROM evolving WHERE id = 1"), (Rows{{"x", "9", "upd"}}));
}

TEST_P(mysql_sink, DropColumnsTrueDropsAfterTheCommit) {
  ASSERT_EQ(open({{"drop_columns", "true"}}), WR_OK) << g_last_error;
  ASSERT_EQ(two_batches(*this, kV2, {T("2"), T("8"), T("new")}), WR_OK) << g_last_error;
  EXPECT_EQ(columns_of(*this), "id int(11);n int(11);b varchar(20);");
  EXPECT_EQ(q("SELECT id, n, b FROM evolving ORDER BY id"),
            (Rows{{"1", "7", "NULL"}, {"2", "8", "new"}}));
}

TEST_P(mysql_sink, DropColumnsWithBothGenerationsInOneBatch) {
  ASSERT_EQ(open({{"drop_columns", "true"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kV1, {T("1"), T("x"), T("7")});
  b.txn(0x200).insert(kV2, {T("2"), T("8"), T("new")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(columns_of(*this), "id int(11);n int(11);b varchar(20);");
  EXPECT_EQ(position(), 0x200u);
}

TEST_P(mysql_sink, SchemaChangeFailNamesTableColumnAndLsn) {
  ASSERT_EQ(open({{"schema_change", "fail"}}), WR_OK) << g_last_error;
  EXPECT_EQ(two_batches(*this, kV2, {T("2"), T("8"), T("new")}), WR_FATAL);
  EXPECT_NE(g_last_error.find("`evolving`"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("column `b` added"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("column `a` dropped"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("LSN 0/"), std::string::npos) << g_last_error;
  EXPECT_EQ(columns_of(*this), "id int(11);a longtext;n int(11);");
  EXPECT_EQ(position(), 0x100u);
}

TEST_P(mysql_sink, SchemaChangeFailAlsoRefusesAnExistingTableLackingAColumn) {
  admin_->exec("CREATE TABLE `" + db_ + "`.evolving (id INT PRIMARY KEY, a LONGTEXT)");
  ASSERT_EQ(open({{"schema_change", "fail"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kV1, {T("1"), T("x"), T("7")});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("no column `n`"), std::string::npos) << g_last_error;
}

TEST_P(mysql_sink, TypeChangeFailsByDefaultNamingOldAndNewTypes) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  EXPECT_EQ(two_batches(*this, kRetyped, {T("2"), T("y"), T("9000000000")}), WR_FATAL);
  EXPECT_NE(g_last_error.find("column `n` of table"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("`evolving`"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("from int4 to int8"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("LSN 0/"), std::string::npos) << g_last_error;
  EXPECT_EQ(position(), 0x100u);
}

TEST_P(mysql_sink, TypeChangeFollowModifiesTheColumn) {
  ASSERT_EQ(open({{"type_change", "follow"}}), WR_OK) << g_last_error;
  ASSERT_EQ(two_batches(*this, kRetyped, {T("2"), T("y"), T("9000000000")}), WR_OK) << g_last_error;
  EXPECT_EQ(columns_of(*this), "id int(11);a longtext;n bigint(20);");
  EXPECT_EQ(q("SELECT id, n FROM evolving ORDER BY id"), (Rows{{"1", "7"}, {"2", "9000000000"}}));
}

TEST_P(mysql_sink, TypeChangeMappingToTheSameMysqlTypePasses) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation wider(300, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "evolving",
                       {{"id", kInt4, true}, {"a", kVarchar, false, 304}, {"n", kInt4}});
  ASSERT_EQ(two_batches(*this, wider, {T("2"), T("y"), T("3")}), WR_OK) << g_last_error;
  EXPECT_EQ(columns_of(*this), "id int(11);a longtext;n int(11);");
}

TEST_P(mysql_sink, ReplayOfAnOlderGenerationAfterRetryRunsNoDdl) {
  ASSERT_EQ(open({{"drop_columns", "true"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kV1, {T("1"), T("x"), T("7")});
  b.txn(0x200).insert(kV2, {T("2"), T("8"), T("new")}).insert(kV2, {T("2"), T("8"), T("dup")});
  const wr_batch &batch = b.build();
  EXPECT_EQ(apply(batch), WR_FATAL);  // duplicate key: nothing committed, nothing dropped
  EXPECT_EQ(columns_of(*this), "id int(11);a longtext;n int(11);b varchar(20);");
  BatchBuilder ok;
  ok.txn(0x100).insert(kV1, {T("1"), T("x"), T("7")});
  ok.txn(0x200).insert(kV2, {T("2"), T("8"), T("new")});
  ASSERT_EQ(apply(ok.build()), WR_OK) << g_last_error;
  EXPECT_EQ(columns_of(*this), "id int(11);n int(11);b varchar(20);");
  EXPECT_EQ(q("SELECT id, n, b FROM evolving ORDER BY id"),
            (Rows{{"1", "7", "NULL"}, {"2", "8", "new"}}));
}

}  // namespace
}  // namespace wrmysql
