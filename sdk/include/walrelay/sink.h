/* walrelay sink SDK: the stable C ABI between the walrelay host and a sink plugin.
 *
 * A sink plugin is a shared object that exports exactly one symbol,
 * WR_SINK_ENTRY_SYMBOL ("walrelay_sink_entry"). The host calls it once, on its main
 * thread, right after loading the file; the plugin answers with a const wr_plugin
 * describing itself and its function table (wr_sink_vtable).
 *
 * ABI rules (docs/ARCHITECTURE.md "The sink ABI" has the full text):
 *  - Every struct that may grow starts with `uint32_t struct_size`. Structs only ever grow
 *    at the end (append-only); a signature never changes in place (a `_v2` slot is added).
 *    The host accepts a plugin struct no larger than the one it knows and refuses a larger
 *    one; a plugin must read a host struct's fields only when struct_size covers them
 *    (WR_HAS_FIELD).
 *  - Element types of arrays (wr_value, wr_column, wr_config_entry, wr_option) are frozen
 *    for ABI v1: their layout never changes. New per-element data would travel in a new
 *    parallel array added to the parent struct.
 *  - Handles are opaque both ways (wr_sink, wr_host_sink). No C++ type, exception or
 *    allocator crosses the boundary.
 *  - Ownership: everything the host passes (batches, relations, strings, config) is owned
 *    by the host and valid only for the duration of the call unless a slot says otherwise.
 *    Everything the plugin allocates, the plugin frees.
 *  - Every fallible call returns a wr_status; on anything but WR_OK the plugin should call
 *    host->set_error() first. The host copies the message.
 *  - Threading: entry is called once on the host's main thread. All calls on one wr_sink
 *    instance are serialized (never two at once) but may come from different threads.
 *    Different wr_sink instances (one per configured sink) may be called concurrently.
 *
 * Sources for the data model: PostgreSQL documentation, "Logical Replication Message
 * Formats" (pgoutput) and "Logical Streaming Replication Protocol".
 *
 * C99, no dependencies beyond <stdint.h> and <stddef.h>.
 */
#ifndef WALRELAY_SINK_H
#define WALRELAY_SINK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version of this header. A host supports a range [abi_min, abi_max]; a plugin picks
 *  one version in that range and writes it to wr_plugin.abi_version. */
#define WR_SINK_ABI_VERSION 1u

/** Name of the single symbol a plugin exports; its type is wr_sink_entry_fn. */
#define WR_SINK_ENTRY_SYMBOL "walrelay_sink_entry"

/** Marks a function as exported from the plugin (all else should be hidden). */
#if defined(_WIN32)
#define WR_SINK_EXPORT __declspec(dllexport)
#else
#define WR_SINK_EXPORT __attribute__((visibility("default")))
#endif

/** True when a struct received across the ABI is large enough to contain `field`.
 *  `ptr` points to a struct whose first member is `uint32_t struct_size`. */
#define WR_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/** A PostgreSQL WAL position (XLogRecPtr): a 64-bit byte offset into the WAL stream.
 *  Printed by PostgreSQL as two hex halves, e.g. "0/16B3748". 0 means "no position".
 *  Real positions stay below 2^63 (8 EiB of WAL), so a destination may store them in a
 *  signed 64-bit integer. */
typedef uint64_t wr_lsn;

/** No position known (InvalidXLogRecPtr). */
#define WR_LSN_INVALID ((wr_lsn)0)

/* ------------------------------------------------------------------------------------ */
/* Status codes                                                                          */
/* ------------------------------------------------------------------------------------ */

/** Result of every fallible call. Carried as int32_t so its size is fixed. */
typedef int32_t wr_status;
/** Success. */
#define WR_OK ((wr_status)0)
/** Transient failure (lost connection, lock timeout, broker unavailable). The host backs
 *  off, calls load_position() again and retries the same batch minus what is applied. */
#define WR_RETRY ((wr_status)1)
/** Permanent failure (constraint violation, data the destination refuses). The host stops
 *  this sink and exits non-zero; nothing after the last durable position is confirmed. */
#define WR_FATAL ((wr_status)2)
/** The options given to create() are wrong (unknown key, bad value). Fatal at start-up. */
#define WR_INVALID_CONFIG ((wr_status)3)
/** The sink cannot handle what it was given (e.g. a change kind it did not declare).
 *  Treated like WR_FATAL with a message naming the unsupported thing. */
