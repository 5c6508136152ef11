// Journal: committed transactions in the spool; recovery, retention, back-pressure.
#include "core/spool/journal.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/spool/record_format.h"
#include "core/util/lsn.h"

namespace walrelay::spool {

namespace fs = std::filesystem;

namespace {

std::string serial_prefix(uint64_t serial) {
  char p[24];
  std::snprintf(p, sizeof p, "t%016llx", static_cast<unsigned long long>(serial));
  return p;
}

// Serial of a transaction file name "t<16 hex>-<16 hex>.seg", or 0.
uint64_t serial_of(const std::string &name) {
  if (name.size() != 1 + 16 + 1 + 16 + 4 || name[0] != 't' || name[17] != '-' ||
      name.compare(name.size() - 4, 4, ".seg") != 0)
    return 0;
  try {
    return std::stoull(name.substr(1, 16), nullptr, 16);
  } catch (const std::exception &) {
    return 0;
  }
}

}  // namespace

TxnFile::TxnFile(const Options &options, uint64_t serial) : serial_(serial), writer_(options) {}

Journal::Journal(JournalOptions options, size_t consumers) : opt_(std::move(options)) {
  main_opt_.dir = opt_.dir;
  main_opt_.prefix = kJournalMainPrefix;
  main_opt_.segment_bytes = opt_.segment_bytes;
  main_opt_.compress = opt_.compress;
  main_opt_.fsync = opt_.fsync;
  txn_opt_ = main_opt_;
  txn_opt_.dir = opt_.dir + "/txn";
  std::error_code ec;
  fs::create_directories(txn_opt_.dir, ec);
  if (ec) throw SpoolError("spool: cannot create directory " + txn_opt_.dir + ": " + ec.message());
  const std::string lock_path = opt_.dir + "/LOCK";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0)
    throw SpoolError("spool: cannot open " + lock_path + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw SpoolError("spool: directory " + opt_.dir + " is in use by another walrelay process (" +
                     lock_path + " is locked); give each walrelay its own spool.dir");
  }
  {
    std::FILE *f = std::fopen((opt_.dir + "/SOURCE").c_str(), "rb");
    if (f) {
      char buf[512];
      const size_t n = std::fread(buf, 1, sizeof buf, f);
      std::fclose(f);
      identity_.assign(buf, n);
      while (!identity_.empty() && (identity_.back() == '\n' || identity_.back() == '\r'))
        identity_.pop_back();
    }
  }
  writer_ = std::make_unique<Writer>(main_opt_);
  if (writer_->recovered_tail_bytes() > 0)
    spdlog::warn("spool: cut a torn record of {} bytes off the end of {} (left by a crash)",
                 writer_->recovered_tail_bytes(),
                 segment_path(main_opt_.dir, main_opt_.prefix, writer_->end().segment));
  recover();
  consumed_.assign(std::max<size_t>(consumers, 1), first_position());
  visible_ = writer_->end();
  requested_ = synced_ = {visible_, last_lsn_};
  relations_segment_ = writer_->end().segment;
  if (opt_.fsync == FsyncPolicy::kOnSync) {
    writer_->set_roll_mutex(&roll_mu_);
    sync_thread_ = std::thread([this] { sync_loop(); });
  }
}

