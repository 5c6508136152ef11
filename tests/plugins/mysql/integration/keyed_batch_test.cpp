// MySQL sink on MariaDB: runs of UPDATEs / DELETEs of one table batched by key (DELETE ...
// IN + multi-row INSERT under a savepoint), coalescing per key, and the row-by-row
// fallback that reports a missing row exactly like the unbatched path.
#include <walrelay/sink.hpp>

#include <map>
#include <random>

#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

const Relation kItems(400, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "items",
                      {{"id", kInt4, true}, {"name", kText}, {"qty", kInt4}});
const Relation kPairs(401, 1, WR_REPLICA_IDENTITY_INDEX, "public", "kpairs",
                      {{"a", kInt4, true}, {"b", kText, true}, {"v", kText}});
const Relation kOther(402, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "other",
                      {{"id", kInt4, true}, {"v", kText}});

/// A global status counter of the server (nothing else writes during these tests).
long long counter(MysqlSinkTest &t, const std::string &name) {
  return std::stoll(t.admin_->query("SHOW GLOBAL STATUS LIKE '" + name + "'").at(0).at(1));
}

std::string s(int v) { return std::to_string(v); }

TEST_P(mysql_sink, RunsOfUpdatesAndDeletesAreBatchedByKey) {
  ASSERT_EQ(open({{"insert_batch_rows", "64"}, {"load_data_min_rows", "0"}}), WR_OK)
      << g_last_error;
  std::map<int, std::pair<std::string, std::string>> want;  // id -> (name, qty)
  BatchBuilder b1;
  b1.txn(0x1000);
  for (int id = 0; id < 1000; ++id) {
    b1.insert(kItems, {T(s(id)), T("n" + s(id)), T(s(id % 7))});
    want[id] = {"n" + s(id), s(id % 7)};
  }
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;

  // A random mix of updates (full rows, key unchanged), deletes and re-inserts of 1000
  // keys over 20 transactions, plus a change of another table now and then.
  std::mt19937 rng(7);
  BatchBuilder b2;
  int other = 0;
  for (int t = 0; t < 20; ++t) {
    b2.txn(0x2000 + 0x100 * static_cast<wr_lsn>(t));
    for (int i = 0; i < 150; ++i) {
      const int id = static_cast<int>(rng() % 1200);
      auto it = want.find(id);
      if (it == want.end()) {
        b2.insert(kItems, {T(s(id)), T("new" + s(i)), N});
        want[id] = {"new" + s(i), "NULL"};
      } else if (rng() % 3 == 0) {
        b2.del(kItems, WR_OLD_KEY, {T(s(id)), N, N});
        want.erase(it);
      } else {
        const std::string name = "u" + s(t) + "_" + s(i);
        b2.update(kItems, WR_OLD_NONE, {}, {T(s(id)), T(name), T(s(i))});
        it->second = {name, s(i)};
      }
    }
    if (t % 5 == 4) b2.insert(kOther, {T(s(other++)), T("x")});  // ends the run
  }
  // Coalescing inside one run: insert + updates -> one insert of the last row; insert +
  // delete -> nothing; delete + insert -> replaced.
  b2.txn(0x9000)
      .insert(kItems, {T("5000"), T("a"), N})
      .update(kItems, WR_OLD_NONE, {}, {T("5000"), T("b"), T("1")})
      .update(kItems, WR_OLD_NONE, {}, {T("5000"), T("c"), T("2")})
      .insert(kItems, {T("5001"), T("gone"), N})
      .del(kItems, WR_OLD_KEY, {T("5001"), N, N})
      .del(kItems, WR_OLD_KEY, {T("5002"), N, N})
      .insert(kItems, {T("5002"), T("again"), N});
  want[5000] = {"c", "2"};
  // 5002 must exist first.
  BatchBuilder b0;
  b0.txn(0x1800).insert(kItems, {T("5002"), T("old"), N});
  ASSERT_EQ(apply(b0.build()), WR_OK) << g_last_error;
  want[5002] = {"again", "NULL"};

  const long long deletes0 = counter(*this, "Com_delete");
  const long long updates0 = counter(*this, "Com_update");
  const long long savepoints0 = counter(*this, "Com_savepoint");
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  const long long deletes = counter(*this, "Com_delete") - deletes0;
  const long long updates = counter(*this, "Com_update") - updates0;
  const long long savepoints = counter(*this, "Com_savepoint") - savepoints0;

  Rows expect;
  for (const auto &[id, v] : want) expect.push_back({s(id), v.first, v.second});
  EXPECT_EQ(q("SELECT id, name, qty FROM items ORDER BY id"), expect);
  EXPECT_EQ(q("SELECT count(*) FROM other"), (Rows{{"4"}}));
  // 3000 updates/deletes in 5 runs (plus the small one at the end) became a few
  // DELETE ... IN statements and no UPDATE at all.
  EXPECT_EQ(updates, 0);
  EXPECT_GT(deletes, 0);
  EXPECT_LE(deletes, 150) << "DELETE statements sent for 3000 changes";
  EXPECT_EQ(savepoints, 5);
}

