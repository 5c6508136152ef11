// SQLite sink: table creation, PostgreSQL -> SQLite type mapping, identifier quoting.
#include "sink_harness.h"

namespace wrtest {
namespace {

TEST_F(sqlite_sink, CreatesTablesWithMappedTypesAndPrimaryKey) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation all(1, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "all_types",
                     {{"i2", kInt2},
                      {"i4", kInt4, true},
                      {"i8", kInt8, true},
                      {"o", kOid},
                      {"b", kBool},
                      {"f4", kFloat4},
                      {"f8", kFloat8},
                      {"n", kNumeric},
                      {"raw", kBytea},
                      {"t", kText},
                      {"v", kVarchar},
                      {"d", kDate},
                      {"ts", kTimestamptz},
                      {"j", kJson},
                      {"jb", kJsonb},
                      {"u", kUuid},
                      {"arr", kInt4Array},
                      {"mood", 16385}});
  BatchBuilder b;
  b.txn(0x10).insert(
      all, {T("1"), T("2"), T("3"), T("4"), T("t"), T("1.5"), T("2.5"), T("3.5"), T("\\x01"),
            T("x"), T("y"), T("2024-02-29"), T("2024-02-29 12:34:56.789+00"), T("{\"a\": 1}"),
            T("{\"a\": 1}"), T("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), T("{1,2,3}"), T("happy")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT name, type, pk FROM pragma_table_info('all_types')"),
            (Rows{{"i2", "INTEGER", "0"},
                  {"i4", "INTEGER", "1"},
                  {"i8", "INTEGER", "2"},
                  {"o", "INTEGER", "0"},
                  {"b", "INTEGER", "0"},
                  {"f4", "REAL", "0"},
                  {"f8", "REAL", "0"},
                  {"n", "TEXT", "0"},
                  {"raw", "BLOB", "0"},
                  {"t", "TEXT", "0"},
                  {"v", "TEXT", "0"},
                  {"d", "TEXT", "0"},
                  {"ts", "TEXT", "0"},
                  {"j", "TEXT", "0"},
                  {"jb", "TEXT", "0"},
                  {"u", "TEXT", "0"},
                  {"arr", "TEXT", "0"},
                  {"mood", "TEXT", "0"}}));
  EXPECT_EQ(q("SELECT typeof(i2), typeof(i4), typeof(i8), typeof(o), typeof(b), typeof(f4), "
              "typeof(f8), typeof(n), typeof(raw), typeof(t), typeof(d), typeof(arr) FROM "
              "all_types"),
            (Rows{{"integer", "integer", "integer", "integer", "integer", "real", "real", "text",
                   "blob", "text", "text", "text"}}));
  EXPECT_EQ(q("SELECT i2, i4, i8, o, b, f4, f8, n, raw, t, v, d, ts, j, jb, u, arr, mood FROM "
              "all_types"),
            (Rows{{"1", "2", "3", "4", "1", "1.5", "2.5", "3.5", "x'01'", "x", "y", "2024-02-29",
                   "2024-02-29 12:34:56.789+00", "{\"a\": 1}", "{\"a\": 1}",
                   "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{1,2,3}", "happy"}}));
}

TEST_F(sqlite_sink, IntegersAndBooleansAreStoredAsIntegers) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation r(2, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "ints",
                   {{"id", kInt8, true}, {"small", kInt2}, {"flag", kBool}});
  BatchBuilder b;
  b.txn(0x10)
      .insert(r, {T("9223372036854775807"), T("-32768"), T("t")})
      .insert(r, {T("-9223372036854775808"), T("0"), T("f")})
      .insert(r, {T("42"), N, N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id, typeof(id), small, flag, typeof(flag) FROM ints ORDER BY id"),
            (Rows{{"-9223372036854775808", "integer", "0", "0", "integer"},
                  {"42", "integer", "NULL", "NULL", "null"},
                  {"9223372036854775807", "integer", "-32768", "1", "integer"}}));
}

TEST_F(sqlite_sink, FloatsAreRealAndSpecialValuesStayText) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation r(3, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "floats",
                   {{"id", kInt4, true}, {"f", kFloat8}, {"g", kFloat4}});
  BatchBuilder b;
  b.txn(0x10)
      .insert(r, {T("1"), T("NaN"), T("Infinity")})
      .insert(r, {T("2"), T("-Infinity"), T("-0")})
      .insert(r, {T("3"), T("0.1"), T("1e+30")})
      .insert(r, {T("4"), T("1.7976931348623157e+308"), T("-2.5e-300")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  // -0 reads back as 0: SQLite stores integral REALs as integers on disk (documented).
  EXPECT_EQ(q("SELECT f, typeof(f), g, typeof(g) FROM floats ORDER BY id"),
            (Rows{{"NaN", "text", "Infinity", "text"},
                  {"-Infinity", "text", "0", "real"},
                  {"0.10000000000000001", "real", "1e+30", "real"},
                  {"1.7976931348623157e+308", "real", "-2.5e-300", "real"}}));
  EXPECT_EQ(q("SELECT id FROM floats WHERE f = 0.1 OR f = 1.7976931348623157e308 OR "
              "g = -2.5e-300 ORDER BY id"),
            (Rows{{"3"}, {"4"}}))
      << "parsed to the nearest double";
}

TEST_F(sqlite_sink, NumericKeepsEveryDigit) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation r(4, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "money",
                   {{"id", kInt4, true}, {"amount", kNumeric}});
  const std::string thirty = "123456789012345678901234567890";
  BatchBuilder b;
  b.txn(0x10)
      .insert(r, {T("1"), T(thirty)})
      .insert(r, {T("2"), T("0.100000000000000000000000000001")})
      .insert(r, {T("3"), T("-12.50")})
      .insert(r, {T("4"), T("NaN")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT amount, typeof(amount) FROM money ORDER BY id"),
            (Rows{{thirty, "text"},
                  {"0.100000000000000000000000000001", "text"},
                  {"-12.50", "text"},
                  {"NaN", "text"}}));
}

TEST_F(sqlite_sink, ByteaRoundTripsIncludingZeroBytes) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation r(5, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "blobs",
                   {{"id", kInt4, true}, {"data", kBytea}, {"more", kBytea}});
  BatchBuilder b;
  b.txn(0x10)
      .insert(r, {T("1"), T("\\x00ff00410000"), T("\\xDEADBEEF")})
      .insert(r, {T("2"), T("\\x"), N})
      .insert(r, {T("3"), T("a\\000b\\\\c\\377"), T("plain")});  // escape format
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT data, length(data), typeof(data), more FROM blobs ORDER BY id"),
            (Rows{{"x'00ff00410000'", "6", "blob", "x'deadbeef'"},
                  {"x''", "0", "blob", "NULL"},
                  {"x'6100625c63ff'", "6", "blob", "x'706c61696e'"}}));
}

TEST_F(sqlite_sink, MalformedByteaIsFatal) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation r(5, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "blobs",
                   {{"id", kInt4, true}, {"data", kBytea}});
  BatchBuilder b;
  b.txn(0x10).insert(r, {T("1"), T("\\x0g")});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("\"data\""), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("\"blobs\""), std::string::npos) << g_last_error;
}

