// Kafka sink: Debezium envelopes of inserts, updates, deletes and truncates, field by field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "envelope.h"
#include "tests/plugins/kafka/common/json_value.h"
#include "tests/plugins/sqlite/batch_builder.h"

namespace {

using kafkatest::Json;
using kafkatest::parse_json;
using walrelay::kafka::EnvelopeFormatter;
using walrelay::kafka::EnvelopeOptions;
using walrelay::kafka::Event;
using walrelay::kafka::TimestampMode;
using namespace wrtest;

/// One produced message, copied out of the formatter's buffers.
struct Msg {
  std::string table;
  char op;
  bool has_key;
  std::string key;
  bool has_value;
  std::string value;
  Json k() const { return parse_json(key); }
  Json v() const { return parse_json(value); }
};

class Collect : public walrelay::kafka::EventConsumer {
 public:
  void on_event(const Event &e) override {
    msgs.push_back(Msg{e.relation->name, e.op, e.has_key, std::string(e.key), e.has_value,
                       std::string(e.value)});
  }
  std::vector<Msg> msgs;
};

constexpr int64_t kNowMs = 1700000000123;
constexpr int64_t kCommitUs = 1690000000456789;

class kafka_envelope : public ::testing::Test {
 protected:
  std::vector<Msg> run(BatchBuilder &b, bool tombstones = true) {
    EnvelopeFormatter f(EnvelopeOptions{"pgserver1", "inventory", tombstones, TimestampMode::Iso});
    const wr_batch &batch = b.build();
    Collect out;
    for (uint32_t t = 0; t < batch.n_txns; ++t) {
      for (uint32_t i = 0; i < batch.txns[t]->n_changes; ++i) {
        f.format(*batch.txns[t]->changes[i], *batch.txns[t], kNowMs, out);
      }
    }
    return out.msgs;
  }
  /// The source block every event carries.
  void expect_source(const Json &v, const char *table, wr_lsn change_lsn) {
    const Json &s = v["source"];
    EXPECT_EQ(s.keys(),
              (std::vector<std::string>{"version", "connector", "name", "ts_ms", "snapshot", "db",
                                        "schema", "table", "txId", "lsn"}));
    EXPECT_EQ(s["version"].str(), "walrelay-0.1.0");
    EXPECT_EQ(s["connector"].str(), "postgresql");
    EXPECT_EQ(s["name"].str(), "pgserver1");
    EXPECT_EQ(s["ts_ms"].num(), std::to_string(kCommitUs / 1000));
    EXPECT_EQ(s["snapshot"].str(), "false");
    EXPECT_EQ(s["db"].str(), "inventory");
    EXPECT_EQ(s["schema"].str(), "public");
    EXPECT_EQ(s["table"].str(), table);
    EXPECT_EQ(s["txId"].num(), "1000");
    EXPECT_EQ(s["lsn"].num(), std::to_string(change_lsn));
    EXPECT_EQ(v["ts_ms"].num(), std::to_string(kNowMs));
  }

  Relation customers{
      16384,       1,
      'd',         "public",
      "customers", {{"id", kInt4, true}, {"name", kText}, {"vip", kBool}, {"score", kNumeric}}};
  Relation full{16390, 1, 'f', "public", "notes", {{"body", kText}, {"n", kInt8}}};
  Relation docs{16391, 1, 'd', "public", "docs", {{"id", kInt4, true}, {"doc", kJsonb}}};
};

TEST_F(kafka_envelope, InsertIsOpCWithKeyFromTheRelationsKeyColumns) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).insert(customers, {T("1"), T("Ann \"A\""), T("t"), T("10.50")});
  const wr_lsn lsn = b.last_change_lsn();
  auto m = run(b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].op, 'c');
  ASSERT_TRUE(m[0].has_key);
  EXPECT_EQ(m[0].key, R"({"id":1})");
  const Json v = m[0].v();
  EXPECT_EQ(v.keys(), (std::vector<std::string>{"before", "after", "source", "op", "ts_ms"}));
  EXPECT_TRUE(v["before"].is_null());
  EXPECT_EQ(v["after"].keys(), (std::vector<std::string>{"id", "name", "vip", "score"}));
  EXPECT_EQ(v["after"]["id"].num(), "1");
  EXPECT_EQ(v["after"]["name"].str(), "Ann \"A\"");
  EXPECT_TRUE(v["after"]["vip"].b);
  EXPECT_EQ(v["after"]["score"].str(), "10.50");
  EXPECT_EQ(v["op"].str(), "c");
  expect_source(v, "customers", lsn);
}

