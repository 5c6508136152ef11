// MySQL sink on MariaDB: every mapped type round trip, values read back as the README documents.
#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

const Relation kZoo(700, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "zoo",
                    {{"id", kInt4, true},
                     {"c_bool", kBool},
                     {"c_int2", kInt2},
                     {"c_int8", kInt8},
                     {"c_oid", kOid},
                     {"c_float4", kFloat4},
                     {"c_float8", kFloat8},
                     {"c_float8_special", kFloat8},
                     {"c_num", kNumeric, false, numeric_typmod(12, 2)},
                     {"c_num65", kNumeric, false, numeric_typmod(65, 30)},
                     {"c_num_free", kNumeric},
                     {"c_text", kText},
                     {"c_varchar", kVarchar, false, 10 + 4},
                     {"c_bpchar", kBpchar, false, 5 + 4},
                     {"c_bytea", kBytea},
                     {"c_date", kDate},
                     {"c_time", kTime},
                     {"c_ts", kTimestamp},
                     {"c_tstz", kTimestamptz},
                     {"c_timetz", kTimetz},
                     {"c_interval", kInterval},
                     {"c_uuid", kUuid},
                     {"c_json", kJson},
                     {"c_jsonb", kJsonb},
                     {"c_int_arr", kInt4Array},
                     {"c_text_arr", kTextArray},
                     {"c_enum", 16390, false, -1, "mood"},
                     {"c_money", kMoney},
                     {"c_inet", kInet},
                     {"c_xml", kXml}});

const char *kSelect =
    "SELECT id, c_bool, c_int2, c_int8, c_oid, c_float4, c_float8, c_float8_special, c_num, "
    "c_num65, c_num_free, c_text, c_varchar, c_bpchar, HEX(c_bytea), c_date, c_time, c_ts, "
    "c_tstz, c_timetz, c_interval, c_uuid, c_json, c_jsonb, c_int_arr, c_text_arr, c_enum, "
    "c_money, c_inet, c_xml FROM zoo ORDER BY id";

const std::string kNasty =
    "it's \"quoted\" back\\slash\\' \\\\ \nnew\tline \xF0\x9F\x90\x98 `tick`";