TEST_F(sqlite_sink, TextKeepsQuotesUnicodeAndNulls) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation r(6, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "notes",
                   {{"id", kInt4, true}, {"body", kText}, {"extra", kVarchar}});
  const std::string nasty = "it's \"quoted\"'); DROP TABLE notes; -- ñ 日本 😀 \\x00";
  BatchBuilder b;
  b.txn(0x10)
      .insert(r, {T("1"), T(nasty), T("")})
      .insert(r, {T("2"), N, N})
      .insert(r, {T("3"), T("NULL"), T("  padded  ")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT body, typeof(body), extra, typeof(extra) FROM notes ORDER BY id"),
            (Rows{{nasty, "text", "", "text"},
                  {"NULL", "null", "NULL", "null"},
                  {"NULL", "text", "  padded  ", "text"}}));
}

TEST_F(sqlite_sink, BinaryValuesAreStoredAsBlobs) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation r(7, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "bin",
                   {{"id", kInt4, true}, {"v", kInt4}});
  BatchBuilder b;
  b.txn(0x10).insert(r, {T("1"), B(std::string("\x00\x00\x00\x2a", 4))});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT v, typeof(v) FROM bin"), (Rows{{"x'0000002a'", "blob"}}));
}

TEST_F(sqlite_sink, IdentifiersWithQuotesAndDotsAreQuoted) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation r(8, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "we\"ird.table",
                   {{"k\"ey", kInt4, true}, {"a.b", kText}, {"select", kText}});
  BatchBuilder b;
  b.txn(0x10)
      .insert(r, {T("1"), T("x"), T("y")})
      .insert(r, {T("2"), T("p"), T("q")})
      .update(r, WR_OLD_NONE, {}, {T("1"), T("x2"), T("y2")})
      .del(r, WR_OLD_KEY, {T("2"), N, N});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
            (Rows{{"walrelay_checkpoint"}, {"we\"ird.table"}}));
  EXPECT_EQ(q("SELECT name, pk FROM pragma_table_info('we\"ird.table')"),
            (Rows{{"k\"ey", "1"}, {"a.b", "0"}, {"select", "0"}}));
  EXPECT_EQ(q("SELECT \"k\"\"ey\", \"a.b\", \"select\" FROM \"we\"\"ird.table\""),
            (Rows{{"1", "x2", "y2"}}));
}

TEST_F(sqlite_sink, NonPublicSchemaBecomesOneDottedTableName) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  const Relation pub(9, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "orders", {{"id", kInt4, true}});
  const Relation sales(10, 1, WR_REPLICA_IDENTITY_DEFAULT, "sales", "orders",
                       {{"id", kInt4, true}, {"region", kText}});
  BatchBuilder b;
  b.txn(0x10).insert(pub, {T("1")}).insert(sales, {T("2"), T("eu")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT id FROM orders"), (Rows{{"1"}}));
  EXPECT_EQ(q("SELECT id, region FROM \"sales.orders\""), (Rows{{"2", "eu"}}));
}

TEST_F(sqlite_sink, FullIdentityTablesGetNoPrimaryKey) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  // pgoutput flags every column as key under REPLICA IDENTITY FULL.
  const Relation r(11, 1, WR_REPLICA_IDENTITY_FULL, "public", "log",
                   {{"at", kText, true}, {"msg", kText, true}});
  BatchBuilder b;
  b.txn(0x10).insert(r, {T("now"), T("hi")}).insert(r, {T("now"), T("hi")});
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  EXPECT_EQ(q("SELECT sum(pk) FROM pragma_table_info('log')"), (Rows{{"0"}}));
  EXPECT_EQ(q("SELECT count(*) FROM log"), (Rows{{"2"}}));
}

}  // namespace
}  // namespace wrtest
