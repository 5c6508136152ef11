// MySQL sink, no server: the documented type map and value conversions (README "Type mapping").
#include <gtest/gtest.h>

#include <string>

#include "plugins/mysql/src/type_map.h"
#include "tests/plugins/mysql/batch_builder.h"

namespace wrmysql {
namespace {

using walrelay::mysql::Conversion;
using walrelay::mysql::convert_value;
using walrelay::mysql::map_type;
using walrelay::mysql::ValueClass;

std::string decl(uint32_t oid, int32_t typmod = -1, bool key = false) {
  return map_type(oid, typmod, key, false).decl;
}

TEST(mysql_type_map, EveryMappedBuiltInType) {
  EXPECT_EQ(decl(kBool), "TINYINT(1)");
  EXPECT_EQ(decl(kBytea), "LONGBLOB");
  EXPECT_EQ(decl(kChar), "VARCHAR(4)");
  EXPECT_EQ(decl(kName), "VARCHAR(64)");
  EXPECT_EQ(decl(kInt2), "SMALLINT");
  EXPECT_EQ(decl(kInt4), "INT");
  EXPECT_EQ(decl(kInt8), "BIGINT");
  EXPECT_EQ(decl(kOid), "INT UNSIGNED");
  EXPECT_EQ(decl(28), "INT UNSIGNED");       // xid
  EXPECT_EQ(decl(5069), "BIGINT UNSIGNED");  // xid8
  EXPECT_EQ(decl(kText), "LONGTEXT");
  EXPECT_EQ(decl(kJson), "JSON");
  EXPECT_EQ(decl(kJsonb), "JSON");
  EXPECT_EQ(decl(kXml), "LONGTEXT");
  EXPECT_EQ(decl(kFloat4), "DOUBLE");
  EXPECT_EQ(decl(kFloat8), "DOUBLE");
  EXPECT_EQ(decl(kMoney), "VARCHAR(64)");
  EXPECT_EQ(decl(kInet), "VARCHAR(43)");
  EXPECT_EQ(decl(650), "VARCHAR(43)");   // cidr
  EXPECT_EQ(decl(829), "VARCHAR(23)");   // macaddr
  EXPECT_EQ(decl(774), "VARCHAR(23)");   // macaddr8
  EXPECT_EQ(decl(3220), "VARCHAR(17)");  // pg_lsn
  EXPECT_EQ(decl(kVarchar, 20 + 4), "VARCHAR(20)");
  EXPECT_EQ(decl(kVarchar, 255 + 4), "VARCHAR(255)");
  EXPECT_EQ(decl(kVarchar, 256 + 4), "LONGTEXT");
  EXPECT_EQ(decl(kVarchar), "LONGTEXT");
  EXPECT_EQ(decl(kBpchar, 3 + 4), "VARCHAR(3)");
  EXPECT_EQ(decl(kDate), "DATE");
  EXPECT_EQ(decl(kTime), "TIME(6)");
  EXPECT_EQ(decl(kTimetz), "VARCHAR(32)");
  EXPECT_EQ(decl(kTimestamp), "DATETIME(6)");
  EXPECT_EQ(decl(kTimestamptz), "DATETIME(6)");
  EXPECT_EQ(decl(kInterval), "VARCHAR(255)");
  EXPECT_EQ(decl(kUuid), "CHAR(36)");
  EXPECT_EQ(decl(kInt4Array), "JSON");
  EXPECT_EQ(decl(kTextArray), "JSON");
  EXPECT_EQ(decl(600), "LONGTEXT");  // point: text output

  EXPECT_EQ(map_type(kBool, -1, false, false).cls, ValueClass::Bool);
  EXPECT_EQ(map_type(kBytea, -1, false, false).cls, ValueClass::Blob);
  EXPECT_EQ(map_type(kFloat8, -1, false, false).cls, ValueClass::Float);
  EXPECT_EQ(map_type(kDate, -1, false, false).cls, ValueClass::Date);
  EXPECT_EQ(map_type(kTimestamp, -1, false, false).cls, ValueClass::Timestamp);
  EXPECT_EQ(map_type(kTimestamptz, -1, false, false).cls, ValueClass::TimestampTz);
}

TEST(mysql_type_map, ArraysAsTextOption) {
  for (uint32_t oid : {kInt4Array, kTextArray, 1000u /* bool[] */, 1231u /* numeric[] */}) {
    EXPECT_EQ(map_type(oid, -1, false, false, false).decl, "LONGTEXT") << oid;
    EXPECT_EQ(map_type(oid, -1, false, false, false).cls, ValueClass::Text) << oid;
    EXPECT_EQ(map_type(oid, -1, true, false, false).decl, "VARCHAR(255)") << oid;
    EXPECT_NE(map_type(oid, -1, false, false, true).cls, ValueClass::Text) << oid;
  }
  EXPECT_EQ(map_type(kBool, -1, false, false, false).cls, ValueClass::Bool);  // not an array
}

TEST(mysql_type_map, KeyColumnsGetIndexableTypes) {
  EXPECT_EQ(decl(kText, -1, true), "VARCHAR(255)");
  EXPECT_EQ(decl(kBytea, -1, true), "VARBINARY(1024)");
  EXPECT_EQ(decl(kJsonb, -1, true), "VARCHAR(255)");
  EXPECT_EQ(decl(kNumeric, -1, true), "VARCHAR(255)");
  EXPECT_EQ(decl(kVarchar, 40 + 4, true), "VARCHAR(40)");
  EXPECT_EQ(decl(kInt8, -1, true), "BIGINT");
}

TEST(mysql_type_map, UserTypesLikeEnumsBecomeVarchar) {
  EXPECT_EQ(map_type(16385, -1, false, true).decl, "VARCHAR(255)");
  EXPECT_EQ(map_type(16385, -1, false, true).cls, ValueClass::Text);
}

TEST(mysql_type_map, NumericWithinDecimalLimitsIsDecimal) {
  EXPECT_EQ(decl(kNumeric, numeric_typmod(12, 2)), "DECIMAL(12,2)");
  EXPECT_EQ(decl(kNumeric, numeric_typmod(65, 30)), "DECIMAL(65,30)");
  EXPECT_EQ(decl(kNumeric, numeric_typmod(5, 0)), "DECIMAL(5,0)");
  EXPECT_EQ(map_type(kNumeric, numeric_typmod(12, 2), false, false).cls, ValueClass::Decimal);
}

TEST(mysql_type_map, NumericBeyondDecimalFallsBackToExactText) {
  for (int32_t typmod :
       {-1, numeric_typmod(66, 0), numeric_typmod(40, 31), numeric_typmod(1000, 10)}) {
    const auto t = map_type(kNumeric, typmod, false, false);
    EXPECT_EQ(t.decl, "LONGTEXT") << typmod;
    EXPECT_EQ(t.cls, ValueClass::NumericText) << typmod;
  }
  // Negative scale (PostgreSQL 15+): numeric(3,-2) stores 12300; not a DECIMAL shape.
  EXPECT_EQ(decl(kNumeric, ((3 << 16) | 0xfffe) + 4), "LONGTEXT");
  std::string scratch;
  std::string_view out;
  const std::string digits40 = "1234567890123456789012345678901234567890.0123456789";
  EXPECT_EQ(convert_value(digits40, ValueClass::NumericText, scratch, out), Conversion::Ok);
  EXPECT_EQ(out, digits40);
  EXPECT_EQ(convert_value("NaN", ValueClass::NumericText, scratch, out), Conversion::Ok);
  EXPECT_EQ(out, "NaN");
}

TEST(mysql_type_map, SpecialFloatsAreFlaggedForDoubleAndDecimal) {
  std::string scratch;
  std::string_view out;
  for (const char *s : {"NaN", "Infinity", "-Infinity"}) {
    EXPECT_EQ(convert_value(s, ValueClass::Float, scratch, out), Conversion::Special) << s;
    EXPECT_EQ(convert_value(s, ValueClass::Decimal, scratch, out), Conversion::Special) << s;
  }
  EXPECT_EQ(convert_value("-1.5e+308", ValueClass::Float, scratch, out), Conversion::Ok);
  EXPECT_EQ(out, "-1.5e+308");
}

TEST(mysql_type_map, BoolBecomesOneOrZero) {
  std::string scratch;
  std::string_view out;
  EXPECT_EQ(convert_value("t", ValueClass::Bool, scratch, out), Conversion::Ok);
  EXPECT_EQ(out, "1");
  EXPECT_EQ(convert_value("f", ValueClass::Bool, scratch, out), Conversion::Ok);
  EXPECT_EQ(out, "0");
  EXPECT_EQ(convert_value("maybe", ValueClass::Bool, scratch, out), Conversion::Malformed);
}

TEST(mysql_type_map, ByteaHexAndEscapeDecode) {
  std::string out;
  ASSERT_TRUE(walrelay::mysql::decode_bytea("\\x00ff5c27", out));
  EXPECT_EQ(out, std::string("\x00\xff\\'", 4));
  ASSERT_TRUE(walrelay::mysql::decode_bytea("\\x", out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(walrelay::mysql::decode_bytea("a\\\\b\\000", out));
  EXPECT_EQ(out, std::string("a\\b\0", 4));
  EXPECT_FALSE(walrelay::mysql::decode_bytea("\\x0", out));
  EXPECT_FALSE(walrelay::mysql::decode_bytea("\\xzz", out));
}

TEST(mysql_type_map, TimestamptzIsConvertedToUtc) {
  std::string out;
  ASSERT_TRUE(walrelay::mysql::timestamptz_to_utc("2024-03-01 12:00:00+00", out));
  EXPECT_EQ(out, "2024-03-01 12:00:00");
  ASSERT_TRUE(walrelay::mysql::timestamptz_to_utc("2024-03-01 01:30:00.123456+05:30", out));
  EXPECT_EQ(out, "2024-02-29 20:00:00.123456");
  ASSERT_TRUE(walrelay::mysql::timestamptz_to_utc("9999-12-31 23:59:59.999999+00", out));
  EXPECT_EQ(out, "9999-12-31 23:59:59.999999");
  ASSERT_TRUE(walrelay::mysql::timestamptz_to_utc("0001-01-01 00:00:00+00", out));
  EXPECT_EQ(out, "0001-01-01 00:00:00");
  ASSERT_TRUE(walrelay::mysql::timestamptz_to_utc("2000-01-01 00:00:00-01:02:03", out));
  EXPECT_EQ(out, "2000-01-01 01:02:03");
  EXPECT_FALSE(walrelay::mysql::timestamptz_to_utc("0001-01-01 00:00:00+01", out));  // year 0
  EXPECT_FALSE(walrelay::mysql::timestamptz_to_utc("2024-03-01 12:00:00", out));     // no zone
  EXPECT_FALSE(walrelay::mysql::timestamptz_to_utc("0044-03-15 12:00:00+00 BC", out));
  std::string scratch;
  std::string_view v;
  EXPECT_EQ(convert_value("infinity", ValueClass::TimestampTz, scratch, v), Conversion::OutOfRange);
  EXPECT_EQ(convert_value("-infinity", ValueClass::Timestamp, scratch, v), Conversion::OutOfRange);
  EXPECT_EQ(convert_value("0044-03-15 BC", ValueClass::Date, scratch, v), Conversion::OutOfRange);
  EXPECT_EQ(convert_value("2024-02-29", ValueClass::Date, scratch, v), Conversion::Ok);
  EXPECT_EQ(v, "2024-02-29");
}

}  // namespace
}  // namespace wrmysql
