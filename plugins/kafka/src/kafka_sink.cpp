// KafkaSink: produces Debezium-style change events for each batch, optionally exactly once.
#include "kafka_sink.h"

#include <stdexcept>

#include "checkpoint.h"
#include "checkpoint_record.h"
#include "topic_naming.h"

namespace walrelay::kafka {
namespace {

sdk::SinkContext without_config(const sdk::SinkContext &ctx) {
  return sdk::SinkContext{ctx.host, ctx.handle, ctx.name, sdk::Config()};
}

EnvelopeOptions envelope_options(const SinkOptions &o) {
  return EnvelopeOptions{o.source_name,    o.database,       o.tombstones,
                         o.timestamp_mode, o.schemas_enable, o.topic_prefix};
}

}  // namespace

KafkaSink::KafkaSink(sdk::SinkContext &ctx)
    : ctx_(without_config(ctx)),
      options_(SinkOptions::parse(ctx.config, ctx.name)),
      formatter_(envelope_options(options_)),
      producer_(options_, ctx_) {
  ctx_.log(WR_LOG_INFO, std::string("kafka sink ready (") +
                            (options_.exactly_once() ? "exactly-once, transactional_id '" +
                                                           options_.transactional_id + "'"
                                                     : std::string("at-least-once")) +
                            ")");
}

void KafkaSink::discard_pieces() noexcept {
  if (!pieces_.open()) return;
  pieces_.reset();
  if (options_.exactly_once() && txn_open_) abort();
}

wr_lsn KafkaSink::load_position() {
  discard_pieces();
  if (!options_.exactly_once()) return WR_LSN_INVALID;
  // After the first read, this instance's own record of what it committed is exact: it is
  // the only producer with this transactional.id (a newer one fences it, which is fatal).
  // Only when a transaction's outcome is unknown (an abort still pending) is the topic
  // read again.
  if (position_loaded_ && !txn_open_) return position_;
  position_ = read_checkpoint(options_, ctx_);
  position_loaded_ = true;
  return position_;
}

const std::string &KafkaSink::topic(const wr_relation &rel) {
  TopicEntry &e = topics_[rel.relation_id];
  if (e.generation != rel.generation || e.topic.empty()) {
    e.generation = rel.generation;
    e.topic = options_.single_topic.empty()
                  ? topic_for(options_.topic_template, options_.topic_prefix, rel.schema, rel.name)
                  : options_.single_topic;
  }
  return e.topic;
}

void KafkaSink::on_event(const Event &e) {
  producer_.produce(e.relation ? topic(*e.relation) : options_.message_topic, RD_KAFKA_PARTITION_UA,
                    e.has_key ? e.key : std::string_view(),
                    e.has_value ? e.value : std::string_view());
}

int64_t KafkaSink::now_ms() const {
  if (ctx_.host && ctx_.host->now_us) return ctx_.host->now_us() / 1000;
  return 0;
}

void KafkaSink::produce_batch(const wr_batch &batch) {
  batch_now_ms_ = now_ms();
  for (uint32_t t = 0; t < batch.n_txns; ++t) {
    const wr_txn &txn = sdk::checked(batch.txns[t], "wr_txn");
    if (options_.exactly_once() && txn.end_lsn <= position_) {
      ctx_.log(WR_LOG_WARN, "skipping transaction ending at " + sdk::format_lsn(txn.end_lsn) +
                                ": already in Kafka (checkpoint " + sdk::format_lsn(position_) +
                                ")");
      continue;
    }
    for (uint32_t i = 0; i < txn.n_changes; ++i) {
      const wr_change &c = sdk::checked(txn.changes[i], "wr_change");
      try {
        formatter_.format(c, txn, batch_now_ms_, *this);
      } catch (const std::invalid_argument &e) {
        throw sdk::Error(WR_UNSUPPORTED,
                         std::string(e.what()) + " (change at LSN " + sdk::format_lsn(c.lsn) + ")");
      }
    }
  }
}

void KafkaSink::apply(const wr_batch &batch) {
  const Piece piece = piece_of(batch);
  if (options_.exactly_once() && batch.n_txns > 0 && batch.end_lsn <= position_) {
    return;  // already in Kafka, every piece of it (defence in depth)
  }
  if (const char *why = pieces_.check(batch, piece); *why != '\0') {
    discard_pieces();
    throw sdk::retry(why);
  }
  if (piece.first) discard_pieces();  // the host started over without load_position
  try {
    if (options_.exactly_once()) {
      apply_transactional(batch, piece);
    } else {
      producer_.begin_batch();
      produce_batch(batch);
      producer_.wait_delivered(options_.delivery_timeout_ms);
    }
  } catch (...) {
    pieces_.reset();  // the transaction is aborted (exactly-once) or given up
    throw;
  }
  if (batch.n_txns > 0) pieces_.applied(*batch.txns[batch.n_txns - 1], piece);
}

bool KafkaSink::abort() noexcept {
  txn_open_ = true;  // until abort_transaction succeeds
  if (rd_kafka_error_t *e =
          rd_kafka_abort_transaction(producer_.get(), options_.delivery_timeout_ms)) {
    ctx_.log(WR_LOG_WARN, std::string("abort_transaction failed (tried again before the next "
                                      "batch): ") +
                              rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return false;
  }
  txn_open_ = false;
  return true;
}

void KafkaSink::fail_txn(rd_kafka_error_t *e, const char *what) {
  const std::string msg =
      std::string(what) + " failed: " + rd_kafka_error_name(e) + ": " + rd_kafka_error_string(e);
  const bool fatal = rd_kafka_error_is_fatal(e);
  rd_kafka_error_destroy(e);
  if (fatal) throw sdk::fatal(msg);
  // Abortable or retriable: either way the batch is given up and retried whole, so the
  // transaction is aborted (and the abort retried before the next batch if it fails).
  if (txn_open_) abort();
  throw sdk::retry(msg);
}

void KafkaSink::apply_transactional(const wr_batch &batch, Piece piece) {
  if (batch.n_txns == 0 || batch.end_lsn <= position_) return;  // nothing new
  producer_.check_fatal();
  if (piece.first) {
    if (txn_open_ && !abort()) {
      throw sdk::retry("the previous Kafka transaction could not be aborted yet");
    }
    if (rd_kafka_error_t *e = rd_kafka_begin_transaction(producer_.get())) {
      fail_txn(e, "begin_transaction");
    }
    txn_open_ = true;
  }
  producer_.begin_batch();
  try {
    produce_batch(batch);
    // Every event is acknowledged before the checkpoint record is produced. With Kafka's
    // transactions the order inside a transaction does not matter for read_committed
    // consumers (all or nothing); it makes the checkpoint a safe bound even where aborted
    // records are visible (read_uncommitted readers, librdkafka's mock cluster, see the
    // README): a visible checkpoint implies every event up to it is visible. For a piece it
    // also keeps librdkafka's queue bounded and reports errors at the piece that caused them.
    producer_.wait_delivered(options_.delivery_timeout_ms);
    if (!piece.last) return;  // more follows: the transaction stays open, no checkpoint
    const wr_txn &last = sdk::checked(batch.txns[batch.n_txns - 1], "wr_txn");
    write_checkpoint_record(checkpoint_value_, ctx_.name, batch.end_lsn, last.commit_time_us);
    producer_.produce(options_.checkpoint_topic, 0, ctx_.name, checkpoint_value_);
  } catch (...) {
    abort();
    throw;
  }
  if (rd_kafka_error_t *e =
          rd_kafka_commit_transaction(producer_.get(), options_.delivery_timeout_ms)) {
    fail_txn(e, "commit_transaction");
  }
  txn_open_ = false;
  position_ = batch.end_lsn;
}

}  // namespace walrelay::kafka
