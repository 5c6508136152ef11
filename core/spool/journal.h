// The journal: committed transactions in the spool, in commit order, shared by every
// sink's delivery worker. Layout under `dir`:
//
//   journal-<seq>.seg    the main record stream: 'R' relations, 'T' whole small
//                        transactions, 'E' references to big ones, 'P'/'X' prepared
//                        transactions (layouts in txn_codec.h)
//   txn/t<serial>-<seq>.seg  one spool per transaction too big to hold in memory (or
//                        streamed, or prepared): its 'R' and 'C' records, self-contained
//   LOCK                 flock()ed while a walrelay uses the directory
//
// The source thread writes (append_*, commit); each delivery worker reads from the oldest
// retained segment and reports how far it has consumed; segments and transaction files
// every worker has passed are deleted (collect). A record becomes visible to workers only
// after commit() made it durable (FsyncPolicy).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/pipeline/transaction.h"
#include "core/spool/spool.h"
#include "core/spool/txn_codec.h"

namespace walrelay::spool {

/// File name prefix of the main segments (journal-<seq>.seg) in a spool directory.
inline constexpr const char *kJournalMainPrefix = "journal";

struct JournalOptions {
  std::string dir;
  uint64_t segment_bytes = 64u << 20;
  bool compress = false;
  FsyncPolicy fsync = FsyncPolicy::kOnSync;
  /// kOnSync: at most one fdatasync per this window; what arrives meanwhile shares the next.
  /// 0: no window; appends made during an fdatasync still share the next one.
  std::chrono::milliseconds group_commit{0};
  /// Back-pressure: the source waits while committed, unconsumed data exceeds this.
  uint64_t max_bytes = 1ull << 30;
};

/// One transaction's spill file, written by the source thread.
class TxnFile {
 public:
  TxnFile(const Options &options, uint64_t serial);
  uint64_t serial() const { return serial_; }
  /// Changes written so far.
  uint64_t n_changes() const { return n_changes_; }

 private:
  friend class Journal;
  uint64_t serial_;
  Writer writer_;
  std::set<std::pair<uint32_t, uint32_t>> relations_written_;
  uint64_t n_changes_ = 0;
};

class Journal {
 public:
  /// Opens (creating) the journal in options.dir for `consumers` delivery workers and
  /// recovers it: cuts a torn tail (logged), finds the last spooled LSN and the pending
  /// prepared transactions, deletes transaction files nothing refers to (in-progress
  /// leftovers). Throws SpoolError (naming file and offset on corruption, or the directory
  /// when another process holds it).
  Journal(JournalOptions options, size_t consumers);
  ~Journal();
  Journal(const Journal &) = delete;
  Journal &operator=(const Journal &) = delete;

  // ---- source thread ------------------------------------------------------------------

  /// A new file for one transaction's changes.
  std::unique_ptr<TxnFile> open_txn_file();
  /// Appends changes [from, to) of `txn` to `file` as one 'C' record, preceded by 'R'
  /// records for relations of `txn` the file does not describe yet. `subxids` as in
  /// encode_chunk.
  void write_chunk(TxnFile &file, const Transaction &txn, size_t from, size_t to,
                   const uint32_t *subxids);
  /// Deletes a transaction file that will never be committed (aborted, re-sent).
  void discard(std::unique_ptr<TxnFile> file);

  /// Appends a whole transaction as 'T' (with the 'R' records it needs).
  void append_txn(const Transaction &txn);
  /// Appends an 'E' for a transaction whose changes are all in `file` (synced first).
  void append_txn_ref(std::unique_ptr<TxnFile> file, const TxnHeader &header,
                      std::vector<uint32_t> aborted);
  /// Records a prepared transaction whose changes are all in `file` (synced first).
  void append_prepared(std::unique_ptr<TxnFile> file, const std::string &gid,
                       const TxnHeader &prepare, std::vector<uint32_t> aborted);
  /// COMMIT PREPARED: appends an 'E' for the prepared transaction `gid` with the commit's
  /// header, then an 'X'. False when `gid` is not pending here.
  bool commit_prepared(const std::string &gid, const TxnHeader &commit);
  /// ROLLBACK PREPARED: forgets `gid` ('X') and deletes its file. False when unknown.
  bool rollback_prepared(const std::string &gid);
  bool has_prepared(const std::string &gid) const { return prepared_.count(gid) != 0; }

  /// Makes everything appended so far durable and then visible to the workers;
  /// `spooled_lsn` then becomes the end LSN of the last transaction appended. With
  /// FsyncPolicy::kOnSync the fdatasync runs on the journal's sync thread and this returns
  /// at once (group commit: appends made meanwhile share the next fdatasync); a failed
  /// fdatasync is thrown by the next call.
  void commit();
  /// Which source the spool's transactions come from ("system <id>, database <name>, slot
  /// <name>"), as recorded by the first run on this directory; empty for a new spool.
  const std::string &source_identity() const { return identity_; }
  /// Records `identity` (written to <dir>/SOURCE and fsynced). Throws SpoolError.
  void set_source_identity(const std::string &identity);
  /// Tables of a resumed initial snapshot whose streamed changes before its consistent
  /// point the workers leave out (SnapshotSkips). Set by the source before it streams;
  /// workers read it lock-free (earlier sets stay alive with the journal).
  void set_snapshot_skips(SnapshotSkips skips);
  /// The current set, or nullptr when none. Any thread.
  const SnapshotSkips *snapshot_skips() const {
    return snapshot_skips_.load(std::memory_order_acquire);
  }
  /// The spool directory.
  const std::string &dir() const { return opt_.dir; }
  /// True when the spool holds nothing: no transaction, no prepared transaction.
  bool empty() const { return last_lsn_ == 0 && prepared_.empty(); }

