// Producer: a librdkafka producer (idempotent or transactional) that tracks delivery reports.
#include "producer.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace walrelay::kafka {
namespace {

void set(rd_kafka_conf_t *conf, const std::string &key, const std::string &value,
         const std::string &option, const std::string &where) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    throw sdk::invalid_config(where + ": option '" + option + "': " + err);
  }
}

/// librdkafka log lines -> the host's log (the callback may run on librdkafka threads; the
/// host's log is thread-safe).
void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  const auto *self = static_cast<const Producer *>(rd_kafka_opaque(rk));
  if (self == nullptr) return;
  const sdk::SinkContext *ctx = self->context();
  const wr_log_level l = level <= 3   ? WR_LOG_ERROR
                         : level == 4 ? WR_LOG_WARN
                         : level <= 6 ? WR_LOG_INFO
                                      : WR_LOG_DEBUG;
  ctx->log(l, std::string("librdkafka ") + fac + ": " + buf);
}

std::string error_text(rd_kafka_error_t *e) {
  std::string s = rd_kafka_error_name(e);
  s += ": ";
  s += rd_kafka_error_string(e);
  return s;
}

}  // namespace

void configure(rd_kafka_conf_t *conf, const SinkOptions &options, bool for_consumer) {
  if (!for_consumer) {
    set(conf, "enable.idempotence", "true", "enable.idempotence", "default");
    set(conf, "acks", "all", "acks", "default");
    set(conf, "partitioner", "murmur2_random", "partitioner", "default");
  }
  for (const RdkafkaSetting &s : options.rdkafka) {
    set(conf, s.key, s.value, kRdkafkaPrefix + s.key, s.where);
  }
  if (!for_consumer && options.exactly_once()) {
    set(conf, "transactional.id", options.transactional_id, "transactional_id", "option");
  }
}

bool retriable(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
      return false;
    default:
      return true;
  }
}

Producer::Producer(const SinkOptions &options, const sdk::SinkContext &ctx) : ctx_(&ctx) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  try {
    configure(conf, options, false);
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, &Producer::on_delivery);
  rd_kafka_conf_set_log_cb(conf, &on_log);
  rd_kafka_conf_set_opaque(conf, this);
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);  // owns conf on success
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw sdk::invalid_config(std::string("librdkafka refused the producer settings: ") + err);
  }
  if (options.exactly_once()) {
    if (rd_kafka_error_t *e = rd_kafka_init_transactions(rk_, options.delivery_timeout_ms)) {
      const bool fatal = rd_kafka_error_is_fatal(e) || !rd_kafka_error_is_retriable(e);
      const std::string msg = "init_transactions for transactional_id '" +
                              options.transactional_id + "' failed: " + error_text(e);
      rd_kafka_error_destroy(e);
      rd_kafka_destroy(rk_);
      rk_ = nullptr;
      throw fatal ? sdk::fatal(msg) : sdk::retry(msg);
    }
  }
}

Producer::~Producer() {
  if (rk_ != nullptr) {
    // Nothing unacknowledged matters (the host re-sends from the last confirmed position):
    // purge instead of flushing so that destroy never waits for unreachable brokers.
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 0);
    rd_kafka_destroy(rk_);
  }
}

void Producer::begin_batch() {
  const uint64_t next = tracker_.generation + 1;
  tracker_ = Tracker{};
  tracker_.generation = next;
}

void Producer::on_delivery(rd_kafka_t *, const rd_kafka_message_t *msg, void *opaque) {
  auto *self = static_cast<Producer *>(opaque);
  if (self == nullptr) return;
  Tracker &t = self->tracker_;
  if (reinterpret_cast<uintptr_t>(msg->_private) != t.generation) return;  // older batch
  --t.pending;
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++t.delivered;
  } else if (t.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
    t.error = msg->err;
    t.error_topic = msg->rkt ? rd_kafka_topic_name(msg->rkt) : "?";
    t.error_text = std::string(rd_kafka_err2name(msg->err)) + ": " + rd_kafka_err2str(msg->err);
  }
}

void Producer::produce(const std::string &topic, int32_t partition, std::string_view key,
                       std::string_view value) {
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(const_cast<char *>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char *>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void *>(static_cast<uintptr_t>(tracker_.generation))),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++tracker_.pending;
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_, 100);  // serve delivery reports, making room
      continue;
    }
    check_fatal();
    const std::string msg = "producing to topic '" + topic + "' failed: " + rd_kafka_err2str(err);
    throw retriable(err) ? sdk::retry(msg) : sdk::fatal(msg);
  }
}

void Producer::wait_delivered(int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (tracker_.pending > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      throw sdk::retry(std::to_string(tracker_.pending) +
                       " message(s) of the batch have no delivery report after " +
                       std::to_string(timeout_ms) + " ms (delivery_timeout_ms)");
    }
    rd_kafka_flush(rk_, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    rd_kafka_poll(rk_, 0);
  }
  if (tracker_.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    check_fatal();
    const std::string msg =
        "delivery to topic '" + tracker_.error_topic + "' failed: " + tracker_.error_text;
    throw retriable(tracker_.error) ? sdk::retry(msg) : sdk::fatal(msg);
  }
}

void Producer::check_fatal() {
  char err[512];
  const rd_kafka_resp_err_t code = rd_kafka_fatal_error(rk_, err, sizeof err);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw sdk::fatal(std::string("fatal Kafka producer error ") + rd_kafka_err2name(code) + ": " +
                     err);
  }
}

}  // namespace walrelay::kafka
