// Kafka sink: logical decoding messages as Debezium op "m" events, field by field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "envelope.h"
#include "tests/plugins/kafka/common/composed_batch.h"
#include "tests/plugins/kafka/common/json_value.h"
#include "tests/plugins/sqlite/batch_builder.h"

namespace {

using kafkatest::ComposedBatch;
using kafkatest::Json;
using kafkatest::parse_json;
using walrelay::kafka::EnvelopeFormatter;
using walrelay::kafka::EnvelopeOptions;
using walrelay::kafka::Event;
using walrelay::kafka::TimestampMode;
using namespace wrtest;

constexpr int64_t kNowMs = 1700000000123;
constexpr int64_t kCommitUs = 1690000000456789;
/// Content with bytes that are not UTF-8, a NUL, a newline and a quote.
const std::string kBinary("\xff\x00\xfe\x80 ok\n\"", 9);
constexpr const char kBinaryBase64[] = "/wD+gCBvawoi";

struct Msg {
  const wr_relation *relation;
  char op;
  bool has_key;
  std::string key;
  bool has_value;
  std::string value;
};

class Collect : public walrelay::kafka::EventConsumer {
 public:
  void on_event(const Event &e) override {
    msgs.push_back(
        Msg{e.relation, e.op, e.has_key, std::string(e.key), e.has_value, std::string(e.value)});
  }
  std::vector<Msg> msgs;
};

std::vector<Msg> run(const wr_batch &batch, bool schemas = false) {
  EnvelopeFormatter f(
      EnvelopeOptions{"pgserver1", "inventory", true, TimestampMode::Iso, schemas, "pgserver1"});
  Collect out;
  for (uint32_t t = 0; t < batch.n_txns; ++t) {
    for (uint32_t i = 0; i < batch.txns[t]->n_changes; ++i) {
      f.format(*batch.txns[t]->changes[i], *batch.txns[t], kNowMs, out);
    }
  }
  return out.msgs;
}

/// Checks every field of a message event's value.
void expect_message(const Json &v, const std::string &prefix, const char *content_b64,
                    const std::string &txid, int64_t source_ts_ms, wr_lsn lsn) {
  EXPECT_EQ(v.keys(), (std::vector<std::string>{"op", "ts_ms", "source", "message"}));
  EXPECT_EQ(v["op"].str(), "m");
  EXPECT_EQ(v["ts_ms"].num(), std::to_string(kNowMs));
  const Json &s = v["source"];
  EXPECT_EQ(s.keys(), (std::vector<std::string>{"version", "connector", "name", "ts_ms", "snapshot",
                                                "db", "schema", "table", "txId", "lsn"}));
  EXPECT_EQ(s["version"].str(), "walrelay-0.1.0");
  EXPECT_EQ(s["connector"].str(), "postgresql");
  EXPECT_EQ(s["name"].str(), "pgserver1");
  EXPECT_EQ(s["ts_ms"].num(), std::to_string(source_ts_ms));
  EXPECT_EQ(s["snapshot"].str(), "false");
  EXPECT_EQ(s["db"].str(), "inventory");
  EXPECT_EQ(s["schema"].str(), "");
  EXPECT_EQ(s["table"].str(), "");
  if (txid.empty()) {
    EXPECT_TRUE(s["txId"].is_null());
  } else {
    EXPECT_EQ(s["txId"].num(), txid);
  }
  EXPECT_EQ(s["lsn"].num(), std::to_string(lsn));
  EXPECT_EQ(v["message"].keys(), (std::vector<std::string>{"prefix", "content"}));
  EXPECT_EQ(v["message"]["prefix"].str(), prefix);
  EXPECT_EQ(v["message"]["content"].str(), content_b64);
}

TEST(kafka_message_envelope, TransactionalMessageKeepsItsPlaceAmongTheRows) {
  Relation items{16500, 1, 'd', "public", "items", {{"id", kInt4, true}}};
  BatchBuilder before, after;
  before.txn(0x5000).insert(items, {T("1")});
  after.txn(0x5000).insert(items, {T("2")});
  ComposedBatch b;
  b.txn(0x5000, 777, kCommitUs)
      .rows(before.build())
      .message(0x4100, "audit", kBinary, true)
      .rows(after.build());
  auto m = run(b.build());
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].op, 'c');
  EXPECT_EQ(m[2].op, 'c');
  EXPECT_EQ(m[1].op, 'm');
  EXPECT_EQ(m[1].relation, nullptr);
  ASSERT_TRUE(m[1].has_key);
  EXPECT_EQ(m[1].key, R"({"prefix":"audit"})");
  ASSERT_TRUE(m[1].has_value);
  expect_message(parse_json(m[1].value), "audit", kBinaryBase64, "777", kCommitUs / 1000, 0x4100);
}

