// Transactions delivered in pieces (WR_CAP_PARTIAL_TXN).
#include "txn_pieces.h"

#include <cstddef>

namespace walrelay::kafka {

Piece piece_of(const wr_batch &batch) {
  if (!WR_HAS_FIELD(&batch, wr_batch, flags)) return Piece{};
  return Piece{(batch.flags & WR_BATCH_TXN_CONTINUED) == 0,
               (batch.flags & WR_BATCH_TXN_CONTINUES) == 0};
}

const char *OpenPieces::check(const wr_batch &batch, Piece p) const {
  if (p.first && p.last) return "";
  if (batch.n_txns != 1 || batch.txns == nullptr || batch.txns[0] == nullptr) {
    return "a batch flagged as a piece of a transaction must hold exactly one transaction";
  }
  if (p.first) return "";
  if (!open_) {
    return "a batch continues a transaction that is not open here (its earlier pieces "
           "were discarded); start the transaction over from its first piece";
  }
  const wr_txn &t = *batch.txns[0];
  if (t.xid != xid_ || t.end_lsn != end_lsn_) {
    return "a batch continues a different transaction than the open one";
  }
  return "";
}

void OpenPieces::applied(const wr_txn &txn, Piece p) {
  open_ = !p.last;
  xid_ = txn.xid;
  end_lsn_ = txn.end_lsn;
}

}  // namespace walrelay::kafka
