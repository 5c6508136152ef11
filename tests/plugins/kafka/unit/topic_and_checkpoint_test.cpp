// Kafka sink: topic naming from the template, and the checkpoint record format.
#include <gtest/gtest.h>

#include "checkpoint_record.h"
#include "tests/plugins/kafka/common/json_value.h"
#include "topic_naming.h"

namespace walrelay::kafka {
namespace {

TEST(kafka_topics, DefaultTemplateIsPrefixSchemaTable) {
  EXPECT_EQ(topic_for("${prefix}.${schema}.${table}", "pg", "public", "orders"),
            "pg.public.orders");
}

TEST(kafka_topics, CustomTemplates) {
  EXPECT_EQ(topic_for("cdc-${table}", "pg", "public", "orders"), "cdc-orders");
  EXPECT_EQ(topic_for("${schema}_${table}_${schema}", "pg", "s", "t"), "s_t_s");
  EXPECT_EQ(topic_for("fixed", "pg", "s", "t"), "fixed");
}

TEST(kafka_topics, IllegalCharactersBecomeUnderscores) {
  EXPECT_EQ(topic_for("${prefix}.${schema}.${table}", "pg", "My Schema",
                      "t\xc3\xa4"
                      "ble$1"),
            "pg.My_Schema.t__ble_1");
  EXPECT_EQ(topic_for("${table}", "p", "s", std::string(300, 'x')).size(), 249u);
}

TEST(kafka_topics, TemplateCheckNamesTheBadPlaceholder) {
  EXPECT_EQ(check_topic_template("${prefix}.${schema}.${table}"), "");
  EXPECT_NE(check_topic_template("${db}.${table}").find("${db}"), std::string::npos);
  EXPECT_NE(check_topic_template("${table").find("unterminated"), std::string::npos);
  EXPECT_NE(check_topic_template(""), "");
}

TEST(kafka_checkpoint, RecordRoundTrips) {
  std::string buf;
  write_checkpoint_record(buf, "sink \"1\"", 0x16B3748ull | (0x16ull << 32), 1700000000000001);
  const kafkatest::Json j = kafkatest::parse_json(buf);
  EXPECT_EQ(j["sink"].str(), "sink \"1\"");
  EXPECT_EQ(j["end_lsn"].num(), std::to_string(0x16B3748ull | (0x16ull << 32)));
  EXPECT_EQ(j["end_lsn_text"].str(), "16/16B3748");
  EXPECT_EQ(j["commit_time_us"].num(), "1700000000000001");
  EXPECT_EQ(parse_checkpoint_record(buf), 0x16B3748ull | (0x16ull << 32));
  EXPECT_EQ(parse_checkpoint_record("{}"), std::nullopt);
  EXPECT_EQ(parse_checkpoint_record(R"({"end_lsn":"x"})"), std::nullopt);
}

}  // namespace
}  // namespace walrelay::kafka
