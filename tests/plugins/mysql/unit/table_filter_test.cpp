// MySQL sink, no server: table filter globs, table_map naming, schema-change options.
#include <gtest/gtest.h>

#include "plugins/mysql/src/naming.h"
#include "plugins/mysql/src/options.h"
#include "plugins/mysql/src/schema_diff.h"
#include "plugins/mysql/src/table_filter.h"
#include "tests/plugins/mysql/batch_builder.h"
#include "tests/plugins/mysql/plugin_loader.h"

namespace wrmysql {
namespace {

using walrelay::mysql::glob_match;
using walrelay::mysql::TableFilter;

TEST(mysql_table_filter, GlobMatchesStarsAnywhere) {
  EXPECT_TRUE(glob_match("public.*", "public.users"));
  EXPECT_TRUE(glob_match("*", "a.b"));
  EXPECT_TRUE(glob_match("*.tmp_*", "sales.tmp_x"));
  EXPECT_TRUE(glob_match("public.u*s", "public.users"));
  EXPECT_TRUE(glob_match("**a", "a"));
  EXPECT_TRUE(glob_match("public.users", "public.users"));
  EXPECT_FALSE(glob_match("public.users", "public.user"));
  EXPECT_FALSE(glob_match("public.*", "sales.users"));
  EXPECT_FALSE(glob_match("Public.*", "public.users"));  // case-sensitive
  EXPECT_FALSE(glob_match("*a*b", "xbxa"));
}

TEST(mysql_table_filter, ExcludeWinsOverInclude) {
  const TableFilter all;
  EXPECT_FALSE(all.filters());
  EXPECT_EQ(all.skip_reason("public", "t"), "");
  const TableFilter f({"public.*", "sales.orders"}, {"public.tmp_*"});
  EXPECT_EQ(f.skip_reason("public", "users"), "");
  EXPECT_EQ(f.skip_reason("sales", "orders"), "");
  EXPECT_EQ(f.skip_reason("public", "tmp_1"), "exclude_tables 'public.tmp_*'");
  EXPECT_EQ(f.skip_reason("sales", "items"), "not in include_tables");
}

TEST(mysql_table_filter, TableMapRenamesWithinTheSchemasDatabase) {
  const std::map<std::string, std::string> schemas = {{"sales", "sales_db"}};
  const std::map<std::string, std::string> tables = {
      {"public.users", "app_users"}, {"sales.orders", "o"}, {"audit.log", "audit_log"}};
  auto d = walrelay::mysql::destination("public", "users", schemas, "app", tables);
  EXPECT_EQ(d.database, "app");
  EXPECT_EQ(d.table, "app_users");
  d = walrelay::mysql::destination("sales", "orders", schemas, "app", tables);
  EXPECT_EQ(d.database, "sales_db");
  EXPECT_EQ(d.table, "o");
  d = walrelay::mysql::destination("audit", "log", schemas, "app", tables);
  EXPECT_EQ(d.database, "app");
  EXPECT_EQ(d.table, "audit_log");
  d = walrelay::mysql::destination("public", "other", schemas, "app", tables);
  EXPECT_EQ(d.table, "other");
}

walrelay::mysql::SinkOptions parse(const Options &extra) {
  Options opts = {{"user", "root"}, {"database", "app"}};
  opts.insert(opts.end(), extra.begin(), extra.end());
  std::vector<wr_config_entry> entries;
  for (const auto &[k, v] : opts) entries.push_back({k.c_str(), v.c_str(), "f.yaml:3:7"});
  const wr_config cfg{sizeof(wr_config), static_cast<uint32_t>(entries.size()), entries.data()};
  return walrelay::mysql::SinkOptions::parse(walrelay::sdk::Config(&cfg));
}

/// The invalid_config message for `extra`, or "" when it parses.
std::string error_of(const Options &extra) {
  try {
    parse(extra);
  } catch (const walrelay::sdk::Error &e) {
    EXPECT_EQ(e.status(), WR_INVALID_CONFIG);
    return e.what();
  }
  return "";
}

TEST(mysql_table_filter, OptionsParseAndNameTheKey) {
  const auto o = parse({{"include_tables", " public.* , sales.x "},
                        {"exclude_tables", "*.tmp"},
                        {"table_map", "public.users=app_users"},
                        {"schema_change", "FAIL"},
                        {"type_change", "follow"},
                        {"drop_columns", "true"}});
  EXPECT_EQ(o.include_tables, (std::vector<std::string>{"public.*", "sales.x"}));
  EXPECT_EQ(o.exclude_tables, (std::vector<std::string>{"*.tmp"}));
  EXPECT_EQ(o.table_map.at("public.users"), "app_users");
  EXPECT_TRUE(o.schema_change_fail);
  EXPECT_TRUE(o.type_change_follow);
  EXPECT_TRUE(o.drop_columns);
  const auto d = parse({});
  EXPECT_FALSE(d.schema_change_fail);
  EXPECT_FALSE(d.type_change_follow);
  EXPECT_FALSE(d.drop_columns);
  EXPECT_TRUE(d.include_tables.empty());
  EXPECT_NE(error_of({{"schema_change", "ignore"}}).find("f.yaml:3:7: option 'schema_change'"),
            std::string::npos);
  EXPECT_NE(error_of({{"type_change", "x"}}).find("'type_change'"), std::string::npos);
  EXPECT_NE(error_of({{"exclude_tables", "a,"}}).find("'exclude_tables'"), std::string::npos);
  EXPECT_NE(error_of({{"table_map", "users=x"}}).find("schema.table"), std::string::npos);
  EXPECT_NE(error_of({{"table_map", "public.a=x,public.a=y"}}).find("twice"), std::string::npos);
}

TEST(mysql_schema_diff, AddedDroppedAndRetypedColumns) {
  const Relation v1(1, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "t",
                    {{"id", kInt4, true}, {"a", kText}, {"n", kInt4}, {"s", kText}});
  const Relation v2(1, 2, WR_REPLICA_IDENTITY_DEFAULT, "public", "t",
                    {{"id", kInt4, true},
                     {"n", kNumeric, false, numeric_typmod(10, 2)},
                     {"s", kVarchar, false, 1004},
                     {"b", kInt8}});
  const auto s1 = walrelay::mysql::TableShape::from_relation(*v1.get(), {}, "db");
  const auto s2 = walrelay::mysql::TableShape::from_relation(*v2.get(), {}, "db");
  const auto d = walrelay::mysql::diff_generations(s1, s2);
  EXPECT_EQ(d.added, (std::vector<std::string>{"b"}));
  EXPECT_EQ(d.dropped, (std::vector<std::string>{"a"}));
  ASSERT_EQ(d.retyped.size(), 1u);  // s: text -> varchar(1000) is LONGTEXT both times
  EXPECT_EQ(d.retyped[0].column, "n");
  EXPECT_EQ(d.retyped[0].old_type, "int4");
  EXPECT_EQ(d.retyped[0].new_type, "numeric(10,2)");
  EXPECT_EQ(d.retyped[0].old_decl, "INT");
  EXPECT_EQ(d.retyped[0].new_decl, "DECIMAL(10,2)");
  EXPECT_TRUE(d.columns_changed());
  EXPECT_EQ(walrelay::mysql::pg_type_label(1043, 24, ""), "varchar(20)");
  EXPECT_EQ(walrelay::mysql::pg_type_label(99999, -1, ""), "type oid 99999");
  EXPECT_EQ(walrelay::mysql::pg_type_label(99999, -1, "mood"), "mood");
}

}  // namespace
}  // namespace wrmysql
