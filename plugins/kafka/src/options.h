// The sink's options: the wr_option table and parsing into SinkOptions.
#pragma once

#include <walrelay/sink.hpp>

#include <string>
#include <vector>

#include "value_format.h"

namespace walrelay::kafka {

/// Prefix of the passthrough keys: `librdkafka.<key>` goes to rd_kafka_conf_set(<key>).
inline constexpr const char kRdkafkaPrefix[] = "librdkafka.";

/// Options the plugin accepts. "librdkafka.*" stands for every key under that prefix.
inline constexpr wr_option kOptions[] = {
    {"librdkafka.*", WR_OPT_STRING, 0, nullptr,
     "producer/consumer settings passed to librdkafka, e.g. librdkafka.bootstrap.servers"},
    {"topic_prefix", WR_OPT_STRING, 0, nullptr,
     "the ${prefix} of topic names (default: the sink's name)"},
    {"topic_template", WR_OPT_STRING, 0, "${prefix}.${schema}.${table}",
     "topic name per table; placeholders ${prefix}, ${schema}, ${table}"},
    {"single_topic", WR_OPT_STRING, 0, nullptr,
     "when set, every change goes to this one topic (overrides topic_template)"},
    {"tombstones", WR_OPT_BOOL, 0, "true", "send a tombstone (null value) after each delete"},
    {"timestamp_mode", WR_OPT_STRING, 0, "iso",
     "date/time values: iso (ISO-8601 strings, UTC) or epoch_micros (numbers)"},
    {"transactional_id", WR_OPT_STRING, 0, nullptr,
     "enables exactly-once mode: one Kafka transaction per batch plus a checkpoint record"},
    {"checkpoint_topic", WR_OPT_STRING, 0, "walrelay_checkpoints",
     "compacted topic holding the applied LSN per sink (exactly-once mode)"},
    {"name", WR_OPT_STRING, 0, nullptr, "source.name in events (default: topic_prefix)"},
    {"database", WR_OPT_STRING, 0, "", "source.db in events (the source database name)"},
    {"delivery_timeout_ms", WR_OPT_INT, 0, "300000",
     "how long apply waits for delivery reports before failing the batch with WR_RETRY"},
    {"message_topic", WR_OPT_STRING, 0, nullptr,
     "topic of logical decoding messages (op m; default: <topic_prefix>.message, as Debezium)"},
    {"schemas_enable", WR_OPT_BOOL, 0, "false",
     "wrap keys and values in {\"schema\":...,\"payload\":...} (Debezium's schemas.enable)"},
};

/// One `librdkafka.<key>` option.
struct RdkafkaSetting {
  std::string key;  ///< without the "librdkafka." prefix
  std::string value;
  std::string where;  ///< file:line:column, for error messages
};

/// Parsed options.
struct SinkOptions {
  std::vector<RdkafkaSetting> rdkafka;
  std::string topic_prefix;
  std::string topic_template = "${prefix}.${schema}.${table}";
  std::string single_topic;  ///< empty: one topic per table
  bool tombstones = true;
  TimestampMode timestamp_mode = TimestampMode::Iso;
  std::string transactional_id;  ///< empty: at-least-once mode
  std::string checkpoint_topic = "walrelay_checkpoints";
  std::string source_name;
  std::string database;
  int delivery_timeout_ms = 300000;
  std::string message_topic;  ///< topic of op "m" events (default <topic_prefix>.message)
  bool schemas_enable = false;

  bool exactly_once() const { return !transactional_id.empty(); }

  /// Parses and validates `config` for the sink called `sink_name`; throws
  /// sdk::invalid_config naming the key (and its location) on any error, including keys
  /// that are neither listed in kOptions nor under "librdkafka.".
  static SinkOptions parse(const sdk::Config &config, const std::string &sink_name);
};

}  // namespace walrelay::kafka
