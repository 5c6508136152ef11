// KafkaSink: produces Debezium-style change events for each batch, optionally exactly once.
#pragma once

#include <walrelay/sink.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "envelope.h"
#include "options.h"
#include "producer.h"
#include "txn_pieces.h"

namespace walrelay::kafka {

/// The sink class behind the plugin (wrapped into the C ABI in plugin.cpp).
class KafkaSink : private EventConsumer {
 public:
  /// Parses options and creates the producer; in exactly-once mode runs
  /// init_transactions. Throws sdk::Error.
  explicit KafkaSink(sdk::SinkContext &ctx);

  /// Exactly-once mode: the end LSN stored in the checkpoint topic for this sink (read
  /// back with a read_committed consumer on the first call, and whenever a transaction's
  /// outcome is unknown; else the position this instance committed last). Otherwise
  /// WR_LSN_INVALID: the host starts from the slot's confirmed position (at-least-once).
  /// A transaction left open by a piece (WR_BATCH_TXN_CONTINUES) is discarded first (the
  /// host starts it over from its first piece).
  wr_lsn load_position();

  /// Produces every change of `batch` and returns once each message has a successful
  /// delivery report (at-least-once mode), or inside one Kafka transaction together with
  /// the checkpoint record, committed before returning (exactly-once mode). Throws
  /// sdk::retry / sdk::fatal naming the topic and error; in exactly-once mode the
  /// transaction is aborted first.
  /// A transaction in pieces (WR_CAP_PARTIAL_TXN): every piece's messages are delivered
  /// before apply returns; in exactly-once mode one Kafka transaction spans all pieces and
  /// the checkpoint record and commit come only with the last piece. A piece that does not
  /// continue the open transaction fails with sdk::retry (and the open one is discarded).
  void apply(const wr_batch &batch);

 private:
  /// Topic of a relation, cached per relation id and generation.
  const std::string &topic(const wr_relation &rel);
  void on_event(const Event &e) override;
  void produce_batch(const wr_batch &batch);
  void apply_transactional(const wr_batch &batch, Piece piece);
  /// Discards the transaction a piece left open (aborting it in exactly-once mode).
  void discard_pieces() noexcept;
  /// Aborts the open Kafka transaction (exactly-once mode); false when that failed (it is
  /// then tried again before the next batch). Never throws.
  bool abort() noexcept;
  /// Throws retry/fatal for a transaction API error (consumes `e`).
  [[noreturn]] void fail_txn(rd_kafka_error_t *e, const char *what);
  int64_t now_ms() const;

  sdk::SinkContext ctx_;  // copy (host, handle, name) outliving create(); config cleared
  SinkOptions options_;
  EnvelopeFormatter formatter_;
  Producer producer_;
  struct TopicEntry {
    uint32_t generation = 0;
    std::string topic;
  };
  std::unordered_map<uint32_t, TopicEntry> topics_;
  OpenPieces pieces_;  ///< the transaction a WR_BATCH_TXN_CONTINUES piece left open
  std::string checkpoint_value_;
  wr_lsn position_ = WR_LSN_INVALID;  ///< exactly-once: last committed end LSN
  bool position_loaded_ = false;      ///< position_ was read from the checkpoint topic
  bool txn_open_ = false;             ///< a begun transaction is not committed/aborted yet
  int64_t batch_now_ms_ = 0;
};

}  // namespace walrelay::kafka