/// Inserts the zoo rows with the sink opened with `extra` and checks every value read back.
/// The zoo; with `arrays: text` in `extra` the array columns hold the source text.
void zoo_round_trip(MysqlSinkTest &t, const Options &extra) {
  ASSERT_EQ(t.open(extra), WR_OK) << g_last_error;
  bool arrays_text = false;
  for (const auto &[k, v] : extra) arrays_text = arrays_text || (k == "arrays" && v == "text");
  const std::string num65 = "12345678901234567890123456789012345.123456789012345678901234567890";
  const std::string num40 = "-1234567890123456789012345678901234567890.000000000000000000001";
  BatchBuilder b;
  b.txn(0x100)
      .insert(kZoo, {T("1"),
                     T("t"),
                     T("-32768"),
                     T("9223372036854775807"),
                     T("4294967295"),
                     T("1.5"),
                     T("0.1"),
                     T("NaN"),
                     T("-1234567890.12"),
                     T(num65),
                     T(num40),
                     T(kNasty),
                     T("h\xC3\xA9llo"),
                     T("ab   "),
                     T("\\x00015c27ff00"),
                     T("2024-02-29"),
                     T("23:59:59.999999"),
                     T("2024-03-01 12:00:00.5"),
                     T("0001-01-01 00:00:00+00"),
                     T("12:00:00+02"),
                     T("1 year 2 mons 3 days 04:05:06.5"),
                     T("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                     T("{\"a\": [1, 2, \"x\\\"y\\\\z\"]}"),
                     T("{\"k\": \"v\\\\w\"}"),
                     T("{1,2,NULL}"),
                     T("{\"a b\",\"c\\\\\\\"d\"}"),
                     T("happy"),
                     T("$1,000.50"),
                     T("192.168.0.1/24"),
                     T("<a>b&amp;</a>")})
      .insert(kZoo, {T("2"),
                     T("f"),
                     T("32767"),
                     T("-9223372036854775808"),
                     T("0"),
                     T("-3.4e+38"),
                     T("1e-300"),
                     T("Infinity"),
                     T("0.00"),
                     T("-0.000000000000000000000000000001"),
                     T("NaN"),
                     T(""),
                     T(""),
                     T("     "),
                     T("\\x"),
                     T("1000-01-01"),
                     T("00:00:00"),
                     T("1970-01-01 00:00:00"),
                     T("9999-12-31 23:59:59.999999+00"),
                     T("00:00:00-08"),
                     T("-00:00:01"),
                     T("00000000-0000-0000-0000-000000000000"),
                     T("[]"),
                     T("null"),
                     T("{}"),
                     T("{}"),
                     T("sad"),
                     T("-$0.01"),
                     T("::1"),
                     T("<x/>")})
      .insert(
          kZoo,
          {T("3"), N, N, N, N, N, N, T("-Infinity"), N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
           N,      N, N, N, N, N, N});
  ASSERT_EQ(t.apply(b.build()), WR_OK) << g_last_error;
  Rows rows = t.q(kSelect);
  ASSERT_EQ(rows.size(), 3u);
  if (arrays_text) {  // columns 24, 25: c_int_arr, c_text_arr hold PostgreSQL's text
    EXPECT_EQ(rows[0][24], "{1,2,NULL}");
    EXPECT_EQ(rows[0][25], "{\"a b\",\"c\\\\\\\"d\"}");
    EXPECT_EQ(rows[1][24], "{}");
    EXPECT_EQ(rows[1][25], "{}");
    // Not JSON (a JSON column's JSON_VALID check would have refused it).
    EXPECT_EQ(t.q("SELECT JSON_VALID(c_int_arr) FROM zoo WHERE id = 1"), (Rows{{"0"}}));
    // The rest of the zoo is unchanged: compare it against the JSON expectations below.
    rows[0][24] = "[1,2,null]";
    rows[0][25] = "[\"a b\",\"c\\\\\\\"d\"]";
    rows[1][24] = rows[1][25] = "[]";
  }
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1",
                                               "1",
                                               "-32768",
                                               "9223372036854775807",
                                               "4294967295",
                                               "1.5",
                                               "0.1",
                                               "NULL",
                                               "-1234567890.12",
                                               num65,
                                               num40,
                                               kNasty,
                                               "h\xC3\xA9llo",
                                               "ab   ",
                                               "00015C27FF00",
                                               "2024-02-29",
                                               "23:59:59.999999",
                                               "2024-03-01 12:00:00.500000",
                                               "0001-01-01 00:00:00.000000",
                                               "12:00:00+02",
                                               "1 year 2 mons 3 days 04:05:06.5",
                                               "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                                               "{\"a\": [1, 2, \"x\\\"y\\\\z\"]}",
                                               "{\"k\": \"v\\\\w\"}",
                                               "[1,2,null]",  // arrays as JSON
                                               "[\"a b\",\"c\\\\\\\"d\"]",
                                               "happy",
                                               "$1,000.50",
                                               "192.168.0.1/24",
                                               "<a>b&amp;</a>"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2",
                                               "0",
                                               "32767",
                                               "-9223372036854775808",
                                               "0",
                                               "-3.4e38",
                                               "1e-300",
                                               "NULL",
                                               "0.00",
                                               "-0.000000000000000000000000000001",
                                               "NaN",
                                               "",
                                               "",
                                               "     ",
                                               "",
                                               "1000-01-01",
                                               "00:00:00.000000",
                                               "1970-01-01 00:00:00.000000",
                                               "9999-12-31 23:59:59.999999",
                                               "00:00:00-08",
                                               "-00:00:01",
                                               "00000000-0000-0000-0000-000000000000",
                                               "[]",
                                               "null",
                                               "[]",
                                               "[]",
                                               "sad",
                                               "-$0.01",
                                               "::1",
                                               "<x/>"}));
  std::vector<std::string> nulls(30, "NULL");
  nulls[0] = "3";
  nulls[14] = "NULL";
  EXPECT_EQ(rows[2], nulls);
  // The special float was stored as NULL with a warning (special_floats: null).
  bool warned = false;
  for (const std::string &l : g_log)
    warned = warned || l.find("`c_float8_special`") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST_P(mysql_sink, TypeZooRoundTrip) { zoo_round_trip(*this, {{"load_data_min_rows", "0"}}); }

