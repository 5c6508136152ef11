// Producer: a librdkafka producer (idempotent or transactional) that tracks delivery reports.
#pragma once

#include <librdkafka/rdkafka.h>
#include <walrelay/sink.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "options.h"

namespace walrelay::kafka {

/// Fills `conf` with the sink's librdkafka settings: the defaults (enable.idempotence=true,
/// acks=all, partitioner=murmur2_random), then every `librdkafka.*` option, then
/// transactional.id in exactly-once mode. Throws sdk::invalid_config naming the option
/// key and its location when librdkafka refuses a key or value.
/// `for_consumer` leaves out the producer defaults.
void configure(rd_kafka_conf_t *conf, const SinkOptions &options, bool for_consumer);

/// True when a failed delivery / produce call with `err` can succeed on a later attempt.
bool retriable(rd_kafka_resp_err_t err);

/// Owns the rd_kafka_t. produce() queues copies; wait_delivered() polls until every message
/// queued since begin_batch() has a delivery report.
class Producer {
 public:
  /// Creates the producer (librdkafka logs go to the host's log through `ctx`); in
  /// exactly-once mode also runs init_transactions (fencing older instances).
  /// Throws sdk::invalid_config (settings), sdk::retry (init_transactions timed out) or
  /// sdk::fatal.
  Producer(const SinkOptions &options, const sdk::SinkContext &ctx);
  ~Producer();
  Producer(const Producer &) = delete;
  Producer &operator=(const Producer &) = delete;

  rd_kafka_t *get() { return rk_; }

  /// Starts counting delivery reports for a new batch.
  void begin_batch();

  /// Queues one message (copied). `key` / `value` null (data() == nullptr) for a null key
  /// / tombstone. Waits while librdkafka's local queue is full. Throws sdk::retry /
  /// sdk::fatal naming the topic.
  void produce(const std::string &topic, int32_t partition, std::string_view key,
               std::string_view value);

  /// Polls until every message of the batch has a report, for at most `timeout_ms`.
  /// Throws sdk::retry (retriable failure, timeout) or sdk::fatal naming topic and error.
  void wait_delivered(int timeout_ms);

  /// Number of messages of this batch delivered successfully so far.
  int64_t delivered() const { return tracker_.delivered; }

  /// The sink's context (for logging from librdkafka callbacks).
  const sdk::SinkContext *context() const { return ctx_; }

  /// Throws sdk::fatal when librdkafka has raised a fatal error (e.g. fenced producer).
  void check_fatal();

 private:
  /// Delivery state of the current batch; reports of older batches are ignored.
  struct Tracker {
    uint64_t generation = 0;
    int64_t pending = 0;
    int64_t delivered = 0;
    rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;  ///< first failure
    std::string error_topic;
    std::string error_text;
  };
  static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque);

  const sdk::SinkContext *ctx_;
  rd_kafka_t *rk_ = nullptr;
  Tracker tracker_;
};

}  // namespace walrelay::kafka