Journal::~Journal() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  sync_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  try {
    writer_.reset();  // flushes and syncs what is left
  } catch (...) {
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void Journal::recover() {
  const auto segs = list_segments(main_opt_);
  for (size_t i = 0; i < segs.size(); ++i)
    if (i + 1 < segs.size())
      segment_bytes_[segs[i]] =
          fs::file_size(segment_path(main_opt_.dir, main_opt_.prefix, segs[i]));
  Reader reader(main_opt_, Position{});
  std::string rec;
  uint64_t txns = 0;
  for (;;) {
    const Position at = reader.position();
    if (!reader.next(rec)) break;
    const RecordType type = record_type(rec);
    try {
      switch (type) {
        case RecordType::kTxn:
          last_lsn_ = std::max(last_lsn_, decode_txn_header(rec).end_lsn);
          ++txns;
          break;
        case RecordType::kTxnRef: {
          TxnRef ref = decode_txn_ref(rec);
          last_lsn_ = std::max(last_lsn_, ref.header.end_lsn);
          const uint64_t bytes = txn_file_bytes(ref.serial);
          refs_.push_back({at, ref.serial, bytes});
          ref_bytes_ += bytes;
          ++txns;
          break;
        }
        case RecordType::kPrepared: {
          TxnRef ref = decode_txn_ref(rec);
          const std::string gid = ref.gid;
          prepared_[gid] = std::move(ref);
          break;
        }
        case RecordType::kFinished:
          prepared_.erase(decode_finished(rec));
          break;
        default:
          break;
      }
    } catch (const SpoolError &e) {
      throw SpoolError(std::string(e.what()) + " in " +
                       segment_path(main_opt_.dir, main_opt_.prefix, at.segment) +
                       " at byte offset " + std::to_string(at.offset));
    }
  }
  spooled_lsn_ = last_lsn_;
  // Transaction files: keep the committed and the prepared ones, delete leftovers of
  // transactions that were in progress when the last run ended.
  std::set<uint64_t> keep;
  for (const auto &r : refs_) keep.insert(r.serial);
  for (const auto &[gid, p] : prepared_) keep.insert(p.serial);
  std::set<uint64_t> leftovers;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(txn_opt_.dir, ec)) {
    const uint64_t s = serial_of(e.path().filename().string());
    if (s == 0) continue;
    next_serial_ = std::max(next_serial_, s + 1);
    if (!keep.count(s)) leftovers.insert(s);
  }
  for (uint64_t s : keep) next_serial_ = std::max(next_serial_, s + 1);
  for (uint64_t s : leftovers) delete_txn_files(s);
  if (txns || !prepared_.empty() || !leftovers.empty())
    spdlog::info(
        "spool: {} holds {} transactions up to {}, {} prepared transactions; "
        "dropped {} unfinished transaction files",
        opt_.dir, txns, format_lsn(last_lsn_), prepared_.size(), leftovers.size());
}

void Journal::set_snapshot_skips(SnapshotSkips skips) {
  if (skips.empty() && snapshot_skips() == nullptr) return;
  skips_kept_.push_back(std::make_unique<const SnapshotSkips>(std::move(skips)));
  snapshot_skips_.store(skips_kept_.back().get(), std::memory_order_release);
}

void Journal::set_source_identity(const std::string &identity) {
  const std::string path = opt_.dir + "/SOURCE", tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const std::string text = identity + "\n";
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(fd) != 0) {
    const std::string err = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw SpoolError("spool: cannot write " + tmp + ": " + err);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    throw SpoolError("spool: cannot rename " + tmp + ": " + std::strerror(errno));
  identity_ = identity;
}

Options Journal::txn_file_options(uint64_t serial) const {
  Options o = txn_opt_;
  o.prefix = serial_prefix(serial);
  return o;
}

uint64_t Journal::txn_file_bytes(uint64_t serial) const {
  const Options o = txn_file_options(serial);
  uint64_t bytes = 0;
  for (uint64_t s : list_segments(o)) {
    std::error_code ec;
    const auto n = fs::file_size(segment_path(o.dir, o.prefix, s), ec);
    if (!ec) bytes += n;
  }
  return bytes;
}

void Journal::delete_txn_files(uint64_t serial) {
  track_txn_file(serial, std::nullopt);
  const Options o = txn_file_options(serial);
  std::error_code ec;
  for (uint64_t s : list_segments(o)) fs::remove(segment_path(o.dir, o.prefix, s), ec);
}

std::unique_ptr<TxnFile> Journal::open_txn_file() {
  const uint64_t serial = next_serial_++;
  delete_txn_files(serial);  // never continue a stranger's file
  auto file = std::make_unique<TxnFile>(txn_file_options(serial), serial);
  track_txn_file(serial, false);
  return file;
}

void Journal::track_txn_file(uint64_t serial, std::optional<bool> committed) {
  std::lock_guard<std::mutex> lock(mu_);
  if (committed)
    txn_files_[serial] = *committed;
  else
    txn_files_.erase(serial);
}

std::optional<uint64_t> Journal::next_open_txn_file(uint64_t after) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = txn_files_.upper_bound(after); it != txn_files_.end(); ++it)
    if (!it->second) return it->first;
  return std::nullopt;
}

Journal::TxnFileState Journal::txn_file_state(uint64_t serial) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = txn_files_.find(serial);
  if (it == txn_files_.end()) return TxnFileState::kGone;
  return it->second ? TxnFileState::kCommitted : TxnFileState::kOpen;
}

void Journal::write_chunk(TxnFile &file, const Transaction &txn, size_t from, size_t to,
                          const uint32_t *subxids) {
  for (const auto &rel : txn.relations) {
    const std::pair<uint32_t, uint32_t> key{rel->id(), rel->generation()};
    if (file.relations_written_.count(key)) continue;
    rel_buf_.clear();
    encode_relation(*rel->abi(), rel_buf_);
    file.writer_.append(rel_buf_);
    file.relations_written_.insert(key);
  }
  buf_.clear();
  encode_chunk(txn, from, to, subxids, buf_);
  file.writer_.append(buf_);
  file.n_changes_ += to - from;
}

