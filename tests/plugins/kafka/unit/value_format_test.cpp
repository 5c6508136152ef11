// Kafka sink: conversion of each PostgreSQL type to its JSON value (README "Value conversion").
#include <gtest/gtest.h>

#include <string>

#include "value_format.h"

namespace walrelay::kafka {
namespace {

std::string conv(uint32_t type_oid, std::string_view text,
                 TimestampMode mode = TimestampMode::Iso) {
  std::string buf, scratch;
  JsonWriter w(buf);
  const wr_value v{WR_VALUE_TEXT, static_cast<uint32_t>(text.size()), text.data()};
  write_value(w, type_oid, v, mode, scratch);
  return buf;
}

constexpr uint32_t kText = 25, kVarchar = 1043, kJson = 114, kJsonb = 3802, kUuid = 2950,
                   kTimetz = 1266, kInterval = 1186, kInt4Array = 1007, kMoney = 790;

TEST(kafka_values, NullAndBinary) {
  std::string buf, scratch;
  JsonWriter w(buf);
  write_value(w, oid::kInt4, wr_value{WR_VALUE_NULL, 0, nullptr}, TimestampMode::Iso, scratch);
  EXPECT_EQ(buf, "null");
  w.clear();
  write_value(w, oid::kInt4, wr_value{WR_VALUE_BINARY, 4, "\x00\x00\x00\x07"}, TimestampMode::Iso,
              scratch);
  EXPECT_EQ(buf, "\"AAAABw==\"") << "binary values: base64 of the send format";
}

TEST(kafka_values, IntegersAreNumbers) {
  EXPECT_EQ(conv(oid::kInt2, "-32768"), "-32768");
  EXPECT_EQ(conv(oid::kInt4, "42"), "42");
  EXPECT_EQ(conv(oid::kInt8, "9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(conv(oid::kOid, "4294967295"), "4294967295");
  EXPECT_EQ(conv(oid::kInt4, "0"), "0");
  EXPECT_EQ(conv(oid::kInt4, "12x"), "\"12x\"") << "unparsable text stays a string";
}

TEST(kafka_values, BooleansAreBooleans) {
  EXPECT_EQ(conv(oid::kBool, "t"), "true");
  EXPECT_EQ(conv(oid::kBool, "f"), "false");
}

TEST(kafka_values, FloatsAreNumbersExceptNanAndInfinity) {
  EXPECT_EQ(conv(oid::kFloat8, "3.14"), "3.14");
  EXPECT_EQ(conv(oid::kFloat8, "-0"), "-0");
  EXPECT_EQ(conv(oid::kFloat8, "1e+300"), "1e+300");
  EXPECT_EQ(conv(oid::kFloat4, "1.5e-07"), "1.5e-07");
  EXPECT_EQ(conv(oid::kFloat8, "NaN"), "\"NaN\"");
  EXPECT_EQ(conv(oid::kFloat8, "Infinity"), "\"Infinity\"");
  EXPECT_EQ(conv(oid::kFloat4, "-Infinity"), "\"-Infinity\"");
}

TEST(kafka_values, NumericIsAStringKeepingEveryDigit) {
  EXPECT_EQ(conv(oid::kNumeric, "12345678901234567890.000000000001"),
            "\"12345678901234567890.000000000001\"");
  EXPECT_EQ(conv(oid::kNumeric, "NaN"), "\"NaN\"");
  EXPECT_EQ(conv(oid::kNumeric, "-0.5"), "\"-0.5\"");
}

TEST(kafka_values, TextTypesAreEscapedStrings) {
  EXPECT_EQ(conv(kText, "line1\nline2 \"q\""), R"("line1\nline2 \"q\"")");
  EXPECT_EQ(conv(kVarchar, "\xf0\x9f\x90\x98"), "\"\xf0\x9f\x90\x98\"");
  EXPECT_EQ(conv(kUuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
  EXPECT_EQ(conv(kMoney, "$1.00"), "\"$1.00\"");
  EXPECT_EQ(conv(kInterval, "1 day 02:00:00"), "\"1 day 02:00:00\"");
  EXPECT_EQ(conv(kInt4Array, "{1,2,NULL}"), "\"{1,2,NULL}\"");
  EXPECT_EQ(conv(kTimetz, "10:00:00+02"), "\"10:00:00+02\"");
}

TEST(kafka_values, JsonIsEmbeddedAsAString) {
  EXPECT_EQ(conv(kJson, R"({"a": [1, "x"]})"), R"("{\"a\": [1, \"x\"]}")");
  EXPECT_EQ(conv(kJsonb, R"({"a": [1, "x"]})"), R"("{\"a\": [1, \"x\"]}")");
}

TEST(kafka_values, ByteaIsBase64) {
  EXPECT_EQ(conv(oid::kBytea, "\\x"), "\"\"");
  EXPECT_EQ(conv(oid::kBytea, "\\x666f6f"), "\"Zm9v\"");
  EXPECT_EQ(conv(oid::kBytea, "\\x00FF"), "\"AP8=\"");
  EXPECT_EQ(conv(oid::kBytea, "a\\\\b\\001"), "\"YVxiAQ==\"") << "escape format";
  EXPECT_EQ(conv(oid::kBytea, "\\xzz"), "\"\\\\xzz\"") << "malformed stays text";
}

TEST(kafka_values, TimestamptzIsIsoUtcOrEpochMicros) {
  EXPECT_EQ(conv(oid::kTimestamptz, "2024-03-01 12:34:56.789+00"),
            "\"2024-03-01T12:34:56.789000Z\"");
  EXPECT_EQ(conv(oid::kTimestamptz, "2024-03-01 01:00:00+02"), "\"2024-02-29T23:00:00Z\"");
  EXPECT_EQ(conv(oid::kTimestamptz, "2024-03-01 12:00:00-05:30"), "\"2024-03-01T17:30:00Z\"");
  EXPECT_EQ(conv(oid::kTimestamptz, "1970-01-01 00:00:00+00", TimestampMode::EpochMicros), "0");
  EXPECT_EQ(conv(oid::kTimestamptz, "2024-03-01 12:34:56.000001+00", TimestampMode::EpochMicros),
            "1709296496000001");
  EXPECT_EQ(conv(oid::kTimestamptz, "1969-12-31 23:59:59.5+00", TimestampMode::EpochMicros),
            "-500000");
  EXPECT_EQ(conv(oid::kTimestamptz, "1969-12-31 23:59:59.5+00"), "\"1969-12-31T23:59:59.500000Z\"");
  EXPECT_EQ(conv(oid::kTimestamptz, "infinity"), "\"infinity\"");
  EXPECT_EQ(conv(oid::kTimestamptz, "0044-03-15 12:00:00+00 BC"), "\"0044-03-15 12:00:00+00 BC\"");
}

TEST(kafka_values, TimestampWithoutTimeZoneIsTakenAsUtc) {
  EXPECT_EQ(conv(oid::kTimestamp, "2000-01-01 00:00:00"), "\"2000-01-01T00:00:00Z\"");
  EXPECT_EQ(conv(oid::kTimestamp, "2000-01-01 00:00:00", TimestampMode::EpochMicros),
            "946684800000000");
  EXPECT_EQ(conv(oid::kTimestamp, "-infinity"), "\"-infinity\"");
}

TEST(kafka_values, DateAndTime) {
  EXPECT_EQ(conv(oid::kDate, "2024-02-29"), "\"2024-02-29\"");
  EXPECT_EQ(conv(oid::kDate, "2024-02-29", TimestampMode::EpochMicros), "19782");
  EXPECT_EQ(conv(oid::kDate, "1969-12-31", TimestampMode::EpochMicros), "-1");
  EXPECT_EQ(conv(oid::kTime, "13:45:00.25"), "\"13:45:00.25\"");
  EXPECT_EQ(conv(oid::kTime, "13:45:00.25", TimestampMode::EpochMicros), "49500250000");
}

TEST(kafka_values, IsoTimestampFormatting) {
  std::string s;
  append_iso_timestamp(s, 0);
  EXPECT_EQ(s, "1970-01-01T00:00:00Z");
  s.clear();
  append_iso_timestamp(s, 253402300799999999);
  EXPECT_EQ(s, "9999-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace walrelay::kafka