TEST_P(mysql_sink, TypeZooRoundTripThroughLoadData) {
  zoo_round_trip(*this, {{"load_data_min_rows", "1"}});
}

TEST_P(mysql_sink, TypeZooRoundTripArraysAsText) {
  zoo_round_trip(*this, {{"load_data_min_rows", "0"}, {"arrays", "text"}});
}

TEST_P(mysql_sink, TypeZooRoundTripArraysAsTextThroughLoadData) {
  zoo_round_trip(*this, {{"load_data_min_rows", "1"}, {"arrays", "text"}});
}

TEST_P(mysql_sink, TypeZooColumnTypesFollowTheMap) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder b;
  std::vector<Val> row(30, N);
  row[0] = T("1");
  b.txn(0x100).insert(kZoo, row);
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const Rows types =
      q("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
        "DATABASE() AND TABLE_NAME = 'zoo' ORDER BY ORDINAL_POSITION");
  const Rows expected = {{"id", "int(11)"},
                         {"c_bool", "tinyint(1)"},
                         {"c_int2", "smallint(6)"},
                         {"c_int8", "bigint(20)"},
                         {"c_oid", "int(10) unsigned"},
                         {"c_float4", "double"},
                         {"c_float8", "double"},
                         {"c_float8_special", "double"},
                         {"c_num", "decimal(12,2)"},
                         {"c_num65", "decimal(65,30)"},
                         {"c_num_free", "longtext"},
                         {"c_text", "longtext"},
                         {"c_varchar", "varchar(10)"},
                         {"c_bpchar", "varchar(5)"},
                         {"c_bytea", "longblob"},
                         {"c_date", "date"},
                         {"c_time", "time(6)"},
                         {"c_ts", "datetime(6)"},
                         {"c_tstz", "datetime(6)"},
                         {"c_timetz", "varchar(32)"},
                         {"c_interval", "varchar(255)"},
                         {"c_uuid", "char(36)"},
                         {"c_json", "longtext"},  // MariaDB's JSON is LONGTEXT + JSON_VALID
                         {"c_jsonb", "longtext"},
                         {"c_int_arr", "longtext"},
                         {"c_text_arr", "longtext"},
                         {"c_enum", "varchar(255)"},
                         {"c_money", "varchar(64)"},
                         {"c_inet", "varchar(43)"},
                         {"c_xml", "longtext"}};
  EXPECT_EQ(types, expected);
}

TEST_P(mysql_sink, SpecialFloatsFailWhenConfigured) {
  ASSERT_EQ(open({{"special_floats", "fail"}}), WR_OK) << g_last_error;
  std::vector<Val> row(30, N);
  row[0] = T("1");
  row[6] = T("Infinity");
  BatchBuilder b;
  b.txn(0x100).insert(kZoo, row);
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("`c_float8`"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("'Infinity'"), std::string::npos) << g_last_error;
}

TEST_P(mysql_sink, InfiniteTimestampIsFatalNamingTheColumn) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  std::vector<Val> row(30, N);
  row[0] = T("5");
  row[18] = T("infinity");
  BatchBuilder b;
  b.txn(0x100).insert(kZoo, row);
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("`c_tstz`"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("`id` = '5'"), std::string::npos) << g_last_error;
}

TEST_P(mysql_sink, TooLongValueIsFatalNotTruncated) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  std::vector<Val> row(30, N);
  row[0] = T("6");
  row[12] = T("eleven chars");
  BatchBuilder b;
  b.txn(0x100).insert(kZoo, row);
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("c_varchar"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("`zoo`"), std::string::npos) << g_last_error;
}

}  // namespace
}  // namespace wrmysql
