// MySQL sink on MariaDB: on_data_error. A destination table with a narrower column, a
// CHECK and a UNIQUE constraint refuses some rows: `skip` applies the others (multi-row
// INSERT, LOAD DATA, batched and single updates/deletes) and logs each skipped row with
// table, key, LSN and the MySQL error; `fail` is WR_FATAL naming the row.
#include <walrelay/sink.hpp>

#include <string>

#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

const Relation kItems(500, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "items",
                      {{"id", kInt4, true}, {"name", kText}, {"qty", kInt4}, {"code", kInt4}});

std::string s(int v) { return std::to_string(v); }

void create_strict_table(MysqlSinkTest &t) {
  t.admin_->exec("CREATE TABLE `" + t.db_ +
                 "`.items (id INT PRIMARY KEY, name VARCHAR(5), qty INT CHECK (qty >= 0), "
                 "code INT UNIQUE)");
}

/// 20 inserts; id 3 has a too-long name, id 7 a negative qty (CHECK), id 12 repeats the
/// code of id 2 (UNIQUE).
void add_rows(BatchBuilder &b) {
  for (int id = 0; id < 20; ++id) {
    std::string name = id == 3 ? "toolongname" : "n" + s(id);
    std::string qty = id == 7 ? "-1" : s(id);
    std::string code = id == 12 ? "2" : s(id);
    b.insert(kItems, {T(s(id)), T(name), T(qty), T(code)});
  }
}

size_t count_logs(const std::string &needle) {
  size_t n = 0;
  for (const std::string &l : g_log) n += l.find(needle) != std::string::npos;
  return n;
}

void expect_skip_logged(const std::string &key, const std::string &error) {
  bool found = false;
  for (const std::string &l : g_log) {
    found = found || (l.find("skipped a row") != std::string::npos &&
                      l.find("`items`") != std::string::npos &&
                      l.find("`id` = '" + key + "'") != std::string::npos &&
                      l.find("LSN 0/") != std::string::npos && l.find(error) != std::string::npos);
  }
  EXPECT_TRUE(found) << "no skip warning for key " << key << " with " << error;
}