void Journal::discard(std::unique_ptr<TxnFile> file) {
  if (!file) return;
  const uint64_t serial = file->serial();
  file.reset();
  delete_txn_files(serial);
}

void Journal::write_snapshot() {
  for (const auto &[gid, p] : prepared_) {
    rel_buf_.clear();
    encode_txn_ref(p, RecordType::kPrepared, rel_buf_);
    writer_->append(rel_buf_);
  }
}

Position Journal::append_main(const std::string &payload,
                              const std::vector<std::shared_ptr<const RelationDesc>> *relations) {
  // Relations a record needs go before it in the same segment, so a worker that starts at
  // any retained segment knows them.
  if (writer_->end().segment != relations_segment_) {
    relations_in_segment_.clear();
    relations_segment_ = writer_->end().segment;
  }
  size_t needed = payload.size() + kRecordHeaderSize;
  if (relations)
    for (const auto &rel : *relations)
      if (!relations_in_segment_.count({rel->id(), rel->generation()}))
        needed += 64 + 48 * rel->abi()->n_columns;  // estimate; only decides the roll
  if (writer_->needs_roll(needed)) {
    const uint64_t sealed = writer_->end().segment, size = writer_->end().offset;
    writer_->roll();
    {
      std::lock_guard<std::mutex> lock(mu_);
      segment_bytes_[sealed] = size;
    }
    relations_in_segment_.clear();
    relations_segment_ = writer_->end().segment;
    write_snapshot();
  }
  if (relations)
    for (const auto &rel : *relations) {
      const std::pair<uint32_t, uint32_t> key{rel->id(), rel->generation()};
      if (relations_in_segment_.count(key)) continue;
      rel_buf_.clear();
      encode_relation(*rel->abi(), rel_buf_);
      writer_->append(rel_buf_);
      relations_in_segment_.insert(key);
    }
  return writer_->append(payload);
}

void Journal::append_txn(const Transaction &txn) {
  buf_.clear();
  encode_txn(txn, buf_);
  append_main(buf_, &txn.relations);
  last_lsn_ = std::max(last_lsn_, txn.abi.end_lsn);
}

void Journal::append_ref(const TxnRef &ref) {
  buf_.clear();
  encode_txn_ref(ref, RecordType::kTxnRef, buf_);
  const Position at = append_main(buf_, nullptr);
  const uint64_t bytes = txn_file_bytes(ref.serial);  // every segment of the file
  {
    std::lock_guard<std::mutex> lock(mu_);
    refs_.push_back({at, ref.serial, bytes});
    ref_bytes_ += bytes;
  }
  last_lsn_ = std::max(last_lsn_, ref.header.end_lsn);
}

void Journal::append_txn_ref(std::unique_ptr<TxnFile> file, const TxnHeader &header,
                             std::vector<uint32_t> aborted) {
  file->writer_.sync();
  TxnRef ref;
  ref.header = header;
  ref.serial = file->serial();
  ref.n_changes = file->n_changes();
  ref.aborted = std::move(aborted);
  file.reset();
  track_txn_file(ref.serial, true);
  append_ref(ref);
}

void Journal::append_prepared(std::unique_ptr<TxnFile> file, const std::string &gid,
                              const TxnHeader &prepare, std::vector<uint32_t> aborted) {
  file->writer_.sync();
  auto old = prepared_.find(gid);
  if (old !=
      prepared_.end()) {  // the server sent the prepare again (restart before it was confirmed)
    delete_txn_files(old->second.serial);
    prepared_.erase(old);
  }
  TxnRef p;
  p.serial = file->serial();
  p.gid = gid;
  p.header = prepare;
  p.n_changes = file->n_changes();
  p.aborted = std::move(aborted);
  file.reset();
  track_txn_file(p.serial, std::nullopt);  // prepared: not for early apply
  buf_.clear();
  encode_txn_ref(p, RecordType::kPrepared, buf_);
  append_main(buf_, nullptr);
  prepared_[gid] = std::move(p);
}

bool Journal::commit_prepared(const std::string &gid, const TxnHeader &commit) {
  auto it = prepared_.find(gid);
  if (it == prepared_.end()) return false;
  TxnRef ref = std::move(it->second);
  prepared_.erase(it);
  ref.header = commit;
  append_ref(ref);
  buf_.clear();
  encode_finished(gid, buf_);
  append_main(buf_, nullptr);
  return true;
}

