// Decoded pgoutput messages, as views into the bytes of one XLogData payload.
//
// Layouts: PostgreSQL documentation, "Logical Replication Message Formats", and
// src/backend/replication/logical/proto.c. Every string_view and TupleData below points
// into the input buffer given to Decoder::decode() and into the decoder's own reusable
// storage: valid until the next decode() call on the same Decoder.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace walrelay::pgoutput {

using Lsn = uint64_t;

/// Message type bytes (first byte of a pgoutput message).
enum class MessageType : char {
  Begin = 'B',
  Commit = 'C',
  Origin = 'O',
  Relation = 'R',
  Type = 'Y',
  Insert = 'I',
  Update = 'U',
  Delete = 'D',
  Truncate = 'T',
  LogicalMessage = 'M',  // pg_logical_emit_message, with `messages` option
  StreamStart = 'S',     // protocol v2+
  StreamStop = 'E',
  StreamCommit = 'c',
  StreamAbort = 'A',
  BeginPrepare = 'b',    // protocol v3+
  Prepare = 'P',
  CommitPrepared = 'K',
  RollbackPrepared = 'r',
  StreamPrepare = 'p',
};

/// One column of a TupleData: kind is 'n' (null), 'u' (unchanged TOAST), 't' (text),
/// 'b' (binary); data is set for 't' and 'b'.
struct ColumnValue {
  char kind = 'n';
  std::string_view data;
};

/// A TupleData: the values in relation column order.
struct TupleData {
  std::vector<ColumnValue> columns;
};

struct Begin {
  Lsn final_lsn = 0;         // LSN of the commit record
  int64_t commit_time = 0;   // microseconds since 2000-01-01 UTC (PostgreSQL epoch)
  uint32_t xid = 0;
};

struct Commit {
  uint8_t flags = 0;
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;
  int64_t commit_time = 0;   // PostgreSQL epoch microseconds
};

struct Origin {
  Lsn commit_lsn = 0;
  std::string_view name;
};

struct RelationColumn {
  uint8_t flags = 0;  // bit 1: part of the key
  std::string_view name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
};

struct Relation {
  uint32_t xid = 0;  // set only inside a streamed block (v2+)
  uint32_t relation_id = 0;
  std::string_view schema;
  std::string_view name;
  char replica_identity = 'd';
  std::vector<RelationColumn> columns;
};

struct Type {
  uint32_t xid = 0;
  uint32_t type_oid = 0;
  std::string_view schema;
  std::string_view name;
};

struct Insert {
  uint32_t xid = 0;
  uint32_t relation_id = 0;
  TupleData new_tuple;
};

struct Update {
  uint32_t xid = 0;
  uint32_t relation_id = 0;
  char old_kind = 0;  // 0 (none), 'K' (key), 'O' (old full row)
  TupleData old_tuple;
  TupleData new_tuple;
};

struct Delete {
  uint32_t xid = 0;
  uint32_t relation_id = 0;
  char old_kind = 0;  // 'K' or 'O'
  TupleData old_tuple;
};

struct Truncate {
  uint32_t xid = 0;
  uint8_t options = 0;  // bit 1: CASCADE, bit 2: RESTART IDENTITY
  std::vector<uint32_t> relation_ids;
};

struct LogicalMessage {
  uint32_t xid = 0;
  uint8_t flags = 0;  // bit 1: transactional
  Lsn lsn = 0;
  std::string_view prefix;
  std::string_view content;
};

// ---- Protocol v2+ (streaming of in-progress transactions) ----

/// Stream Start 'S': the following messages (until Stream Stop 'E') belong to transaction
/// `xid` and carry it as their own `xid` field.
struct StreamStart {
  uint32_t xid = 0;
  bool first_segment = false;  // true for the first block of this xid
};

/// Stream Commit 'c' (sent outside a stream block).
struct StreamCommit {
  uint32_t xid = 0;
  uint8_t flags = 0;
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;
  int64_t commit_time = 0;  // PostgreSQL epoch microseconds
};

/// Stream Abort 'A' (sent outside a stream block). subxid == xid when the whole top-level
/// transaction aborted, else only that subtransaction's streamed changes are void.
/// abort_lsn/abort_time are sent only with protocol v4 and `streaming` = parallel.
struct StreamAbort {
  uint32_t xid = 0;
  uint32_t subxid = 0;
  bool has_abort_info = false;  // abort_lsn and abort_time were present (v4 parallel)
  Lsn abort_lsn = 0;
  int64_t abort_time = 0;  // PostgreSQL epoch microseconds
};

// ---- Protocol v3+ (two-phase commit) ----

/// Begin Prepare 'b'.
struct BeginPrepare {
  Lsn prepare_lsn = 0;
  Lsn end_lsn = 0;           // end of the prepared transaction
  int64_t prepare_time = 0;  // PostgreSQL epoch microseconds
  uint32_t xid = 0;
  std::string_view gid;
};

/// Prepare 'P', and Stream Prepare 'p' (same layout; sent after the stream blocks).
struct Prepare {
  uint8_t flags = 0;
  Lsn prepare_lsn = 0;
  Lsn end_lsn = 0;
  int64_t prepare_time = 0;  // PostgreSQL epoch microseconds
  uint32_t xid = 0;
  std::string_view gid;
};

/// Commit Prepared 'K'.
struct CommitPrepared {
  uint8_t flags = 0;
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;
  int64_t commit_time = 0;  // PostgreSQL epoch microseconds
  uint32_t xid = 0;
  std::string_view gid;
};

/// Rollback Prepared 'r'.
struct RollbackPrepared {
  uint8_t flags = 0;
  Lsn prepare_end_lsn = 0;
  Lsn rollback_end_lsn = 0;
  int64_t prepare_time = 0;   // PostgreSQL epoch microseconds
  int64_t rollback_time = 0;  // PostgreSQL epoch microseconds
  uint32_t xid = 0;
  std::string_view gid;
};

/// A decoded message. Only the member matching `type` is meaningful; the others keep
/// their storage from earlier messages so that decoding allocates nothing once warm.
struct Message {
  MessageType type = MessageType::Begin;
  Begin begin;
  Commit commit;
  Origin origin;
  Relation relation;
  Type type_msg;
  Insert insert;
  Update update;
  Delete del;
  Truncate truncate;
  LogicalMessage logical_message;
  // Protocol v2+ (Stream Stop 'E' has no fields).
  StreamStart stream_start;
  StreamCommit stream_commit;
  StreamAbort stream_abort;
  // Protocol v3+.
  BeginPrepare begin_prepare;
  Prepare prepare;  // Prepare 'P'
  CommitPrepared commit_prepared;
  RollbackPrepared rollback_prepared;
  Prepare stream_prepare;  // Stream Prepare 'p'
};

}  // namespace walrelay::pgoutput