#define WR_UNSUPPORTED ((wr_status)4)

/* ------------------------------------------------------------------------------------ */
/* Opaque handles                                                                        */
/* ------------------------------------------------------------------------------------ */

/** A sink instance: created by the plugin in create(), owned by the plugin, freed by
 *  destroy(). The host never looks inside. */
typedef struct wr_sink wr_sink;

/** The host's handle for one sink instance, passed to create(). The plugin passes it back
 *  to host services (log, set_error). Owned by the host; valid until destroy() returns. */
typedef struct wr_host_sink wr_host_sink;

/* ------------------------------------------------------------------------------------ */
/* Host services                                                                         */
/* ------------------------------------------------------------------------------------ */

/** Log levels for wr_host_api.log, in increasing severity. */
typedef int32_t wr_log_level;
#define WR_LOG_TRACE ((wr_log_level)0)
#define WR_LOG_DEBUG ((wr_log_level)1)
#define WR_LOG_INFO ((wr_log_level)2)
#define WR_LOG_WARN ((wr_log_level)3)
#define WR_LOG_ERROR ((wr_log_level)4)

/** Services the host offers every plugin. Owned by the host; valid from the entry call
 *  until the process exits. */
typedef struct wr_host_api {
  /** sizeof(wr_host_api) as the host was built; read a field only if WR_HAS_FIELD. */
  uint32_t struct_size;
  /** Lowest ABI version the host accepts. */
  uint32_t abi_min;
  /** Highest ABI version the host accepts. */
  uint32_t abi_max;
  uint32_t reserved0;
  /** Host version string, e.g. "0.1.0". Static. */
  const char *host_version;
  /** Writes one log line through the host's logger (spdlog), tagged with the sink's name.
   *  `sink` may be NULL (e.g. during entry). `msg` is NUL-terminated UTF-8; copied.
   *  Thread-safe: any thread, any time. */
  void (*log)(wr_host_sink *sink, wr_log_level level, const char *msg);
  /** Records the error message for the call now running on this thread for `sink`
   *  (NULL during entry). The host copies `msg` (NUL-terminated UTF-8) and shows it with
   *  the sink name when the call returns a status other than WR_OK. A later call in the
   *  same plugin call replaces the message. Thread-safe. */
  void (*set_error)(wr_host_sink *sink, const char *msg);
  /** Wall clock, microseconds since the Unix epoch. Thread-safe. */
  int64_t (*now_us)(void);
} wr_host_api;

/* ------------------------------------------------------------------------------------ */
/* Configuration                                                                         */
/* ------------------------------------------------------------------------------------ */

/** One option of a sink's `options:` subtree, flattened. Nested maps become dotted keys
 *  ("tls.ca_file"); sequence items get their index ("topics.0"). Frozen layout. */
typedef struct wr_config_entry {
  /** Dotted key, NUL-terminated. */
  const char *key;
  /** Scalar value after ${ENV} interpolation, NUL-terminated. */
  const char *value;
  /** Where the value was written, "file:line:column", for error messages. */
  const char *where;
} wr_config_entry;

/** A sink's options. Owned by the host; valid only during create(). The plugin must
 *  reject keys it does not know with WR_INVALID_CONFIG, naming key and `where`. */
typedef struct wr_config {
  uint32_t struct_size;
  uint32_t n_entries;
  const wr_config_entry *entries;
} wr_config;

/** Type of an option, for documentation and `walrelay plugins`. */
typedef int32_t wr_option_type;
#define WR_OPT_STRING ((wr_option_type)0)
#define WR_OPT_INT ((wr_option_type)1)
#define WR_OPT_BOOL ((wr_option_type)2)
#define WR_OPT_DURATION_MS ((wr_option_type)3)

/** Describes one option a plugin accepts. Frozen layout. Static storage in the plugin. */
typedef struct wr_option {
  const char *key;            /**< Dotted key as in wr_config_entry.key. */
  wr_option_type type;        /**< One of WR_OPT_*. */
  int32_t required;           /**< 1 when the option must be given. */
  const char *default_value;  /**< Default as text, or NULL when required/none. */
  const char *description;    /**< One line. */
} wr_option;

/* ------------------------------------------------------------------------------------ */
/* Relations (tables)                                                                    */
/* ------------------------------------------------------------------------------------ */

/** Column flag: the column is part of the replica identity key (pgoutput Relation
 *  message, column flags bit 1). */