bool Journal::rollback_prepared(const std::string &gid) {
  auto it = prepared_.find(gid);
  if (it == prepared_.end()) return false;
  const uint64_t serial = it->second.serial;
  prepared_.erase(it);
  buf_.clear();
  encode_finished(gid, buf_);
  append_main(buf_, nullptr);
  writer_->sync();  // the 'X' is on disk before the file goes
  delete_txn_files(serial);
  return true;
}

void Journal::commit() {
  if (opt_.fsync != FsyncPolicy::kOnSync) {
    writer_->sync();  // kAlways: every append was synced already; kNever: flush only
    publish(writer_->end(), last_lsn_);
    return;
  }
  // fdatasync on the sync thread, so the source goes on reading meanwhile; whatever is
  // appended until it is done shares the next fdatasync (group commit).
  writer_->flush();
  std::lock_guard<std::mutex> lock(mu_);
  if (!sync_error_.empty()) throw SpoolError(sync_error_);
  requested_ = {writer_->end(), last_lsn_};
  sync_cv_.notify_one();
}

void Journal::wait_durable() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return synced_ == requested_ || !sync_error_.empty() || stopping_; });
  if (!sync_error_.empty()) throw SpoolError(sync_error_);
}

void Journal::publish(Position end, uint64_t lsn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (visible_ < end) visible_ = end;
  }
  if (lsn > spooled_lsn_.load(std::memory_order_relaxed))
    spooled_lsn_.store(lsn, std::memory_order_release);
  cv_.notify_all();
}

void Journal::sync_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    sync_cv_.wait(lock, [&] { return stopping_ || synced_ != requested_; });
    if (synced_ == requested_) return;  // stopping, nothing left to sync
    const Request req = requested_;
    lock.unlock();
    std::string err;
    try {
      writer_->sync_from_other_thread();
    } catch (const SpoolError &e) {
      err = e.what();
    }
    lock.lock();
    if (!err.empty()) {
      sync_error_ = err;  // the source sees it at its next commit()
      spdlog::error("{}", err);
      return;
    }
    synced_ = req;
    lock.unlock();
    publish(req.end, req.lsn);
    // Group-commit window: at most one fdatasync per spool.group_commit_ms; what arrives
    // meanwhile shares the next one. Costs at most that much latency before the sinks see
    // a transaction; saves an fdatasync (and its writeback CPU) per read burst.
    if (opt_.group_commit.count() > 0) std::this_thread::sleep_for(opt_.group_commit);
    lock.lock();
  }
}

Position Journal::first_position() const {
  const auto segs = list_segments(main_opt_);
  return Position{segs.empty() ? 1 : segs.front(), kFileHeaderSize};
}

Position Journal::visible_end() const {
  std::lock_guard<std::mutex> lock(mu_);
  return visible_;
}

bool Journal::wait_for(Position pos, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return closed_ || pos < visible_; });
  return pos < visible_;
}

void Journal::set_consumed(size_t consumer, Position pos) {
  std::lock_guard<std::mutex> lock(mu_);
  Position &c = consumed_.at(consumer);
  if (c < pos) c = pos;
}

void Journal::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

uint64_t Journal::backlog_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  const Position low = *std::min_element(consumed_.begin(), consumed_.end());
  uint64_t b = ref_bytes_;
  for (auto it = segment_bytes_.lower_bound(low.segment); it != segment_bytes_.end(); ++it)
    b += it->second;
  if (visible_.segment >= low.segment) b += visible_.offset;
  const uint64_t done = low.offset;
  return b > done ? b - done : 0;
}

void Journal::collect() {
  Position low;
  std::vector<uint64_t> files;
  {
    std::lock_guard<std::mutex> lock(mu_);
    low = *std::min_element(consumed_.begin(), consumed_.end());
    while (!refs_.empty() && refs_.front().at < low) {
      files.push_back(refs_.front().serial);
      ref_bytes_ -= refs_.front().bytes;
      refs_.pop_front();
    }
    segment_bytes_.erase(segment_bytes_.begin(), segment_bytes_.lower_bound(low.segment));
  }
  for (uint64_t s : files) delete_txn_files(s);
  // Listing the directory only pays when the slowest worker entered a newer segment.
  if (low.segment > removed_below_) {
    writer_->remove_before(low);
    removed_below_ = low.segment;
  }
}

}  // namespace walrelay::spool