TEST_P(mysql_sink, BatchedDeleteOfAMissingRowFailsLikeASingleOne) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b1;
  b1.txn(0x100);
  for (int id = 0; id < 10; ++id) b1.insert(kItems, {T(s(id)), T("n"), N});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  BatchBuilder b2;
  b2.txn(0x200);
  for (int id = 0; id < 5; ++id) b2.del(kItems, WR_OLD_KEY, {T(s(id)), N, N});
  b2.del(kItems, WR_OLD_KEY, {T("77"), N, N});
  const wr_lsn bad = b2.last_change_lsn();
  b2.del(kItems, WR_OLD_KEY, {T("6"), N, N});
  EXPECT_EQ(apply(b2.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("DELETE on table `" + db_ + "`.`items` (change at LSN " +
                              walrelay::sdk::format_lsn(bad) +
                              "): no row matches key (`id` = '77'), expected exactly one"),
            std::string::npos)
      << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items"), (Rows{{"10"}}));
  EXPECT_EQ(position(), 0x100u);
}

TEST_P(mysql_sink, BatchedUpdateOfAMissingRowFailsLikeASingleOne) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b1;
  b1.txn(0x100);
  for (int id = 0; id < 10; ++id) b1.insert(kItems, {T(s(id)), T("n"), N});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  BatchBuilder b2;
  b2.txn(0x200);
  for (int id = 0; id < 8; ++id) b2.update(kItems, WR_OLD_NONE, {}, {T(s(id)), T("u"), N});
  b2.update(kItems, WR_OLD_NONE, {}, {T("42"), T("ghost"), N});
  EXPECT_EQ(apply(b2.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("UPDATE on table"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("no row matches key (`id` = '42')"), std::string::npos)
      << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM items WHERE name = 'n'"), (Rows{{"10"}}));
}

TEST_P(mysql_sink, CompositeKeysAreDeletedAndUpdatedInBatches) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b1;
  b1.txn(0x100);
  for (int a = 0; a < 20; ++a) {
    b1.insert(kPairs, {T(s(a % 4)), T("k" + s(a)), T("v")});
  }
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  const long long updates0 = counter(*this, "Com_update");
  BatchBuilder b2;
  b2.txn(0x200);
  for (int a = 0; a < 10; ++a) b2.del(kPairs, WR_OLD_KEY, {T(s(a % 4)), T("k" + s(a)), N});
  for (int a = 10; a < 20; ++a) {
    b2.update(kPairs, WR_OLD_NONE, {}, {T(s(a % 4)), T("k" + s(a)), T("w" + s(a))});
  }
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  EXPECT_EQ(counter(*this, "Com_update") - updates0, 0);
  EXPECT_EQ(q("SELECT count(*), min(v), max(v) FROM kpairs"), (Rows{{"10", "w10", "w19"}}));
}

TEST_P(mysql_sink, UpdatesOfATableWithExtraColumnsStayInPlace) {
  // A column only MySQL has (e.g. kept after a drop) must survive updates: no DELETE +
  // INSERT for such tables, one UPDATE per change.
  admin_->exec("CREATE TABLE `" + db_ +
               "`.items (id INT PRIMARY KEY, name LONGTEXT, qty INT, extra VARCHAR(10) "
               "DEFAULT 'keep')");
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b1;
  b1.txn(0x100);
  for (int id = 0; id < 10; ++id) b1.insert(kItems, {T(s(id)), T("n"), N});
  ASSERT_EQ(apply(b1.build()), WR_OK) << g_last_error;
  BatchBuilder b2;
  b2.txn(0x200);
  for (int id = 0; id < 10; ++id) b2.update(kItems, WR_OLD_NONE, {}, {T(s(id)), T("u"), T("1")});
  for (int id = 0; id < 5; ++id) b2.del(kItems, WR_OLD_KEY, {T(s(id)), N, N});
  ASSERT_EQ(apply(b2.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*), min(name), max(extra), min(extra) FROM items"),
            (Rows{{"5", "u", "keep", "keep"}}));
}

}  // namespace
}  // namespace wrmysql
