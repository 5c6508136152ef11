// MySQL sink on MariaDB: include_tables / exclude_tables and table_map.
#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

const Relation kUsers(1, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "users",
                      {{"id", kInt4, true}, {"name", kText}});
const Relation kTmp(2, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "tmp_scratch",
                    {{"id", kInt4, true}});
const Relation kOrders(3, 1, WR_REPLICA_IDENTITY_DEFAULT, "sales", "orders", {{"id", kInt4, true}});

/// One batch touching all three tables with every change kind.
void apply_mixed(MysqlSinkTest &t) {
  BatchBuilder b;
  b.txn(0x100)
      .insert(kUsers, {T("1"), T("ann")})
      .insert(kTmp, {T("1")})
      .insert(kTmp, {T("2")})
      .insert(kOrders, {T("5")})
      .insert(kUsers, {T("2"), T("bob")});
  b.txn(0x200)
      .update(kTmp, WR_OLD_NONE, {}, {T("1")})
      .del(kTmp, WR_OLD_KEY, {T("2")})
      .truncate({&kTmp, &kOrders});
  ASSERT_EQ(t.apply(b.build()), WR_OK) << g_last_error;
}

size_t log_lines_with(const std::string &needle) {
  std::lock_guard<std::mutex> lock(wrtest_host::g_log_mu);
  size_t n = 0;
  for (const std::string &l : g_log) n += l.find(needle) != std::string::npos;
  return n;
}

TEST_P(mysql_sink, ExcludedTablesAreSkippedAndLoggedOnce) {
  ASSERT_EQ(open({{"exclude_tables", "public.tmp_*"}}), WR_OK) << g_last_error;
  apply_mixed(*this);
  EXPECT_EQ(q("SHOW TABLES"), (Rows{{"sales.orders"}, {"users"}, {"walrelay_checkpoint"}}));
  EXPECT_EQ(q("SELECT id, name FROM users ORDER BY id"), (Rows{{"1", "ann"}, {"2", "bob"}}));
  EXPECT_EQ(q("SELECT count(*) FROM `sales.orders`"), (Rows{{"0"}}));  // truncated
  EXPECT_EQ(position(), 0x200u);
  EXPECT_EQ(log_lines_with("skipping the changes of table public.tmp_scratch"), 1u);
  close();
  EXPECT_EQ(log_lines_with("skipped 5 change(s) of excluded tables"), 1u);
}

TEST_P(mysql_sink, IncludeTablesKeepsOnlyMatchesAndExcludeWins) {
  ASSERT_EQ(open({{"include_tables", "public.*, sales.ord*"}, {"exclude_tables", "*.tmp_*"}}),
            WR_OK)
      << g_last_error;
  apply_mixed(*this);
  EXPECT_EQ(q("SHOW TABLES"), (Rows{{"sales.orders"}, {"users"}, {"walrelay_checkpoint"}}));
  ASSERT_EQ(open({{"include_tables", "sales.*"}}, "only_sales"), WR_OK) << g_last_error;
  EXPECT_EQ(log_lines_with("not in include_tables"), 0u);
  BatchBuilder b;
  b.txn(0x300).insert(kUsers, {T("3"), T("cy")}).insert(kOrders, {T("6")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM users"), (Rows{{"2"}}));
  EXPECT_EQ(q("SELECT id FROM `sales.orders`"), (Rows{{"6"}}));
  EXPECT_EQ(log_lines_with("public.users (not in include_tables)"), 1u);
}

TEST_P(mysql_sink, TableMapRenamesTheDestination) {
  ASSERT_EQ(open({{"table_map", "public.users=app_users, sales.orders=sales_orders"},
                  {"schema_map", "sales=" + db_ + "_sales"}}),
            WR_OK)
      << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kUsers, {T("1"), T("ann")}).insert(kOrders, {T("5")});
  b.txn(0x200).update(kUsers, WR_OLD_NONE, {}, {T("1"), T("anne")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, name FROM app_users"), (Rows{{"1", "anne"}}));
  EXPECT_EQ(q("SELECT id FROM `" + db_ + "_sales`.sales_orders"), (Rows{{"5"}}));
  EXPECT_EQ(q("SHOW TABLES LIKE 'users'"), Rows{});
  admin_->exec("DROP DATABASE `" + db_ + "_sales`");
}

TEST_P(mysql_sink, TableMapErrorsNameTheOption) {
  EXPECT_EQ(open({{"table_map", "users=app_users"}}), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("table_map"), std::string::npos) << g_last_error;
  EXPECT_EQ(open({{"table_map", "public.a=t,public.b=t"}}), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("'public.a' and 'public.b'"), std::string::npos) << g_last_error;
  EXPECT_EQ(open({{"include_tables", "public.a,,public.b"}}), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("include_tables"), std::string::npos) << g_last_error;
}

}  // namespace
}  // namespace wrmysql