void skip_test(MysqlSinkTest &t, const Options &extra) {
  create_strict_table(t);
  Options opts = {{"on_data_error", "skip"}};
  opts.insert(opts.end(), extra.begin(), extra.end());
  ASSERT_EQ(t.open(opts), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x1000);
  add_rows(b);
  ASSERT_EQ(t.apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(t.q("SELECT count(*), group_concat(id ORDER BY id) FROM items"),
            (Rows{{"17", "0,1,2,4,5,6,8,9,10,11,13,14,15,16,17,18,19"}}));
  expect_skip_logged("3", "Data too long");
  expect_skip_logged("7", "(MySQL error 4025)");
  expect_skip_logged("12", "Duplicate entry '2'");
  EXPECT_EQ(count_logs("skipped a row"), 3u);
  EXPECT_EQ(t.position(), 0x1000u);

  // Updates and deletes: a batched run (>= 4) and single ones, with missing rows and
  // refused values among them.
  g_log.clear();
  BatchBuilder b2;
  b2.txn(0x2000);
  for (int id = 0; id < 6; ++id) {
    b2.update(kItems, WR_OLD_NONE, {},
              {T(s(id)), T(id == 4 ? "waytoolong" : "u"), T("1"), T(s(id))});
  }
  b2.del(kItems, WR_OLD_KEY, {T("3"), N, N, N});  // was skipped: missing
  b2.del(kItems, WR_OLD_KEY, {T("8"), N, N, N});
  // A batched run where every row exists and one new value is refused: that row keeps
  // its old value (the batch's DELETE + INSERT is undone, then row by row).
  b2.txn(0x2800);
  for (int id = 13; id < 19; ++id) {
    b2.update(kItems, WR_OLD_NONE, {},
              {T(s(id)), T(id == 16 ? "waytoolong" : "r"), T("2"), T(s(id))});
  }
  b2.txn(0x3000).update(kItems, WR_OLD_NONE, {}, {T("99"), T("ghost"), T("1"), T("99")});
  b2.txn(0x3100).update(kItems, WR_OLD_NONE, {}, {T("9"), T("ok"), T("-5"), T("9")});
  b2.txn(0x3200).update(kItems, WR_OLD_NONE, {}, {T("10"), T("ok"), T("5"), T("10")});
  ASSERT_EQ(t.apply(b2.build()), WR_OK) << g_last_error;
  EXPECT_EQ(t.q("SELECT id, name, qty FROM items WHERE id IN (0, 3, 4, 8, 9, 10, 99) ORDER BY id"),
            (Rows{{"0", "u", "1"}, {"4", "n4", "4"}, {"9", "n9", "9"}, {"10", "ok", "5"}}));
  expect_skip_logged("3", "no row matches");
  expect_skip_logged("4", "Data too long");
  expect_skip_logged("99", "no row matches");
  expect_skip_logged("9", "(MySQL error 4025)");
  expect_skip_logged("16", "Data too long");
  EXPECT_EQ(t.q("SELECT id, name FROM items WHERE id BETWEEN 13 AND 18 ORDER BY id"),
            (Rows{{"13", "r"}, {"14", "r"}, {"15", "r"}, {"16", "n16"}, {"17", "r"}, {"18", "r"}}));
  // Also the update of id 3 (skipped by the first batch) finds no row.
  EXPECT_EQ(count_logs("skipped a row"), 6u);
  EXPECT_EQ(t.position(), 0x3200u);
}

TEST_P(mysql_sink, SkipDataErrorsWithMultiRowInserts) { skip_test(*this, {}); }

TEST_P(mysql_sink, SkipDataErrorsWithLoadData) { skip_test(*this, {{"load_data_min_rows", "10"}}); }

TEST_P(mysql_sink, SkipDataErrorsWithSingleRowInserts) {
  skip_test(*this, {{"insert_batch_rows", "1"}});
}

TEST_P(mysql_sink, FailOnDataErrorNamesTableKeyAndLsn) {
  create_strict_table(*this);
  ASSERT_EQ(open({{"on_data_error", "fail"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x1000);
  for (int id = 0; id < 10; ++id) {
    b.insert(kItems, {T(s(id)), T(id == 6 ? "toolongname" : "n"), T("1"), T(s(id))});
    if (id == 6) {
      const wr_lsn bad = b.last_change_lsn();
      b.insert(kItems, {T("100"), T("n"), T("1"), T("100")});
      EXPECT_EQ(apply(b.build()), WR_FATAL);
      EXPECT_NE(g_last_error.find("INSERT on table `" + db_ + "`.`items` (change at LSN " +
                                  walrelay::sdk::format_lsn(bad) + ") of key (`id` = '6')"),
                std::string::npos)
          << g_last_error;
      EXPECT_NE(g_last_error.find("Data too long"), std::string::npos) << g_last_error;
      break;
    }
  }
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"0"}}));
  EXPECT_EQ(count_logs("skipped a row"), 0u);
}

TEST_P(mysql_sink, SkipStillRetriesLockWaitTimeouts) {
  create_strict_table(*this);
  ASSERT_EQ(open({{"on_data_error", "skip"}}), WR_OK) << g_last_error;
  BatchBuilder b1;
  b1.txn(0x100).insert(kItems, {T("1"), T("a"), T("1"), T("1")});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  Client locker(server().port(), db_);
  locker.exec("START TRANSACTION");
  locker.query("SELECT * FROM items WHERE id = 1 FOR UPDATE");
  BatchBuilder b2;
  b2.txn(0x200).update(kItems, WR_OLD_NONE, {}, {T("1"), T("z"), T("1"), T("1")});
  const wr_batch &batch = b2.build();
  EXPECT_EQ(apply(batch), WR_RETRY) << g_last_error;  // server lock wait timeout is 3 s
  EXPECT_NE(g_last_error.find("1205"), std::string::npos) << g_last_error;
  locker.exec("ROLLBACK");
  EXPECT_EQ(position(), 0x100u);
  ASSERT_EQ(apply(batch), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT name FROM items"), (Rows{{"z"}}));
  EXPECT_EQ(count_logs("skipped a row"), 0u);
}

TEST_P(mysql_sink, SkipDoesNotSkipTableErrors) {
  // Not a row's fault (the table lacks a column and create_tables is off): still fatal.
  admin_->exec("CREATE TABLE `" + db_ + "`.items (id INT PRIMARY KEY, name VARCHAR(5))");
  ASSERT_EQ(open({{"on_data_error", "skip"}, {"create_tables", "false"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x1000).insert(kItems, {T("1"), T("n"), T("1"), T("1")});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("no column `qty`"), std::string::npos) << g_last_error;
}

}  // namespace
}  // namespace wrmysql
