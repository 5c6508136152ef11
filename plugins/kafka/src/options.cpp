// The sink's options: the wr_option table and parsing into SinkOptions.
#include "options.h"

#include <climits>
#include <string_view>

#include "topic_naming.h"

namespace walrelay::kafka {
namespace {

std::string where(const sdk::Config &config, const std::string &key) {
  auto it = config.entries().find(key);
  return it == config.entries().end() ? std::string("?") : it->second.where;
}

bool known_key(std::string_view key) {
  if (key.substr(0, sizeof kRdkafkaPrefix - 1) == kRdkafkaPrefix) return true;
  for (const wr_option &o : kOptions) {
    if (key == o.key && key != "librdkafka.*") return true;
  }
  return false;
}

}  // namespace

SinkOptions SinkOptions::parse(const sdk::Config &config, const std::string &sink_name) {
  SinkOptions o;
  for (const auto &[key, entry] : config.entries()) {
    if (!known_key(key)) throw sdk::invalid_config(entry.where + ": unknown option '" + key + "'");
    if (key.rfind(kRdkafkaPrefix, 0) == 0) {
      std::string k = key.substr(sizeof kRdkafkaPrefix - 1);
      if (k.empty()) {
        throw sdk::invalid_config(entry.where + ": option '" + key + "' names no librdkafka key");
      }
      if (k == "transactional.id") {
        throw sdk::invalid_config(entry.where + ": option '" + key +
                                  "': use the sink option 'transactional_id' instead");
      }
      o.rdkafka.push_back({std::move(k), entry.value, entry.where});
    }
  }
  o.topic_prefix = config.get_or("topic_prefix", sink_name);
  o.topic_template = config.get_or("topic_template", o.topic_template);
  if (std::string err = check_topic_template(o.topic_template); !err.empty()) {
    throw sdk::invalid_config(where(config, "topic_template") +
                              ": option 'topic_template': " + err);
  }
  o.single_topic = config.get_or("single_topic", "");
  if (config.get("single_topic") && o.single_topic.empty()) {
    throw sdk::invalid_config(where(config, "single_topic") +
                              ": option 'single_topic' must not be empty");
  }
  o.tombstones = config.get_bool("tombstones", true);
  if (auto m = config.get("timestamp_mode")) {
    if (*m == "iso") {
      o.timestamp_mode = TimestampMode::Iso;
    } else if (*m == "epoch_micros") {
      o.timestamp_mode = TimestampMode::EpochMicros;
    } else {
      throw sdk::invalid_config(where(config, "timestamp_mode") +
                                ": option 'timestamp_mode' must be iso or epoch_micros, got '" +
                                *m + "'");
    }
  }
  o.transactional_id = config.get_or("transactional_id", "");
  if (config.get("transactional_id") && o.transactional_id.empty()) {
    throw sdk::invalid_config(where(config, "transactional_id") +
                              ": option 'transactional_id' must not be empty");
  }
  o.checkpoint_topic = config.get_or("checkpoint_topic", o.checkpoint_topic);
  if (o.checkpoint_topic.empty()) {
    throw sdk::invalid_config(where(config, "checkpoint_topic") +
                              ": option 'checkpoint_topic' must not be empty");
  }
  o.source_name = config.get_or("name", o.topic_prefix);
  o.database = config.get_or("database", "");
  const long long timeout = config.get_int("delivery_timeout_ms", o.delivery_timeout_ms);
  if (timeout < 1 || timeout > INT_MAX) {
    throw sdk::invalid_config(where(config, "delivery_timeout_ms") +
                              ": option 'delivery_timeout_ms' must be between 1 and " +
                              std::to_string(INT_MAX) + ", got " + std::to_string(timeout));
  }
  o.delivery_timeout_ms = static_cast<int>(timeout);
  o.message_topic = config.get_or("message_topic", o.topic_prefix + ".message");
  if (o.message_topic.empty()) {
    throw sdk::invalid_config(where(config, "message_topic") +
                              ": option 'message_topic' must not be empty");
  }
  o.message_topic = legal_topic_name(o.message_topic);
  o.schemas_enable = config.get_bool("schemas_enable", false);
  return o;
}

}  // namespace walrelay::kafka
