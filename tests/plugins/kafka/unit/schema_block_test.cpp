// Kafka sink: the optional schema block (schemas_enable), derived from the column types.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connect_schema.h"
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

constexpr int64_t kNowMs = 1700000000123;

struct Msg {
  bool has_key;
  std::string key;
  bool has_value;
  std::string value;
};

class Collect : public walrelay::kafka::EventConsumer {
 public:
  void on_event(const Event &e) override {
    msgs.push_back(Msg{e.has_key, std::string(e.key), e.has_value, std::string(e.value)});
  }
  std::vector<Msg> msgs;
};

std::vector<Msg> run(BatchBuilder &b, bool schemas, TimestampMode mode = TimestampMode::Iso) {
  EnvelopeFormatter f(EnvelopeOptions{"srv", "db", true, mode, schemas, "dbserver1"});
  const wr_batch &batch = b.build();
  Collect out;
  for (uint32_t t = 0; t < batch.n_txns; ++t) {
    for (uint32_t i = 0; i < batch.txns[t]->n_changes; ++i) {
      f.format(*batch.txns[t]->changes[i], *batch.txns[t], kNowMs, out);
    }
  }
  return out.msgs;
}

/// "field:type[/name]:optional" for every field of a struct schema.
std::vector<std::string> fields_of(const Json &st) {
  std::vector<std::string> out;
  for (const Json &f : st["fields"].items) {
    std::string s = f["field"].str() + ":" + f["type"].str();
    if (f.has("name")) s += "/" + f["name"].str();
    s += f["optional"].b ? ":opt" : ":req";
    out.push_back(s);
  }
  return out;
}

class kafka_schema_block : public ::testing::Test {
 protected:
  Relation zoo{16600,
               1,
               'd',
               "public",
               "zoo",
               {{"id", kInt4, true},
                {"small", kInt2},
                {"big", kInt8},
                {"f4", kFloat4},
                {"f8", kFloat8},
                {"flag", kBool},
                {"label", kText},
                {"raw", kBytea},
                {"amount", kNumeric},
                {"doc", kJsonb},
                {"day", kDate},
                {"at", kTimestamptz}}};
  std::vector<Val> row{T("1"),    T("2"),  T("3"),          T("1.5"),
                       T("2.5"),  T("t"),  T("x"),          T("\\x00ff"),
                       T("9.99"), T("{}"), T("2024-02-29"), T("2024-02-29 10:00:00+00")};
};

TEST_F(kafka_schema_block, OffByDefaultNoSchemaBlock) {
  BatchBuilder b;
  b.txn(0x2000).insert(zoo, row);
  auto m = run(b, false);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_FALSE(parse_json(m[0].value).has("schema"));
  EXPECT_EQ(m[0].key, R"({"id":1})");
}

TEST_F(kafka_schema_block, ValueSchemaDerivedFromColumnTypes) {
  BatchBuilder b;
  b.txn(0x2000).insert(zoo, row);
  auto with = run(b, true);
  auto without = run(b, false);
  ASSERT_EQ(with.size(), 1u);
  const Json v = parse_json(with[0].value);
  EXPECT_EQ(v.keys(), (std::vector<std::string>{"schema", "payload"}));
  const Json &s = v["schema"];
  EXPECT_EQ(s["type"].str(), "struct");
  EXPECT_EQ(s["name"].str(), "dbserver1.public.zoo.Envelope");
  EXPECT_FALSE(s["optional"].b);
  EXPECT_EQ(fields_of(s), (std::vector<std::string>{
                              "before:struct/dbserver1.public.zoo.Value:opt",
                              "after:struct/dbserver1.public.zoo.Value:opt",
                              "source:struct/io.debezium.connector.postgresql.Source:req",
                              "op:string:req", "ts_ms:int64:opt", "unchanged_toast:array:opt"}));
  const std::vector<std::string> cols{
      "id:int32:req",      "small:int16:opt",
      "big:int64:opt",     "f4:float:opt",
      "f8:double:opt",     "flag:boolean:opt",
      "label:string:opt",  "raw:bytes:opt",
      "amount:string:opt", "doc:string/io.debezium.data.Json:opt",
      "day:string:opt",    "at:string/io.debezium.time.ZonedTimestamp:opt"};
  EXPECT_EQ(fields_of(s["fields"].items[0]), cols);
  EXPECT_EQ(fields_of(s["fields"].items[1]), cols);
  EXPECT_EQ(fields_of(s["fields"].items[2]),
            (std::vector<std::string>{"version:string:req", "connector:string:req",
                                      "name:string:req", "ts_ms:int64:req", "snapshot:string:opt",
                                      "db:string:req", "schema:string:req", "table:string:req",
                                      "txId:int64:opt", "lsn:int64:opt"}));
  // The payload is exactly the event sent without schemas (ts_ms is the same stamp).
  const std::string &text = with[0].value;
  const size_t at = text.find(",\"payload\":");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(text.substr(at + 11, text.size() - at - 12), without[0].value);
}