TEST_F(kafka_envelope, SnapshotRowIsOpRWithSnapshotTrueAndNoTxIdOrLsn) {
  BatchBuilder b;
  b.txn(7, kCommitUs).snapshot().insert(customers, {T("2"), T("Bo"), T("f"), T("1")});
  auto m = run(b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].op, 'r');
  EXPECT_EQ(m[0].key, R"({"id":2})");
  const Json v = m[0].v();
  EXPECT_EQ(v["op"].str(), "r");
  EXPECT_TRUE(v["before"].is_null());
  EXPECT_EQ(v["after"]["name"].str(), "Bo");
  EXPECT_EQ(v["source"]["snapshot"].str(), "true");
  EXPECT_TRUE(v["source"]["txId"].is_null());
  EXPECT_TRUE(v["source"]["lsn"].is_null());
  EXPECT_EQ(v["source"]["ts_ms"].num(), std::to_string(kCommitUs / 1000));
}

TEST_F(kafka_envelope, UpdateWithoutOldTupleHasNullBefore) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).update(customers, WR_OLD_NONE, {}, {T("1"), T("Bo"), N, T("1")});
  auto m = run(b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].op, 'u');
  EXPECT_EQ(m[0].key, R"({"id":1})");
  const Json v = m[0].v();
  EXPECT_EQ(v["op"].str(), "u");
  EXPECT_TRUE(v["before"].is_null());
  EXPECT_EQ(v["after"]["name"].str(), "Bo");
  EXPECT_TRUE(v["after"]["vip"].is_null());
  EXPECT_FALSE(v.has("unchanged_toast"));
}

TEST_F(kafka_envelope, UpdateOfReplicaIdentityFullTableCarriesTheWholeOldRow) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).update(full, WR_OLD_FULL, {T("old"), T("1")}, {T("new"), T("2")});
  auto m = run(b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].op, 'u');
  const Json v = m[0].v();
  EXPECT_EQ(v["before"]["body"].str(), "old");
  EXPECT_EQ(v["before"]["n"].num(), "1");
  EXPECT_EQ(v["after"]["body"].str(), "new");
  EXPECT_EQ(v["after"]["n"].num(), "2");
  EXPECT_EQ(m[0].key, R"({"body":"new","n":2})") << "FULL identity: the key is the whole row";
}

TEST_F(kafka_envelope, UpdateChangingThePrimaryKeyIsDeleteTombstoneCreate) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs)
      .update(customers, WR_OLD_KEY, {T("1"), N, N, N}, {T("2"), T("Ann"), T("f"), T("3")});
  auto m = run(b);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].op, 'd');
  EXPECT_EQ(m[0].key, R"({"id":1})");
  EXPECT_EQ(m[0].v()["before"]["id"].num(), "1");
  EXPECT_TRUE(m[0].v()["after"].is_null());
  EXPECT_EQ(m[1].op, 0);
  EXPECT_EQ(m[1].key, R"({"id":1})");
  EXPECT_FALSE(m[1].has_value) << "tombstone";
  EXPECT_EQ(m[2].op, 'c');
  EXPECT_EQ(m[2].key, R"({"id":2})");
  EXPECT_TRUE(m[2].v()["before"].is_null());
  EXPECT_EQ(m[2].v()["after"]["id"].num(), "2");
}

TEST_F(kafka_envelope, UpdateWithOldKeyEqualToNewKeyStaysOneUpdate) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).update(customers, WR_OLD_KEY, {T("1"), N, N, N}, {T("1"), T("x"), N, N});
  auto m = run(b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].op, 'u');
  EXPECT_EQ(m[0].v()["before"]["id"].num(), "1");
}

