// Transactions delivered in pieces (WR_CAP_PARTIAL_TXN): which piece a batch is, and
// whether it continues the transaction the previous apply() left open.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>

namespace walrelay::kafka {

/// Where one batch stands. A batch of whole transactions is both first and last.
struct Piece {
  bool first = true;  ///< no WR_BATCH_TXN_CONTINUED: starts a transaction
  bool last = true;   ///< no WR_BATCH_TXN_CONTINUES: ends it (the position may move)
};

/// The piece flags of `batch` (read only when the host's wr_batch has `flags`).
Piece piece_of(const wr_batch &batch);

/// Remembers the transaction left open by a piece flagged WR_BATCH_TXN_CONTINUES, so that
/// the next piece can be checked against it. Not thread-safe (calls on a sink are
/// serialized).
class OpenPieces {
 public:
  /// Checks `batch` (piece `p`): a piece batch must hold exactly one transaction, and a
  /// continuing piece must continue the open transaction (same xid and end_lsn). Returns
  /// "" when fine, else why not (the caller discards the open transaction and fails the
  /// apply with WR_RETRY, so that the host starts over from the first piece).
  const char *check(const wr_batch &batch, Piece p) const;

  /// Records the outcome of a successful apply of piece `p` of `txn`.
  void applied(const wr_txn &txn, Piece p);

  /// Forgets the open transaction (after a failure or when the host starts over).
  void reset() { open_ = false; }

  bool open() const { return open_; }

 private:
  bool open_ = false;
  uint32_t xid_ = 0;
  wr_lsn end_lsn_ = WR_LSN_INVALID;
};

}  // namespace walrelay::kafka
