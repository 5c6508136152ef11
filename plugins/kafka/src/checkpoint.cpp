// Reading a sink's checkpoint back from the checkpoint topic (exactly-once mode).
#include "checkpoint.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string_view>

#include "checkpoint_record.h"
#include "producer.h"

namespace walrelay::kafka {
namespace {

struct KafkaDeleter {
  void operator()(rd_kafka_t *rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t *m) const { rd_kafka_message_destroy(m); }
};
struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t *l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};

/// Log lines of the checkpoint consumer -> the host's log. Warnings about producer-only
/// settings shared through `librdkafka.*` are expected here and logged at debug level.
void on_consumer_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  const auto *ctx = static_cast<const sdk::SinkContext *>(rd_kafka_opaque(rk));
  if (ctx == nullptr) return;
  const bool conf_warning = std::string_view(fac) == "CONFWARN";
  const wr_log_level l = conf_warning ? WR_LOG_DEBUG
                         : level <= 3 ? WR_LOG_ERROR
                         : level == 4 ? WR_LOG_WARN
                                      : WR_LOG_DEBUG;
  ctx->log(l, std::string("librdkafka checkpoint consumer ") + fac + ": " + buf);
}

}  // namespace

wr_lsn read_checkpoint(const SinkOptions &options, const sdk::SinkContext &ctx) {
  const std::string &sink_name = ctx.name;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &on_consumer_log);
  rd_kafka_conf_set_opaque(conf, const_cast<sdk::SinkContext *>(&ctx));
  char err[512];
  try {
    configure(conf, options, true);
    for (const auto &[k, v] :
         {std::pair<const char *, std::string>{"isolation.level", "read_committed"},
          {"enable.partition.eof", "true"},
          {"enable.auto.commit", "false"},
          {"group.id", "walrelay-checkpoint-" + sink_name}}) {
      if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        throw sdk::fatal(std::string("checkpoint consumer setting ") + k + ": " + err);
      }
    }
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  std::unique_ptr<rd_kafka_t, KafkaDeleter> rk(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw sdk::fatal(std::string("cannot create the checkpoint consumer: ") + err);
  }
  const std::string &topic = options.checkpoint_topic;
  int64_t low = 0, high = 0;
  const rd_kafka_resp_err_t werr = rd_kafka_query_watermark_offsets(
      rk.get(), topic.c_str(), 0, &low, &high, options.delivery_timeout_ms);
  if (werr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || werr == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
      werr == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
    return WR_LSN_INVALID;  // no checkpoint written yet
  }
  if (werr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw sdk::retry("reading the end offset of checkpoint topic '" + topic +
                     "' failed: " + rd_kafka_err2str(werr));
  }
  if (high <= low) return WR_LSN_INVALID;

  std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter> parts(
      rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(parts.get(), topic.c_str(), 0)->offset = low;
  if (rd_kafka_resp_err_t e = rd_kafka_assign(rk.get(), parts.get())) {
    throw sdk::retry("assigning checkpoint topic '" + topic + "' failed: " + rd_kafka_err2str(e));
  }
  wr_lsn result = WR_LSN_INVALID;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.delivery_timeout_ms);
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw sdk::retry("reading checkpoint topic '" + topic + "' did not reach its end within " +
                       std::to_string(options.delivery_timeout_ms) + " ms");
    }
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> m(rd_kafka_consumer_poll(rk.get(), 200));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw sdk::retry("reading checkpoint topic '" + topic +
                       "' failed: " + rd_kafka_message_errstr(m.get()));
    }
    const std::string_view key(static_cast<const char *>(m->key), m->key ? m->key_len : 0);
    if (key != sink_name || m->payload == nullptr) continue;
    const std::string_view value(static_cast<const char *>(m->payload), m->len);
    if (auto lsn = parse_checkpoint_record(value)) result = *lsn;
    if (m->offset + 1 >= high) break;
  }
  return result;
}

}  // namespace walrelay::kafka
