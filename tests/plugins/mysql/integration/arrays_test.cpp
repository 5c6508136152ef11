// MySQL sink on MariaDB: array columns stored as JSON arrays (arrays: json, the default) or
// as PostgreSQL's array text (arrays: text).
#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

constexpr uint32_t kBoolArray = 1000, kFloat8Array = 1022, kNumericArray = 1231;

const Relation kArrays(700, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "arrays",
                       {{"id", kInt4, true},
                        {"ints", kInt4Array},
                        {"texts", kTextArray},
                        {"flags", kBoolArray},
                        {"floats", kFloat8Array},
                        {"nums", kNumericArray}});

void arrays_round_trip(MysqlSinkTest &t, const Options &extra) {
  ASSERT_EQ(t.open(extra), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100)
      .insert(kArrays, {T("1"), T("{{1,2},{3,NULL}}"), T(R"({"a b","c\"d",NULL,"NULL"})"),
                        T("{t,f,NULL}"), T("{1.5,-2e-05,NaN}"), T("[0:1]={10.50,-3}")})
      .insert(kArrays, {T("2"), T("{}"), T("{x}"), N, T("{Infinity}"), T("{}")});
  ASSERT_EQ(t.apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(t.q("SELECT id, ints, texts, flags, floats, nums FROM arrays ORDER BY id"),
            (Rows{{"1", "[[1,2],[3,null]]", R"(["a b","c\"d",null,"NULL"])", "[true,false,null]",
                   R"([1.5,-2e-05,"NaN"])", "[10.50,-3]"},
                  {"2", "[]", R"(["x"])", "NULL", R"(["Infinity"])", "[]"}}));
  // MariaDB sees valid JSON it can query.
  EXPECT_EQ(t.q("SELECT JSON_EXTRACT(ints, '$[1][0]'), JSON_EXTRACT(texts, '$[1]') FROM arrays "
                "WHERE id = 1"),
            (Rows{{"3", R"("c\"d")"}}));
}

TEST_P(mysql_sink, ArraysBecomeJsonByInsert) {
  arrays_round_trip(*this, {{"load_data_min_rows", "0"}});
}

TEST_P(mysql_sink, ArraysBecomeJsonByLoadData) {
  arrays_round_trip(*this, {{"load_data_min_rows", "1"}});
}

const Relation kArrayKey(701, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "array_key",
                         {{"k", kInt4Array, true}, {"v", kTextArray}});

/// arrays: text stores the source text verbatim, whatever the element type, in LONGTEXT.
void arrays_as_text(MysqlSinkTest &t, const Options &extra) {
  Options opts = {{"arrays", "text"}};
  opts.insert(opts.end(), extra.begin(), extra.end());
  ASSERT_EQ(t.open(opts), WR_OK) << g_last_error;
  const std::string texts = R"({"a b","c\"d",NULL,"NULL","x\\y"})";
  BatchBuilder b;
  b.txn(0x100)
      .insert(kArrays, {T("1"), T("{{1,2},{3,NULL}}"), T(texts), T("{t,f,NULL}"),
                        T("{1.5,-2e-05,NaN}"), T("[0:1]={10.50,-3}")})
      .insert(kArrays, {T("2"), T("{}"), T("{x}"), N, T("{Infinity}"), T("{}")})
      .insert(kArrayKey, {T("{1,2}"), T("{a}")})
      .insert(kArrayKey, {T("{1,2,3}"), T("{b}")});
  b.txn(0x200)
      .update(kArrayKey, WR_OLD_NONE, {}, {T("{1,2}"), T("{changed}")})
      .del(kArrayKey, WR_OLD_KEY, {T("{1,2,3}"), N});
  ASSERT_EQ(t.apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(
      t.q("SELECT id, ints, texts, flags, floats, nums FROM arrays ORDER BY id"),
      (Rows{{"1", "{{1,2},{3,NULL}}", texts, "{t,f,NULL}", "{1.5,-2e-05,NaN}", "[0:1]={10.50,-3}"},
            {"2", "{}", "{x}", "NULL", "{Infinity}", "{}"}}));
  EXPECT_EQ(t.q("SELECT k, v FROM array_key"), (Rows{{"{1,2}", "{changed}"}}));
  EXPECT_EQ(
      t.q("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE "
          "TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('arrays', 'array_key') AND "
          "COLUMN_NAME IN ('ints', 'flags', 'nums', 'k') ORDER BY COLUMN_NAME"),
      (Rows{{"flags", "longtext"}, {"ints", "longtext"}, {"k", "varchar"}, {"nums", "longtext"}}));
  // No JSON_VALID check: malformed array text is stored as sent, not rejected.
  BatchBuilder b2;
  b2.txn(0x300).insert(kArrays, {T("3"), T("{1,2"), N, N, N, N});
  ASSERT_EQ(t.apply(b2.build()), WR_OK) << g_last_error;
  EXPECT_EQ(t.q("SELECT ints FROM arrays WHERE id = 3"), (Rows{{"{1,2"}}));
}

TEST_P(mysql_sink, ArraysAsTextByInsert) { arrays_as_text(*this, {{"load_data_min_rows", "0"}}); }

TEST_P(mysql_sink, ArraysAsTextByLoadData) { arrays_as_text(*this, {{"load_data_min_rows", "1"}}); }

TEST_P(mysql_sink, MalformedArrayIsFatalNamingColumnAndOffset) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(kArrays, {T("1"), T("{1,2"), N, N, N, N});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("`ints`"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("malformed array literal at byte 4"), std::string::npos)
      << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM arrays"), (Rows{{"0"}}));
}

}  // namespace
}  // namespace wrmysql
