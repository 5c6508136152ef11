// Kafka sink against the mock cluster: logical decoding messages (op "m") reach their topic.
#include <map>
#include <string>

#include "tests/plugins/kafka/common/composed_batch.h"
#include "tests/plugins/kafka/common/json_value.h"
#include "tests/plugins/kafka/common/mock_fixture.h"
#include "tests/plugins/sqlite/batch_builder.h"

namespace kafkatest {
namespace {

using namespace wrtest;

/// Non-UTF-8 bytes, a NUL and a quote; its base64.
const std::string kBinary("\xff\x00\xfe\x80 ok\n\"", 9);
constexpr const char kBinaryBase64[] = "/wD+gCBvawoi";

class kafka_mock_messages : public MockSinkTest {
 protected:
  Relation items{16500, 1, 'd', "public", "items", {{"id", kInt4, true}}};
};

TEST_F(kafka_mock_messages, TransactionalAndNonTransactionalMessagesGoToTheMessageTopic) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  BatchBuilder rows;
  rows.txn(0x3000).insert(items, {T("1")});
  ComposedBatch b;
  b.txn(0x3000, 700, 1700000000000000).rows(rows.build()).message(0x2100, "audit", kBinary, true);
  b.txn(0x3101, 0, 0).message(0x3100, "heartbeat", "beat", false);
  ASSERT_EQ(apply(b.build()), WR_OK) << g_last_error;

  const auto recs = read_topic(cluster_.bootstraps(), "pg.message");
  ASSERT_EQ(recs.size(), 2u);
  std::map<std::string, Json> by_prefix;
  for (const Record &r : recs) {
    ASSERT_TRUE(r.key && r.value);
    by_prefix[parse_json(*r.key)["prefix"].str()] = parse_json(*r.value);
  }
  ASSERT_EQ(by_prefix.count("audit"), 1u);
  ASSERT_EQ(by_prefix.count("heartbeat"), 1u);
  const Json &t = by_prefix["audit"];
  EXPECT_EQ(t.keys(), (std::vector<std::string>{"op", "ts_ms", "source", "message"}));
  EXPECT_EQ(t["op"].str(), "m");
  EXPECT_EQ(t["source"]["txId"].num(), "700");
  EXPECT_EQ(t["source"]["lsn"].num(), std::to_string(0x2100));
  EXPECT_EQ(t["source"]["ts_ms"].num(), "1700000000000");
  EXPECT_EQ(t["source"]["db"].str(), "shop");
  EXPECT_EQ(t["source"]["name"].str(), "pg");
  EXPECT_EQ(t["source"]["schema"].str(), "");
  EXPECT_EQ(t["source"]["table"].str(), "");
  EXPECT_EQ(t["message"]["prefix"].str(), "audit");
  EXPECT_EQ(t["message"]["content"].str(), kBinaryBase64);
  const Json &n = by_prefix["heartbeat"];
  EXPECT_TRUE(n["source"]["txId"].is_null());
  EXPECT_EQ(n["source"]["lsn"].num(), std::to_string(0x3100));
  EXPECT_EQ(n["message"]["content"].str(), "YmVhdA==");

  EXPECT_EQ(count_by_key("pg.public.items"), (std::map<std::string, int>{{R"({"id":1})", 1}}));
}

TEST_F(kafka_mock_messages, MessageTopicOptionAndExactlyOnce) {
  ASSERT_TRUE(cluster_.command("topic cpm 1"));
  ASSERT_EQ(open({{"message_topic", "app events"},  // sanitized like table topics
                  {"transactional_id", "walrelay-msg"},
                  {"checkpoint_topic", "cpm"}}),
            WR_OK)
      << g_last_error;
  ComposedBatch b;
  b.txn(0x4001, 0, 0).message(0x4000, "p", kBinary, false);
  const wr_batch &batch = b.build();
  ASSERT_EQ(apply(batch), WR_OK) << g_last_error;
  EXPECT_EQ(position(), 0x4001u);
  ASSERT_EQ(apply(batch), WR_OK) << "replay at or below the checkpoint is skipped";
  const auto recs = read_topic(cluster_.bootstraps(), "app_events");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(parse_json(*recs[0].value)["message"]["content"].str(), kBinaryBase64);
  EXPECT_TRUE(read_topic(cluster_.bootstraps(), "pg.message").empty());
}

}  // namespace
}  // namespace kafkatest