#define WR_COLUMN_KEY 1u

/** One column of a relation. Frozen layout. */
typedef struct wr_column {
  /** Column name, NUL-terminated, as in the source (unquoted). */
  const char *name;
  /** PostgreSQL type OID (pg_type.oid), e.g. 23 for int4, 25 for text. */
  uint32_t type_oid;
  /** Type modifier (atttypmod), -1 when none. For varchar(n): n + 4; for numeric(p,s):
   *  ((p << 16) | s) + 4. */
  int32_t typmod;
  /** WR_COLUMN_* flags. */
  uint32_t flags;
  uint32_t reserved0;
  /** Schema and name of the type when the source sent a Type message for it (non-built-in
   *  types such as enums and domains), else NULL. */
  const char *type_schema;
  const char *type_name;
} wr_column;

/** Replica identity setting of a relation (pg_class.relreplident). */
#define WR_REPLICA_IDENTITY_DEFAULT 'd' /**< primary key */
#define WR_REPLICA_IDENTITY_NOTHING 'n'
#define WR_REPLICA_IDENTITY_FULL 'f'   /**< all columns */
#define WR_REPLICA_IDENTITY_INDEX 'i'  /**< a chosen unique index */

/** A relation descriptor as announced by a pgoutput Relation message.
 *
 * Descriptors are immutable. Each change points to the descriptor its tuple was decoded
 * with. When the source announces a changed relation (columns added, dropped, renamed,
 * retyped), the host makes a new descriptor with the same `relation_id` and a higher
 * `generation`, so a sink can cache per relation_id and re-check when generation differs.
 * Owned by the host; valid for the duration of the apply() call that references it. */
typedef struct wr_relation {
  uint32_t struct_size;
  /** Relation OID in the source. */
  uint32_t relation_id;
  /** Starts at 1; increases each time the relation's shape is announced anew. */
  uint32_t generation;
  /** One of WR_REPLICA_IDENTITY_*. */
  int32_t replica_identity;
  /** Schema (namespace) and table name, NUL-terminated, unquoted. */
  const char *schema;
  const char *name;
  /** Columns in source order (dropped and generated columns are not sent by pgoutput). */
  uint32_t n_columns;
  uint32_t reserved0;
  const wr_column *columns;
} wr_relation;

/* ------------------------------------------------------------------------------------ */
/* Values, changes, transactions, batches                                                */
/* ------------------------------------------------------------------------------------ */

/** Kind of one column value (pgoutput TupleData: 'n', 'u', 't', 'b'). */
#define WR_VALUE_NULL 0u
/** Unchanged TOASTed value: the old value stays; `data` is NULL. */
#define WR_VALUE_UNCHANGED_TOAST 1u
/** Text output of the type's output function (not NUL-terminated; use `len`). */
#define WR_VALUE_TEXT 2u
/** Binary send format of the type (only with the source's `binary` option). */
#define WR_VALUE_BINARY 3u

/** One column value. Frozen layout (16 bytes on LP64). `data` points into host memory
 *  valid for the duration of the apply() call; it is not NUL-terminated. */
typedef struct wr_value {
  uint32_t kind; /**< WR_VALUE_* */
  uint32_t len;  /**< Bytes at data (0 for NULL and unchanged TOAST). */
  const char *data;
} wr_value;

/** Kind of a change. */
#define WR_CHANGE_INSERT 1u
#define WR_CHANGE_UPDATE 2u
#define WR_CHANGE_DELETE 3u
#define WR_CHANGE_TRUNCATE 4u
/** A logical decoding message (pg_logical_emit_message; pgoutput Message 'M'). Only
 *  passed to sinks that declare WR_CAP_MESSAGES. relation is NULL; the message fields
 *  appended to wr_change are set. A transactional message is a change of its transaction
 *  in source order; a non-transactional one travels alone in a transaction of its own
 *  whose commit_lsn is the message's LSN and end_lsn that LSN + 1 (so it is delivered
 *  exactly once like any transaction). */
#define WR_CHANGE_MESSAGE 5u

/** wr_change.message_flags: the message was emitted with transactional = true. */
#define WR_MESSAGE_TRANSACTIONAL 1u

