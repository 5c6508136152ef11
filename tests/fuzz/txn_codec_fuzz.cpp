// libFuzzer target for the spool's transaction records (core/spool/txn_codec.*): whatever
// bytes a damaged spool holds, decoding ends in a result or a SpoolError, never a crash,
// an out-of-bounds read or an unbounded allocation.
//
// Input: u16 LE length L, then L bytes of an 'R' relation record, then one more record
// (any type) decoded against that relation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/spool/spool.h"
#include "core/spool/txn_codec.h"

using namespace walrelay;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const size_t rel_len = std::min<size_t>(data[0] | (data[1] << 8), size - 2);
  const std::string_view rel(reinterpret_cast<const char *>(data + 2), rel_len);
  const std::string_view rec(reinterpret_cast<const char *>(data + 2 + rel_len),
                             size - 2 - rel_len);
  spool::RelationMap rels;
  try {
    auto d = spool::decode_relation(rel);
    rels[{d->id(), d->generation()}] = d;
  } catch (const spool::SpoolError &) {
  }
  try {
    switch (spool::record_type(rec)) {
      case spool::RecordType::kTxn:
      case spool::RecordType::kChunk: {
        Transaction t;
        spool::decode_changes(rec, rels, {}, true, t);
        // Touch every value the decoder handed out.
        size_t sum = 0;
        for (const wr_change *c : t.change_ptrs) {
          for (uint32_t i = 0; i < c->n_new; ++i)
            if (c->new_values[i].data && c->new_values[i].len) sum += static_cast<unsigned char>(c->new_values[i].data[c->new_values[i].len - 1]);
          for (uint32_t i = 0; i < c->n_old; ++i) sum += c->old_values[i].len;
        }
        (void)sum;
        break;
      }
      case spool::RecordType::kTxnRef:
      case spool::RecordType::kPrepared:
        (void)spool::decode_txn_ref(rec);
        break;
      case spool::RecordType::kFinished:
        (void)spool::decode_finished(rec);
        break;
      case spool::RecordType::kRelation:
        (void)spool::decode_relation(rec);
        break;
    }
  } catch (const spool::SpoolError &) {
  }
  return 0;
}
