// Kafka sink: plugin description and option validation through the C ABI (no broker needed).
#include <set>

#include "tests/plugins/kafka/common/sink_harness.h"

namespace kafkatest {
namespace {

// Nothing listens here: create() must not need a broker in at-least-once mode.
const char kNowhere[] = "127.0.0.1:1";

TEST(kafka_plugin, DescribesItselfAndItsOptions) {
  const wr_plugin *p = plugin();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->struct_size, sizeof(wr_plugin));
  EXPECT_EQ(p->abi_version, WR_SINK_ABI_VERSION);
  EXPECT_STREQ(p->name, "kafka");
  EXPECT_EQ(p->capabilities,
            WR_CAP_TRUNCATE | WR_CAP_SCHEMA_CHANGE | WR_CAP_MESSAGES | WR_CAP_PARTIAL_TXN);
  std::set<std::string> keys;
  for (uint32_t i = 0; i < p->n_options; ++i) keys.insert(p->options[i].key);
  EXPECT_EQ(keys,
            (std::set<std::string>{"librdkafka.*", "topic_prefix", "topic_template", "single_topic",
                                   "tombstones", "timestamp_mode", "transactional_id",
                                   "checkpoint_topic", "name", "database", "delivery_timeout_ms",
                                   "message_topic", "schemas_enable"}));
  ASSERT_NE(p->vtable, nullptr);
  EXPECT_NE(p->vtable->create, nullptr);
  EXPECT_NE(p->vtable->apply, nullptr);
}

TEST(kafka_plugin, RefusesAHostWithoutAbiOne) {
  ASSERT_NE(plugin(), nullptr);
  void *h = dlopen(plugin_path().c_str(), RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(h, nullptr);
  auto entry = reinterpret_cast<wr_sink_entry_fn>(dlsym(h, WR_SINK_ENTRY_SYMBOL));
  wr_host_api future = *host_api();
  future.abi_min = 2;
  future.abi_max = 3;
  g_last_error.clear();
  EXPECT_EQ(entry(&future), nullptr);
  EXPECT_NE(g_last_error.find("ABI"), std::string::npos) << g_last_error;
  dlclose(h);
}

/// create() must fail with `status` and an error mentioning every string in `needles`.
void expect_refused(const Options &opts, wr_status status, std::vector<std::string> needles) {
  wr_sink *s = nullptr;
  EXPECT_EQ(create_sink(opts, &s), status);
  EXPECT_EQ(s, nullptr);
  destroy_sink(s);
  for (const auto &n : needles) EXPECT_NE(g_last_error.find(n), std::string::npos) << g_last_error;
}

TEST(kafka_options, UnknownOptionIsInvalidConfigNamingKeyAndLocation) {
  expect_refused({{"topic_prefx", "x"}}, WR_INVALID_CONFIG, {"topic_prefx", "test.yaml:7:3"});
  expect_refused({{"librdkafka", "x"}}, WR_INVALID_CONFIG, {"librdkafka"});
  expect_refused({{"librdkafka.", "x"}}, WR_INVALID_CONFIG, {"librdkafka."});
}

TEST(kafka_options, LibrdkafkaRefusalsNameTheKey) {
  expect_refused({{"librdkafka.bootstrap.servers", kNowhere}, {"librdkafka.no.such.setting", "1"}},
                 WR_INVALID_CONFIG, {"librdkafka.no.such.setting", "test.yaml:7:3"});
  expect_refused({{"librdkafka.bootstrap.servers", kNowhere}, {"librdkafka.acks", "most"}},
                 WR_INVALID_CONFIG, {"librdkafka.acks"});
  expect_refused({{"librdkafka.bootstrap.servers", kNowhere}, {"librdkafka.linger.ms", "-5"}},
                 WR_INVALID_CONFIG, {"librdkafka.linger.ms"});
  expect_refused({{"librdkafka.transactional.id", "t"}}, WR_INVALID_CONFIG,
                 {"librdkafka.transactional.id", "transactional_id"});
}

TEST(kafka_options, BadValuesNameTheKey) {
  expect_refused({{"timestamp_mode", "unix"}}, WR_INVALID_CONFIG, {"timestamp_mode", "unix"});
  expect_refused({{"tombstones", "maybe"}}, WR_INVALID_CONFIG, {"tombstones"});
  expect_refused({{"topic_template", "${db}.${table}"}}, WR_INVALID_CONFIG,
                 {"topic_template", "${db}"});
  expect_refused({{"topic_template", ""}}, WR_INVALID_CONFIG, {"topic_template"});
  expect_refused({{"single_topic", ""}}, WR_INVALID_CONFIG, {"single_topic"});
  expect_refused({{"transactional_id", ""}}, WR_INVALID_CONFIG, {"transactional_id"});
  expect_refused({{"checkpoint_topic", ""}}, WR_INVALID_CONFIG, {"checkpoint_topic"});
  expect_refused({{"delivery_timeout_ms", "0"}}, WR_INVALID_CONFIG, {"delivery_timeout_ms"});
  expect_refused({{"delivery_timeout_ms", "soon"}}, WR_INVALID_CONFIG, {"delivery_timeout_ms"});
  expect_refused({{"message_topic", ""}}, WR_INVALID_CONFIG, {"message_topic"});
  expect_refused({{"schemas_enable", "sometimes"}}, WR_INVALID_CONFIG, {"schemas_enable"});
}

TEST(kafka_options, AcceptsEveryDocumentedOptionWithoutABroker) {
  wr_sink *s = nullptr;
  ASSERT_EQ(create_sink({{"librdkafka.bootstrap.servers", kNowhere},
                         {"librdkafka.linger.ms", "5"},
                         {"librdkafka.compression.type", "lz4"},
                         {"librdkafka.client.id", "walrelay-test"},
                         {"topic_prefix", "pg"},
                         {"topic_template", "${prefix}-${table}"},
                         {"single_topic", "all"},
                         {"tombstones", "false"},
                         {"timestamp_mode", "epoch_micros"},
                         {"checkpoint_topic", "cp"},
                         {"name", "server1"},
                         {"database", "shop"},
                         {"delivery_timeout_ms", "1000"},
                         {"message_topic", "pg.messages"},
                         {"schemas_enable", "true"}},
                        &s),
            WR_OK)
      << g_last_error;
  wr_lsn lsn = 99;
  EXPECT_EQ(plugin()->vtable->load_position(s, &lsn), WR_OK);
  EXPECT_EQ(lsn, WR_LSN_INVALID) << "at-least-once mode stores no position";
  destroy_sink(s);
}

}  // namespace
}  // namespace kafkatest