/** What `old_values` holds for UPDATE/DELETE (pgoutput 'K' / 'O' submessage). */
#define WR_OLD_NONE 0u /**< no old tuple: the key did not change; use new_values' key */
#define WR_OLD_KEY 1u  /**< only key columns are set, others are NULL */
#define WR_OLD_FULL 2u /**< the full old row (REPLICA IDENTITY FULL) */

/** Truncate option bits (pgoutput Truncate message option bits). */
#define WR_TRUNCATE_CASCADE 1u
#define WR_TRUNCATE_RESTART_IDENTITY 2u

/** One row change (or a truncate of one or more relations). Owned by the host; valid
 *  during the apply() call.
 *
 *  INSERT: new_values set, old_kind WR_OLD_NONE.
 *  UPDATE: new_values set (may hold WR_VALUE_UNCHANGED_TOAST); old_values set when
 *          old_kind is KEY or FULL, else the row is identified by the key columns of
 *          new_values.
 *  DELETE: old_values set (KEY or FULL).
 *  TRUNCATE: relation is NULL; truncate_relations lists the relations. */
typedef struct wr_change {
  uint32_t struct_size;
  uint32_t kind;     /**< WR_CHANGE_* */
  /** WAL position of the change's own record (XLogData start of its message). */
  wr_lsn lsn;
  /** Relation of INSERT/UPDATE/DELETE; NULL for TRUNCATE. */
  const wr_relation *relation;
  uint32_t old_kind; /**< WR_OLD_* */
  uint32_t n_old;    /**< number of old_values (== relation->n_columns when set) */
  const wr_value *old_values;
  uint32_t n_new;    /**< number of new_values (== relation->n_columns when set) */
  uint32_t truncate_options; /**< WR_TRUNCATE_* bits */
  const wr_value *new_values;
  uint32_t n_truncate_relations;
  uint32_t reserved0;
  const wr_relation *const *truncate_relations;
  /* ---- appended in ABI 1.1 (read only when WR_HAS_FIELD(change, wr_change, ...)) ---- */
  /** WR_CHANGE_MESSAGE: the message prefix, NUL-terminated UTF-8; else NULL. */
  const char *message_prefix;
  /** WR_CHANGE_MESSAGE: the message content (arbitrary bytes, not NUL-terminated); else
   *  NULL. */
  const char *message_content;
  /** WR_CHANGE_MESSAGE: bytes at message_content. */
  uint32_t message_len;
  /** WR_CHANGE_MESSAGE: WR_MESSAGE_* bits. */
  uint32_t message_flags;
} wr_change;

/** One committed source transaction, whole. Owned by the host; valid during apply(). */
typedef struct wr_txn {
  uint32_t struct_size;
  /** Top-level transaction id in the source. */
  uint32_t xid;
  /** LSN of the transaction's commit record (pgoutput Begin "final LSN"). */
  wr_lsn commit_lsn;
  /** LSN just past the commit record (pgoutput Commit "end LSN"). This is the position a
   *  sink stores and returns from load_position(); the source resumes after it. */
  wr_lsn end_lsn;
  /** Commit time, microseconds since the Unix epoch (converted from PostgreSQL's
   *  2000-01-01 epoch). */
  int64_t commit_time_us;
  /** Replication origin name when the source sent an Origin message, else NULL. */
  const char *origin;
  /** Changes in source order. Array of pointers so wr_change can grow. */
  uint32_t n_changes;
  /** WR_TXN_* bits (ABI 1.1; this was a reserved field, always 0, before: a host without
   *  the bits leaves it 0). */
  uint32_t flags;
  const wr_change *const *changes;
} wr_txn;

/** wr_txn.flags: rows of the initial snapshot (backfill), not a source transaction. Such a
 *  transaction holds only INSERTs (and, when an interrupted snapshot restarts, one TRUNCATE
 *  of the snapshot's tables first); its commit_lsn is 0 and its end_lsn an ordinal below
 *  the slot's consistent point, so positions stay ordered: a sink stores it like any
 *  end_lsn and applies each snapshot transaction exactly once, before anything streamed.
 *  (Debezium calls these read events, op "r".) */
#define WR_TXN_SNAPSHOT 1u

/** wr_batch.flags: the batch's last transaction is not complete; more of its changes come
 *  in the next apply() call(s). The sink keeps its destination transaction open, makes
 *  nothing of that transaction durable and does not move its position. Only sent to sinks
 *  that declare WR_CAP_PARTIAL_TXN; such a batch holds exactly one transaction. */
