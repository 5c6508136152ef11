// Encoding of relations, transactions and change chunks as spool record payloads.
//
// Every payload starts with a one-byte record type. All integers are little-endian; a
// "string" is a u32 length followed by the bytes (length 0xFFFFFFFF = NULL). Layouts:
//
//   'R' relation   u32 relation_id, u32 generation, u8 replica_identity, str schema,
//                  str name, u16 n_columns, per column: u8 flags, str name, u32 type_oid,
//                  i32 typmod, str type_schema, str type_name
//   'T' txn        header, then u32 n_changes and the changes (a whole, small transaction)
//   'E' txn ref    header, u64 serial of the per-transaction file holding its chunks,
//                  u64 n_changes kept, u32 n_aborted, u32 aborted subxids[n_aborted]
//   'C' chunk      u8 has_subxids, u32 n_changes, changes (each preceded by u32 subxid
//                  when has_subxids) -- only in per-transaction files
//   'P' prepared   u64 serial, str gid, header (commit_lsn = prepare LSN, end_lsn = prepare
//                  end LSN), u32 n_aborted, subxids -- a prepared transaction not yet
//                  committed or rolled back
//   'X' finished   str gid -- a prepared transaction was committed or rolled back
//
//   header         u32 xid, u64 commit_lsn, u64 end_lsn, i64 commit_time_us, str origin
//   change         u8 kind, u64 lsn, then by kind:
//                  INSERT/UPDATE/DELETE: u32 relation_id, u32 generation, u8 old_kind,
//                    [old tuple when old_kind != NONE], [new tuple for INSERT/UPDATE]
//                  TRUNCATE: u32 options, u32 n, n x (u32 relation_id, u32 generation)
//                  MESSAGE: u32 flags, str prefix, str content
//   tuple          u16 n, n x (u8 value kind, [u32 len + bytes for TEXT/BINARY])
//
// Decoding never trusts the bytes: every length and count is checked against what is left
// and against the relation's column count; a violation throws SpoolError("corrupt ...").
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/pipeline/relation_cache.h"
#include "core/pipeline/transaction.h"

namespace walrelay::spool {

enum class RecordType : char {
  kRelation = 'R',
  kTxn = 'T',
  kTxnRef = 'E',
  kChunk = 'C',
  kPrepared = 'P',
  kFinished = 'X',
};

/// Transaction header fields shared by 'T', 'E' and 'P' records.
struct TxnHeader {
  uint32_t xid = 0;
  uint64_t commit_lsn = 0;
  uint64_t end_lsn = 0;
  int64_t commit_time_us = 0;
  std::string origin;  ///< empty = none
};

/// A decoded 'E' record (or 'P': serial, gid, header, aborted).
struct TxnRef {
  TxnHeader header;
  uint64_t serial = 0;
  uint64_t n_changes = 0;
  std::vector<uint32_t> aborted;  ///< subtransactions whose changes are left out
  std::string gid;                ///< 'P' only
};

/// Tables an initial snapshot copied again after an interrupted one (relation id -> the
/// consistent point of the snapshot that copied them): their changes in transactions that
/// committed before that point are in the copy, so decode_changes leaves them out (and
/// takes them out of TRUNCATE lists). Snapshot transactions (commit_lsn 0) are never
/// filtered.
using SnapshotSkips = std::map<uint32_t, uint64_t>;

/// Relation descriptors by (relation_id, generation), as read back from the spool.
using RelationMap = std::map<std::pair<uint32_t, uint32_t>, std::shared_ptr<const RelationDesc>>;

/// The relations one reader has read back. Maps the spool's (relation_id, generation) keys
/// to descriptors, renumbering generations so that, for this reader, a relation's
/// generation changes exactly when its shape does. (A walrelay process numbers generations
/// from 1, so after a restart the same key may describe another shape; it is announced
/// again before its first use, and the latest announcement of a key wins.)
class RelationRegistry {
 public:
  /// Takes a descriptor decoded from an 'R' record.
  void add(const std::shared_ptr<const RelationDesc> &from_record);
  const RelationMap &map() const { return by_key_; }

 private:
  RelationMap by_key_;
  std::unordered_map<uint32_t, std::shared_ptr<const RelationDesc>> current_;
  std::unordered_map<uint32_t, uint32_t> generation_;
};

/// Type byte of a payload; throws SpoolError when empty or unknown.
RecordType record_type(std::string_view payload);

// ---- encoding (appends to `out`, which the caller clears and reuses) --------------------

void encode_relation(const wr_relation &rel, std::string &out);
/// 'T': the whole transaction.
void encode_txn(const Transaction &txn, std::string &out);
/// 'C': changes [from, to) of `txn`; `subxids` (same indexing) is written when non-null.
void encode_chunk(const Transaction &txn, size_t from, size_t to, const uint32_t *subxids,
                  std::string &out);
void encode_txn_ref(const TxnRef &ref, RecordType type, std::string &out);
void encode_finished(std::string_view gid, std::string &out);

// ---- decoding ------------------------------------------------------------------------

/// 'R' payload -> a new descriptor.
std::shared_ptr<const RelationDesc> decode_relation(std::string_view payload);
/// 'T' header only (for skipping transactions a sink already holds without decoding them).
TxnHeader decode_txn_header(std::string_view payload);
/// 'E' or 'P' payload.
TxnRef decode_txn_ref(std::string_view payload);
/// 'X' payload -> gid.
std::string decode_finished(std::string_view payload);

/// Decodes the changes of a 'T' or 'C' payload into `txn`: wr_change / wr_value arrays go
/// into txn.arena, value bytes point into the payload, which must stay alive as long as
/// txn (callers keep it in txn.records); the relations used are kept in txn.relations. Changes of
/// subtransactions listed in `aborted` (sorted) are left out; messages are left out unless
/// `messages`; with `skips`, changes of a listed relation in a transaction that committed before
/// its point (`commit_lsn`: the transaction's, for 'C' payloads; 'T' carries its own) are left out.
/// 'T' also fills txn.abi's header fields. Returns the number of changes appended.
size_t decode_changes(std::string_view payload, const RelationMap &relations,
                      const std::vector<uint32_t> &aborted, bool messages, Transaction &txn,
                      const SnapshotSkips *skips = nullptr, uint64_t commit_lsn = 0);

/// Fills txn.abi from `h` (struct_size, xid, LSNs, time, origin) and points abi.changes at
/// txn.change_ptrs.
void set_header(const TxnHeader &h, Transaction &txn);

}  // namespace walrelay::spool
