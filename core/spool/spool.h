// The spool: append-only segment files of CRC-checked, optionally zlib-compressed records.
//
// A spool is a named sequence of records in one directory, split over segment files of a
// bounded size. The writer appends; a reader iterates from any position it was given by
// the writer. Crash rules: a record is complete once its bytes (header + payload) are on
// disk; a torn last record (cut short, or a CRC mismatch at the very end of the newest
// segment) is what a crash mid-append leaves, and opening the spool for writing cuts it
// off. A bad record anywhere else is corruption: reading it raises SpoolError naming the
// file and the byte offset, and nothing after it is delivered as if it were good.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace walrelay::spool {

/// Any spool failure: I/O errors (with errno text), corruption (file + offset), misuse.
class SpoolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// When appended records are forced to disk.
enum class FsyncPolicy {
  kNever,   ///< leave it to the OS (fastest; a machine crash may lose the tail)
  kOnSync,  ///< on every explicit Writer::sync() (e.g. once per received transaction)
  kAlways,  ///< after every append
};

struct Options {
  std::string dir;                     ///< created if missing
  std::string prefix = "spool";        ///< segment file name prefix
  uint64_t segment_bytes = 64u << 20;  ///< roll to a new segment past this size
  bool compress = false;               ///< zlib-compress records of >= compress_min_bytes
  uint32_t compress_min_bytes = 512;
  int compress_level = 1;  ///< zlib level 1..9
  FsyncPolicy fsync = FsyncPolicy::kOnSync;
};

/// Where a record starts: segment sequence number and byte offset in that segment.
struct Position {
  uint64_t segment = 0;
  uint64_t offset = 0;
  bool operator==(const Position &) const = default;
  auto operator<=>(const Position &) const = default;
};

/// Appends records. Single-threaded. Opening recovers the newest segment (cuts a torn tail)
/// and continues after it.
class Writer {
 public:
  explicit Writer(Options options);
  ~Writer();
  Writer(const Writer &) = delete;
  Writer &operator=(const Writer &) = delete;

  /// Appends one record; returns where it starts. Throws SpoolError on I/O failure (e.g.
  /// disk full), after which the writer must not be used (reopen to recover).
  Position append(std::string_view payload);
  /// Flushes buffered bytes and, with FsyncPolicy kOnSync/kAlways, fsyncs the segment.
  void sync();
  /// Hands buffered bytes to the OS (readers see them), without fsync.
  void flush();
  /// fdatasync of the current segment, callable from another thread than append(): it
  /// takes the roll mutex (see set_roll_mutex), so the segment cannot be closed meanwhile.
  /// Only bytes handed over by an earlier flush() are covered.
  void sync_from_other_thread();
  /// A mutex held while roll() swaps segment files (for sync_from_other_thread).
  void set_roll_mutex(std::mutex *mu) { roll_mu_ = mu; }
  /// True when appending a payload of `payload_len` bytes would start a new segment.
  bool needs_roll(size_t payload_len) const;
  /// Seals the current segment (synced) and starts the next one now.
  void roll();
  /// Position the next record will get.
  Position end() const { return {seq_, size_}; }
  /// Deletes every segment whose records all lie before `keep_from` (they were consumed).
  void remove_before(const Position &keep_from);
  /// Bytes cut off the newest segment when opening (a torn record), for logs and tests.
  uint64_t recovered_tail_bytes() const { return recovered_tail_; }

 private:
  void open_segment(uint64_t seq, bool create);
  void write_all(const void *data, size_t len);

  Options opt_;
  std::FILE *file_ = nullptr;
  std::unique_ptr<char[]> stream_buf_;  // file_'s stdio buffer, kept across segments
  std::mutex *roll_mu_ = nullptr;
  uint64_t seq_ = 0;
  uint64_t size_ = 0;
  uint64_t recovered_tail_ = 0;
  std::vector<unsigned char> zbuf_;  // reused compression buffer
};

/// Reads records in order from a position, across segments. Single-threaded.
class Reader {
 public:
  Reader(Options options, Position from);
  ~Reader();
  Reader(const Reader &) = delete;
  Reader &operator=(const Reader &) = delete;

  /// Reads the next record into `out` (replacing its content). Returns false at the end of
  /// what has been written so far (call again later to continue). Throws SpoolError on
  /// corruption, naming the segment file and offset.
  bool next(std::string &out);
  /// Position of the record next() will return.
  Position position() const { return pos_; }

 private:
  bool open_current();

  Options opt_;
  Position pos_;
  std::FILE *file_ = nullptr;
  std::unique_ptr<char[]> stream_buf_;  // file_'s stdio buffer, kept across segments
  uint64_t file_pos_ = UINT64_MAX;      // where file_ stands, when known (saves a seek per record)
  std::vector<unsigned char> buf_;
};

/// Segment sequence numbers present in the spool directory, ascending.
std::vector<uint64_t> list_segments(const Options &options);

}  // namespace walrelay::spool