  /// Waits until what commit() asked for is durable and visible.
  void wait_durable();
  /// End LSN of the last transaction made durable (0: none).
  uint64_t spooled_lsn() const { return spooled_lsn_.load(std::memory_order_acquire); }
  /// Committed bytes some worker has not consumed yet (main segments past the slowest
  /// worker plus the files of committed big transactions).
  uint64_t backlog_bytes() const;
  bool over_limit() const { return backlog_bytes() > opt_.max_bytes; }
  /// Deletes main segments and transaction files every worker has passed.
  void collect();

  // ---- delivery workers ---------------------------------------------------------------

  /// Options for reading the main stream, and one transaction's file.
  const Options &main_options() const { return main_opt_; }
  Options txn_file_options(uint64_t serial) const;
  /// Where a worker starts reading: the oldest retained main segment.
  Position first_position() const;
  /// End of what commit() made visible.
  Position visible_end() const;
  /// Waits until visible_end() > `pos`, the journal is closed, or `timeout` passes. True
  /// when there is something to read.
  bool wait_for(Position pos, std::chrono::milliseconds timeout);
  /// Early apply (WR_CAP_EARLY_APPLY): the lowest serial above `after` of a transaction
  /// file the source is still writing (not yet committed, prepared or discarded), if any.
  /// Thread-safe.
  std::optional<uint64_t> next_open_txn_file(uint64_t after) const;
  /// Where the transaction of file `serial` stands, for a worker applying it early.
  enum class TxnFileState {
    kGone,       ///< discarded (aborted, re-sent) or prepared: it will not commit as is
    kOpen,       ///< the source is still writing it
    kCommitted,  ///< complete; its 'E' record is or will soon be visible
  };
  TxnFileState txn_file_state(uint64_t serial) const;
  /// Worker `consumer` has applied everything before `pos`. Thread-safe.
  void set_consumed(size_t consumer, Position pos);
  /// Wakes the waiting workers for good (shutdown).
  void close();

 private:
  void recover();
  void publish(Position end, uint64_t lsn);  // make [.., end) visible to the workers
  void sync_loop();                          // the sync thread (fsync: batch)
  /// Appends `payload` (after the relations it needs); returns where it starts.
  Position append_main(const std::string &payload,
                       const std::vector<std::shared_ptr<const RelationDesc>> *relations);
  void write_snapshot();
  /// Appends the 'E' record of `ref` and keeps its file until every worker passed it.
  void append_ref(const TxnRef &ref);  // pending 'P' records at the start of a new segment
  void delete_txn_files(uint64_t serial);
  /// Sets (committed true/false) or, with nullopt, forgets txn_files_[serial].
  void track_txn_file(uint64_t serial, std::optional<bool> committed);
  uint64_t txn_file_bytes(uint64_t serial) const;

  JournalOptions opt_;
  Options main_opt_, txn_opt_;
  std::string identity_;
  int lock_fd_ = -1;
  std::unique_ptr<Writer> writer_;
  uint64_t next_serial_ = 1;
  std::set<std::pair<uint32_t, uint32_t>> relations_in_segment_;
  uint64_t relations_segment_ = 0;
  /// Prepared (two-phase) transactions waiting for COMMIT / ROLLBACK PREPARED, by gid:
  /// serial of their file, gid, header (prepare LSNs), aborted subtransactions.
  std::map<std::string, TxnRef> prepared_;
  uint64_t removed_below_ = 0;  // main segments below this one are deleted
  uint64_t last_lsn_ = 0;       // end LSN of the last appended txn
  std::string buf_, rel_buf_;
  std::atomic<uint64_t> spooled_lsn_{0};
  std::vector<std::unique_ptr<const SnapshotSkips>> skips_kept_;  // source thread only
  std::atomic<const SnapshotSkips *> snapshot_skips_{nullptr};

  // Retention: committed transaction files by the position of their 'E' record.
  struct Ref {
    Position at;
    uint64_t serial;
    uint64_t bytes;
  };
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::deque<Ref> refs_;
  std::map<uint64_t, bool> txn_files_;          // serial -> committed, while the file exists
  std::map<uint64_t, uint64_t> segment_bytes_;  // main segment seq -> size (sealed ones)
  std::vector<Position> consumed_;
  Position visible_{};
  uint64_t ref_bytes_ = 0;
  bool closed_ = false;
  // Group commit (FsyncPolicy::kOnSync): commit() asks, the sync thread fdatasyncs and
  // publishes. Guarded by mu_ too.
  struct Request {
    Position end;
    uint64_t lsn = 0;
    bool operator==(const Request &) const = default;
  };
  Request requested_, synced_;
  bool stopping_ = false;
  std::string sync_error_;
  std::condition_variable sync_cv_;
  std::mutex roll_mu_;  // held by the writer while it swaps segment files
  std::thread sync_thread_;
};

}  // namespace walrelay::spool