#define WR_BATCH_TXN_CONTINUES 1u
/** wr_batch.flags: the batch's first transaction continues the one the previous apply()
 *  left open (same xid, commit_lsn, end_lsn; its changes follow on from the previous
 *  piece's). Such a batch holds exactly one transaction. */
#define WR_BATCH_TXN_CONTINUED 2u
/** wr_batch.flags (ABI 1.2, only to sinks declaring WR_CAP_EARLY_APPLY): this piece is
 *  applied before the source has committed its transaction ("early apply"): the wr_txn
 *  header's xid, commit_lsn, end_lsn and commit_time_us are 0, because they are not known
 *  yet. Always together with WR_BATCH_TXN_CONTINUES. Pieces that follow once the commit is
 *  known carry the real header (without this flag), the last one as usual (CONTINUED, not
 *  CONTINUES); the sink must not compare their header with the early pieces'. */
#define WR_BATCH_TXN_EARLY 4u
/** wr_batch.flags (ABI 1.2, only to sinks declaring WR_CAP_EARLY_APPLY): roll back the
 *  transaction the previous apply() left open, and make nothing of it durable: the source
 *  aborted it, or another transaction committed before it (it comes again later, from its
 *  first piece). n_txns is 0, txns NULL, end_lsn the sink's current position. A sink with
 *  no open transaction returns WR_OK. */
#define WR_BATCH_TXN_ROLLBACK 8u

/** A batch: one or more whole transactions in commit order. The sink applies it
 *  atomically where it can (capability WR_CAP_TRANSACTIONAL).
 *
 *  Transactions larger than the host's delivery memory (pipeline.batch_max_bytes) reach
 *  sinks with WR_CAP_PARTIAL_TXN in pieces: a first batch flagged WR_BATCH_TXN_CONTINUES,
 *  middle ones flagged CONTINUES|CONTINUED, a last one flagged WR_BATCH_TXN_CONTINUED.
 *  Every piece carries the transaction's wr_txn header (xid, commit_lsn, end_lsn, ...) with
 *  only that piece's changes. When any piece's apply() fails, the sink discards the whole
 *  open transaction; after WR_RETRY the host calls load_position() and starts the
 *  transaction again from its first piece. */
typedef struct wr_batch {
  uint32_t struct_size;
  uint32_t n_txns;
  const wr_txn *const *txns;
  /** end_lsn of the last transaction: the position the sink must have made durable when
   *  apply() returns WR_OK. */
  wr_lsn end_lsn;
  /** Rows (changes) in all transactions, for metrics and sizing. */
  uint64_t n_changes;
  /* ---- appended in ABI 1.1 (read only when WR_HAS_FIELD(batch, wr_batch, flags)) ---- */
  /** WR_BATCH_* bits; 0 for a batch of whole transactions. */
  uint32_t flags;
  uint32_t reserved1;
} wr_batch;

/* ------------------------------------------------------------------------------------ */
/* The plugin                                                                            */
/* ------------------------------------------------------------------------------------ */

/** Capability flags (wr_plugin.capabilities). */
/** apply() is atomic and stores the applied LSN in the same destination transaction, so
 *  load_position() is exact: exactly-once delivery. */
#define WR_CAP_TRANSACTIONAL (1ull << 0)
/** The sink handles WR_CHANGE_TRUNCATE. Without it the host fails on a truncate. */
#define WR_CAP_TRUNCATE (1ull << 1)
/** The sink follows relation shape changes (new generation of a relation). */
#define WR_CAP_SCHEMA_CHANGE (1ull << 2)
/** The sink accepts WR_VALUE_BINARY values. */
#define WR_CAP_BINARY_VALUES (1ull << 3)
/** The sink accepts one transaction over several apply() calls (WR_BATCH_TXN_CONTINUES /
 *  WR_BATCH_TXN_CONTINUED), so the host's memory stays bounded whatever the transaction's
 *  size. Without it, the host holds each transaction whole in memory for apply(). */
#define WR_CAP_PARTIAL_TXN (1ull << 4)
/** The sink wants logical decoding messages (WR_CHANGE_MESSAGE changes). Without it the
 *  host leaves them out. */
#define WR_CAP_MESSAGES (1ull << 5)
/** The sink takes the pieces of a large transaction while the source is still receiving
 *  it (WR_BATCH_TXN_EARLY, then WR_BATCH_TXN_ROLLBACK when it does not commit after all),
 *  so that its work overlaps the source's instead of starting at the commit. The host uses
 *  it only together with WR_CAP_PARTIAL_TXN and WR_CAP_TRANSACTIONAL (ABI 1.2). */