TEST(kafka_message_envelope, NonTransactionalMessageHasNullTxIdAndItsOwnTime) {
  // As the host passes it: alone in a transaction at its LSN, no commit time.
  ComposedBatch b;
  b.txn(0x6001, 0, 0).message(0x6000, "heartbeat", "", false);
  auto m = run(b.build());
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].key, R"({"prefix":"heartbeat"})");
  expect_message(parse_json(m[0].value), "heartbeat", "", "", kNowMs, 0x6000);
}

TEST(kafka_message_envelope, PrefixIsEscaped) {
  ComposedBatch b;
  b.txn(0x6001, 5, kCommitUs).message(0x6000, "a\"b\\c\n", "x", true);
  auto m = run(b.build());
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(parse_json(m[0].key)["prefix"].str(), "a\"b\\c\n");
  EXPECT_EQ(parse_json(m[0].value)["message"]["prefix"].str(), "a\"b\\c\n");
  EXPECT_EQ(parse_json(m[0].value)["message"]["content"].str(), "eA==");
}

TEST(kafka_message_envelope, MessageFromAnOldHostStructIsRejected) {
  ComposedBatch b;
  b.txn(0x6001, 5, kCommitUs).message(0x6000, "p", "x", true);
  const wr_batch &batch = b.build();
  wr_change old = *batch.txns[0]->changes[0];
  old.struct_size = offsetof(wr_change, message_prefix);  // an ABI 1.0 wr_change
  EnvelopeFormatter f(EnvelopeOptions{"s", "d", true, TimestampMode::Iso});
  Collect out;
  EXPECT_THROW(f.format(old, *batch.txns[0], kNowMs, out), std::invalid_argument);
  EXPECT_TRUE(out.msgs.empty());
}

TEST(kafka_message_envelope, WithSchemasTheMessageIsWrapped) {
  ComposedBatch b;
  b.txn(0x6001, 9, kCommitUs).message(0x6000, "audit", kBinary, true);
  auto m = run(b.build(), /*schemas=*/true);
  ASSERT_EQ(m.size(), 1u);
  const Json k = parse_json(m[0].key);
  EXPECT_EQ(k.keys(), (std::vector<std::string>{"schema", "payload"}));
  EXPECT_EQ(k["schema"]["name"].str(), "io.debezium.connector.postgresql.MessageKey");
  EXPECT_EQ(k["payload"]["prefix"].str(), "audit");
  const Json v = parse_json(m[0].value);
  EXPECT_EQ(v.keys(), (std::vector<std::string>{"schema", "payload"}));
  EXPECT_EQ(v["schema"]["name"].str(), "io.debezium.connector.postgresql.MessageValue");
  const Json &fields = v["schema"]["fields"];
  ASSERT_EQ(fields.items.size(), 4u);
  EXPECT_EQ(fields.items[3]["field"].str(), "message");
  EXPECT_EQ(fields.items[3]["fields"].items[1]["type"].str(), "bytes");
  expect_message(v["payload"], "audit", kBinaryBase64, "9", kCommitUs / 1000, 0x6000);
}

}  // namespace