TEST_F(kafka_envelope, UnchangedToastColumnsAreLeftOutAndListed) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).update(docs, WR_OLD_NONE, {}, {T("7"), U});
  auto m = run(b);
  ASSERT_EQ(m.size(), 1u);
  const Json v = m[0].v();
  EXPECT_EQ(v["after"].keys(), (std::vector<std::string>{"id"}));
  ASSERT_EQ(v["unchanged_toast"].items.size(), 1u);
  EXPECT_EQ(v["unchanged_toast"].items[0].str(), "doc");
  EXPECT_EQ(m[0].value.find("__debezium_unavailable_value"), std::string::npos);
}

TEST_F(kafka_envelope, DeleteIsOpDFollowedByATombstone) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).del(customers, WR_OLD_KEY, {T("5"), N, N, N});
  auto m = run(b);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].op, 'd');
  EXPECT_EQ(m[0].key, R"({"id":5})");
  const Json v = m[0].v();
  EXPECT_EQ(v["op"].str(), "d");
  EXPECT_EQ(v["before"]["id"].num(), "5");
  EXPECT_TRUE(v["before"]["name"].is_null());
  EXPECT_TRUE(v["after"].is_null());
  EXPECT_TRUE(m[1].has_key);
  EXPECT_EQ(m[1].key, R"({"id":5})");
  EXPECT_FALSE(m[1].has_value);
}

TEST_F(kafka_envelope, DeleteWithoutTombstonesWhenDisabled) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).del(full, WR_OLD_FULL, {T("gone"), T("9")});
  auto m = run(b, /*tombstones=*/false);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].op, 'd');
  EXPECT_EQ(m[0].key, R"({"body":"gone","n":9})");
  EXPECT_EQ(m[0].v()["before"]["body"].str(), "gone");
}

TEST_F(kafka_envelope, TruncateIsOneOpTMessagePerRelationWithNullKey) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).truncate({&customers, &full});
  const wr_lsn lsn = b.last_change_lsn();
  auto m = run(b);
  ASSERT_EQ(m.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(m[i].op, 't');
    EXPECT_FALSE(m[i].has_key);
    const Json v = m[i].v();
    EXPECT_TRUE(v["before"].is_null());
    EXPECT_TRUE(v["after"].is_null());
    EXPECT_EQ(v["op"].str(), "t");
    expect_source(v, i == 0 ? "customers" : "notes", lsn);
  }
}

TEST_F(kafka_envelope, TableWithoutKeyHasNullKey) {
  Relation nokey{16400, 1, 'n', "public", "logs", {{"line", kText}}};
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).insert(nokey, {T("x")});
  auto m = run(b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_FALSE(m[0].has_key);
}

TEST_F(kafka_envelope, CompositeKeyKeepsColumnOrder) {
  Relation r{16401,   1,
             'i',     "sales",
             "lines", {{"order_id", kInt8, true}, {"qty", kInt4}, {"line_no", kInt2, true}}};
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).insert(r, {T("10"), T("3"), T("2")});
  auto m = run(b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].key, R"({"order_id":10,"line_no":2})");
  EXPECT_EQ(m[0].v()["source"]["schema"].str(), "sales");
}

TEST_F(kafka_envelope, ValueCountMismatchIsRejected) {
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).insert(customers, {T("1")});
  EXPECT_THROW(run(b), std::invalid_argument);
}

TEST_F(kafka_envelope, SpecialCharactersInColumnNamesAreEscaped) {
  Relation r{16402, 1, 'd', "public", "odd", {{"we\"ird\\col", kInt4, true}}};
  BatchBuilder b;
  b.txn(0x2000, kCommitUs).insert(r, {T("1")});
  auto m = run(b);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].k()["we\"ird\\col"].num(), "1");
  EXPECT_EQ(m[0].v()["after"]["we\"ird\\col"].num(), "1");
}

}  // namespace