TEST_F(kafka_schema_block, KeySchemaHasTheKeyColumnsRequired) {
  BatchBuilder b;
  b.txn(0x2000).insert(zoo, row);
  auto m = run(b, true);
  ASSERT_EQ(m.size(), 1u);
  const Json k = parse_json(m[0].key);
  EXPECT_EQ(k.keys(), (std::vector<std::string>{"schema", "payload"}));
  EXPECT_EQ(k["schema"]["name"].str(), "dbserver1.public.zoo.Key");
  EXPECT_FALSE(k["schema"]["optional"].b);
  EXPECT_EQ(fields_of(k["schema"]), (std::vector<std::string>{"id:int32:req"}));
  EXPECT_EQ(k["payload"]["id"].num(), "1");
}

TEST_F(kafka_schema_block, EpochMicrosUsesDebeziumTimeTypes) {
  Relation t{16601,   1,
             'd',     "public",
             "times", {{"id", kInt8, true}, {"d", kDate}, {"t", kTime}, {"ts", kTimestamp}}};
  BatchBuilder b;
  b.txn(0x2000).insert(t, {T("1"), T("1970-01-02"), T("00:00:01"), T("1970-01-01 00:00:01")});
  auto m = run(b, true, TimestampMode::EpochMicros);
  ASSERT_EQ(m.size(), 1u);
  const Json v = parse_json(m[0].value);
  EXPECT_EQ(fields_of(v["schema"]["fields"].items[1]),
            (std::vector<std::string>{"id:int64:req", "d:int32/io.debezium.time.Date:opt",
                                      "t:int64/io.debezium.time.MicroTime:opt",
                                      "ts:int64/io.debezium.time.MicroTimestamp:opt"}));
  EXPECT_EQ(v["payload"]["after"]["d"].num(), "1");
}

TEST_F(kafka_schema_block, TombstoneStaysNullAndDeleteKeyIsWrapped) {
  BatchBuilder b;
  std::vector<Val> old(row.size(), N);
  old[0] = T("7");
  b.txn(0x2000).del(zoo, WR_OLD_KEY, old);
  auto m = run(b, true);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(parse_json(m[0].value)["payload"]["op"].str(), "d");
  EXPECT_EQ(parse_json(m[1].key)["payload"]["id"].num(), "7");
  EXPECT_FALSE(m[1].has_value);
}

TEST_F(kafka_schema_block, NewRelationGenerationRebuildsTheSchema) {
  walrelay::kafka::SchemaCache cache("p", TimestampMode::Iso);
  Relation v1{16602, 1, 'd', "s", "t", {{"id", kInt4, true}}};
  Relation v2{16602, 2, 'd', "s", "t", {{"id", kInt4, true}, {"extra", kBool}}};
  const std::string first = cache.get(*v1.get()).value;
  EXPECT_EQ(first.find("extra"), std::string::npos);
  EXPECT_EQ(cache.get(*v1.get()).value, first) << "cached";
  EXPECT_NE(cache.get(*v2.get()).value.find(R"("type":"boolean","optional":true,"field":"extra")"),
            std::string::npos);
}

TEST(kafka_connect_type, DebeziumTypeNames) {
  using walrelay::kafka::connect_type;
  EXPECT_STREQ(connect_type(kInt2, TimestampMode::Iso).type, "int16");
  EXPECT_STREQ(connect_type(kInt4, TimestampMode::Iso).type, "int32");
  EXPECT_STREQ(connect_type(kInt8, TimestampMode::Iso).type, "int64");
  EXPECT_STREQ(connect_type(kOid, TimestampMode::Iso).type, "int64");
  EXPECT_STREQ(connect_type(kFloat4, TimestampMode::Iso).type, "float");
  EXPECT_STREQ(connect_type(kFloat8, TimestampMode::Iso).type, "double");
  EXPECT_STREQ(connect_type(kBool, TimestampMode::Iso).type, "boolean");
  EXPECT_STREQ(connect_type(kBytea, TimestampMode::Iso).type, "bytes");
  EXPECT_STREQ(connect_type(kText, TimestampMode::Iso).type, "string");
  EXPECT_STREQ(connect_type(kNumeric, TimestampMode::Iso).type, "string");
  EXPECT_STREQ(connect_type(kUuid, TimestampMode::Iso).type, "string");
  EXPECT_EQ(connect_type(kText, TimestampMode::Iso).name, nullptr);
}

}  // namespace
