// MySQL sink on MariaDB: array columns stored as JSON arrays.
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