#define WR_CAP_EARLY_APPLY (1ull << 6)

/** The function table of a sink plugin. Static storage in the plugin. Required slots:
 *  create, destroy, load_position, apply. */
typedef struct wr_sink_vtable {
  /** sizeof(wr_sink_vtable) as the plugin was built. */
  uint32_t struct_size;
  uint32_t reserved0;

  /** Creates a sink instance from its options.
   *  @param host     host services; valid until process exit.
   *  @param hs       host handle for this instance (for log/set_error); valid until
   *                  destroy() returns.
   *  @param name     the sink's configured name (NUL-terminated); valid during the call.
   *  @param config   the sink's options; valid during the call.
   *  @param out      receives the new instance (plugin-owned) on WR_OK.
   *  @return WR_OK, WR_INVALID_CONFIG (bad option), WR_RETRY (destination unreachable,
   *          the host retries with backoff), WR_FATAL.
   *  Threading: host main thread or the sink's worker thread; never concurrently with
   *  another call on the same instance (there is none yet). Should connect and verify the
   *  destination so errors surface at start-up. */
  wr_status (*create)(const wr_host_api *host, wr_host_sink *hs, const char *name,
                      const wr_config *config, wr_sink **out);

  /** Frees an instance and everything it owns; closes connections without committing
   *  anything not yet applied. Never fails. Called once, after the last other call. */
  void (*destroy)(wr_sink *sink);

  /** Reports the end LSN of the last transaction the destination holds durably, or
   *  WR_LSN_INVALID when it has none. Called after create() and after every WR_RETRY
   *  before the retry. The host then skips every transaction whose end_lsn <= *out.
   *  @return WR_OK, WR_RETRY, WR_FATAL. */
  wr_status (*load_position)(wr_sink *sink, wr_lsn *out);

  /** Applies a batch of whole transactions in order. WR_OK means everything up to
   *  batch->end_lsn is durable at the destination (and, for WR_CAP_TRANSACTIONAL sinks,
   *  that position is stored in the same destination transaction). On any other status
   *  nothing of the batch may be visible (transactional sinks) and the host decides:
   *  WR_RETRY → backoff, load_position(), apply again; others → stop.
   *  The host never passes a transaction whose end_lsn is at or below the position the sink
   *  last reported (load_position or a successful apply); end_lsn is never 0 and increases
   *  strictly within and across batches. A sink should still skip such transactions if
   *  it can (defence in depth). State a sink caches about the destination (tables created,
   *  columns added) must be forgotten when a failed apply rolled that DDL back.
   *  The batch and all it points to are valid only during the call. Serialized per
   *  instance; may run on a thread other than create()'s. */
  wr_status (*apply)(wr_sink *sink, const wr_batch *batch);
} wr_sink_vtable;

/** What a plugin tells the host about itself. Static storage in the plugin; returned by
 *  the entry function. */
typedef struct wr_plugin {
  /** sizeof(wr_plugin) as the plugin was built. */
  uint32_t struct_size;
  /** ABI version the plugin chose, within the host's [abi_min, abi_max]. */
  uint32_t abi_version;
  /** Short name used in config (`plugin: sqlite`), e.g. "sqlite". Static. */
  const char *name;
  /** Plugin version, e.g. "0.1.0". Static. */
  const char *version;
  /** One-line description. Static. */
  const char *description;
  /** WR_CAP_* bits. */
  uint64_t capabilities;
  /** Options the plugin accepts, for docs and `walrelay plugins`. Static. */
  uint32_t n_options;
  uint32_t reserved0;
  const wr_option *options;
  /** Function table. Static. */
  const wr_sink_vtable *vtable;
} wr_plugin;

/** Type of the entry symbol WR_SINK_ENTRY_SYMBOL.
 *  @param host  host services and the ABI range the host accepts. Valid until exit.
 *  @return the plugin's description (static storage), or NULL when the plugin supports no
 *          ABI version in [host->abi_min, host->abi_max] (call host->set_error(NULL, ...)
 *          first to say why).
 *  Threading: called once, on the host's main thread, before any other call. */
typedef const wr_plugin *(*wr_sink_entry_fn)(const wr_host_api *host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WALRELAY_SINK_H */
