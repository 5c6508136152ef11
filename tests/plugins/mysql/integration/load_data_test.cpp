// MySQL sink on MariaDB: long insert runs through LOAD DATA LOCAL INFILE fed from memory.
#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

const Relation kBulk(800, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "bulk",
                     {{"id", kInt8, true},
                      {"t", kText},
                      {"raw", kBytea},
                      {"ok", kBool},
                      {"at", kTimestamptz},
                      {"f", kFloat8},
                      {"n", kNumeric, false, numeric_typmod(20, 5)}});

/// Text full of LOAD DATA's special bytes.
std::string nasty(int i) {
  return "r" + std::to_string(i) + "\ttab\nnl\r\\N\\\\back 'q' \"dq\" \xF0\x9F\x90\x98";
}

/// The hex of the bytea value of row i: includes NUL, tab, newline and backslash bytes.
std::string raw_hex(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "00090a5c%02x", i % 256);
  return buf;
}

TEST_P(mysql_sink, LoadDataCarriesEveryByteAndNull) {
  ASSERT_EQ(open({{"load_data_min_rows", "100"}}), WR_OK) << g_last_error;
  constexpr int kRows = 3000;
  BatchBuilder b;
  for (int t = 0; t < 3; ++t) {
    b.txn(0x10000 + 0x1000 * static_cast<wr_lsn>(t));
    for (int k = 0; k < kRows / 3; ++k) {
      const int i = t * (kRows / 3) + k;
      if (i % 7 == 0) {
        b.insert(kBulk, {T(std::to_string(i)), N, N, N, N, T("NaN"), N});
      } else {
        b.insert(kBulk,
                 {T(std::to_string(i)), T(nasty(i)), T("\\x" + raw_hex(i)), T(i % 2 ? "t" : "f"),
                  T("2024-03-01 12:00:00." + std::to_string(100000 + i) + "+00"),
                  T(std::to_string(i) + ".25"), T("-" + std::to_string(i) + ".12345")});
      }
    }
  }
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;
  const Rows rows = q("SELECT id, t, HEX(raw), ok, at, f, n FROM bulk ORDER BY id");
  ASSERT_EQ(rows.size(), static_cast<size_t>(kRows));
  for (int i = 0; i < kRows; ++i) {
    std::vector<std::string> want;
    if (i % 7 == 0) {
      want = {std::to_string(i), "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"};
    } else {
      std::string hex = raw_hex(i);
      for (char &ch : hex) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      want = {std::to_string(i),
              nasty(i),
              hex,
              i % 2 ? "1" : "0",
              "2024-03-01 12:00:00." + std::to_string(100000 + i),
              std::to_string(i) + ".25",
              "-" + std::to_string(i) + ".12345"};
    }
    ASSERT_EQ(rows[static_cast<size_t>(i)], want) << "row " << i;
  }
  EXPECT_EQ(position(), 0x12000u);
}

TEST_P(mysql_sink, LoadDataDuplicateKeyIsFatalAndRolledBack) {
  ASSERT_EQ(open({{"load_data_min_rows", "2"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100)
      .insert(kBulk, {T("1"), T("a"), N, N, N, N, N})
      .insert(kBulk, {T("2"), T("b"), N, N, N, N, N})
      .insert(kBulk, {T("1"), T("again"), N, N, N, N, N});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("LOAD DATA of 3 rows into"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("`bulk`"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("Duplicate entry '1'"), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM bulk"), (Rows{{"0"}}));
  EXPECT_EQ(position(), WR_LSN_INVALID);
}

TEST_P(mysql_sink, LoadDataValueTooLongIsFatal) {
  const Relation small(801, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "small",
                       {{"id", kInt4, true}, {"v", kVarchar, false, 3 + 4}});
  ASSERT_EQ(open({{"load_data_min_rows", "2"}}), WR_OK) << g_last_error;
  BatchBuilder b;
  b.txn(0x100).insert(small, {T("1"), T("abc")}).insert(small, {T("2"), T("abcd")});
  EXPECT_EQ(apply(b.build()), WR_FATAL);
  EXPECT_NE(g_last_error.find("`small`"), std::string::npos) << g_last_error;
  EXPECT_EQ(q("SELECT count(*) FROM small"), (Rows{{"0"}}));
}

}  // namespace
}  // namespace wrmysql
