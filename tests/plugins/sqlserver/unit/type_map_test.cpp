// The type map for the type zoo, and value literals.
#include <gtest/gtest.h>

#include "tests/plugins/common/batch_builder.h"
#include "type_map.h"

namespace {

using namespace walrelay::sqlserver;  // NOLINT(google-build-using-namespace)
using namespace wrtest_batch;         // NOLINT(google-build-using-namespace)

std::string decl(uint32_t oid, int32_t typmod = -1, bool key = false) {
  return map_type(oid, typmod, key, false).decl;
}

TEST(TypeMap, TypeZoo) {
  EXPECT_EQ(decl(kBool), "BIT");
  EXPECT_EQ(decl(kInt2), "SMALLINT");
  EXPECT_EQ(decl(kInt4), "INT");
  EXPECT_EQ(decl(kInt8), "BIGINT");
  EXPECT_EQ(decl(kFloat4), "REAL");
  EXPECT_EQ(decl(kFloat8), "FLOAT(53)");
  EXPECT_EQ(decl(kNumeric, numeric_typmod(38, 10)), "DECIMAL(38,10)");
  EXPECT_EQ(decl(kNumeric, numeric_typmod(39, 2)), "NVARCHAR(1000)");
  EXPECT_EQ(decl(kNumeric), "NVARCHAR(1000)");
  EXPECT_EQ(decl(kNumeric, -1, true), "NVARCHAR(450)");
  EXPECT_EQ(decl(kText), "NVARCHAR(MAX)");
  EXPECT_EQ(decl(kText, -1, true), "NVARCHAR(450)");
  EXPECT_EQ(decl(kVarchar, 44), "NVARCHAR(40)");
  EXPECT_EQ(decl(kVarchar, 5004), "NVARCHAR(MAX)");
  EXPECT_EQ(decl(kBpchar, 14), "NCHAR(10)");
  EXPECT_EQ(decl(kBytea), "VARBINARY(MAX)");
  EXPECT_EQ(decl(kBytea, -1, true), "VARBINARY(900)");
  EXPECT_EQ(decl(kUuid), "UNIQUEIDENTIFIER");
  EXPECT_EQ(decl(kJson), "NVARCHAR(MAX)");
  EXPECT_EQ(decl(kJsonb), "NVARCHAR(MAX)");
  EXPECT_EQ(decl(kDate), "DATE");
  EXPECT_EQ(decl(kTime), "TIME(6)");
  EXPECT_EQ(decl(kTimestamp), "DATETIME2(6)");
  EXPECT_EQ(decl(kTimestamptz), "DATETIMEOFFSET(6)");
  EXPECT_EQ(decl(kInterval), "NVARCHAR(255)");
  EXPECT_EQ(decl(kInt4Array), "NVARCHAR(MAX)");
  EXPECT_EQ(decl(kTextArray), "NVARCHAR(MAX)");
  EXPECT_EQ(map_type(kText, -1, false, true).decl, "NVARCHAR(MAX)");  // enum
}

std::string lit(uint32_t oid, const std::string &text, int32_t typmod = -1) {
  std::string out;
  const Conversion c = append_literal(out, text, map_type(oid, typmod, false, false).cls);
  return c == Conversion::Ok ? out : "<" + std::to_string(static_cast<int>(c)) + ">";
}

TEST(TypeMap, Literals) {
  EXPECT_EQ(lit(kBool, "t"), "1");
  EXPECT_EQ(lit(kBool, "f"), "0");
  EXPECT_EQ(lit(kInt8, "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(lit(kNumeric, "123.450", numeric_typmod(10, 3)), "123.450");
  EXPECT_EQ(lit(kNumeric, "NaN"), "N'NaN'");  // unconstrained numeric: exact text
  EXPECT_EQ(lit(kNumeric, "NaN", numeric_typmod(10, 3)), "<1>");
  EXPECT_EQ(lit(kFloat8, "1.5e+300"), "1.5e+300");
  EXPECT_EQ(lit(kFloat8, "-Infinity"), "<1>");
  EXPECT_EQ(lit(kUuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "N'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'");
  EXPECT_EQ(lit(kUuid, "x'"), "<2>");
  EXPECT_EQ(lit(kBytea, "\\x0a0B"), "0x0A0B");
  EXPECT_EQ(lit(kBytea, "a\\\\b\\001"), "0x615C6201");
  EXPECT_EQ(lit(kDate, "2024-02-29"), "N'2024-02-29'");
  EXPECT_EQ(lit(kDate, "infinity"), "<3>");
  EXPECT_EQ(lit(kTimestamp, "0044-03-15 00:00:00 BC"), "<3>");
  EXPECT_EQ(lit(kTimestamptz, "2024-03-01 02:00:00.5+05:30"), "N'2024-02-29 20:30:00.5+00:00'");
  EXPECT_EQ(lit(kTimestamptz, "2024-03-01 02:00:00-08"), "N'2024-03-01 10:00:00+00:00'");
  EXPECT_EQ(lit(kJsonb, "{\"a\": \"it's\"}"), "N'{\"a\": \"it''s\"}'");
  EXPECT_EQ(lit(kInt4Array, "{1,NULL,-3}"), "N'[1,null,-3]'");
  EXPECT_EQ(lit(kTextArray, "{\"a b\",\"c\\\"d\",it's}"), "N'[\"a b\",\"c\\\"d\",\"it''s\"]'");
  EXPECT_EQ(lit(1000, "{{t,f},{NULL,t}}"), "N'[[true,false],[null,true]]'");
  EXPECT_EQ(lit(kInt4Array, "[0:1]={1,2}"), "N'[1,2]'");
  EXPECT_EQ(lit(kInt4Array, "{1,2"), "<2>");
}

}  // namespace
