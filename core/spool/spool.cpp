// Spool segment files: append with CRC + optional zlib, torn-tail recovery, ordered reads.
#include "core/spool/spool.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/spool/record_format.h"

namespace walrelay::spool {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

/// stdio buffer of a segment stream: records are small (a single-row transaction is about
/// 100 bytes), so the default BUFSIZ (4 KiB on glibc) meant one write(2) or read(2) per few
/// dozen transactions while catching up; 64 KiB cuts those syscalls by 16×.
constexpr size_t kStreamBufferBytes = 64 * 1024;

/// Gives a freshly opened segment stream (before any I/O on it, as setvbuf requires) the
/// kStreamBufferBytes buffer `buf`, allocated on first use; the caller keeps it until the
/// stream is closed. (glibc ignores the size when setvbuf is given no buffer.)
void use_stream_buffer(std::FILE *f, std::unique_ptr<char[]> &buf) {
  if (!buf) buf = std::make_unique_for_overwrite<char[]>(kStreamBufferBytes);
  std::setvbuf(f, buf.get(), _IOFBF, kStreamBufferBytes);
}

uint32_t record_crc(uint32_t raw_len, const unsigned char *stored, size_t stored_len) {
  unsigned char raw[4];
  put_u32(raw, raw_len);
  uLong crc = crc32(0L, raw, 4);
  // Never pass an empty buffer: crc32(crc, NULL, 0) returns the initial value, not crc.
  if (stored_len > 0) crc = crc32(crc, stored, static_cast<uInt>(stored_len));
  return static_cast<uint32_t>(crc);
}

bool all_zero(std::FILE *f, uint64_t from, uint64_t to) {
  if (std::fseek(f, static_cast<long>(from), SEEK_SET) != 0) return false;
  for (uint64_t i = from; i < to; ++i)
    if (std::fgetc(f) != 0) return false;
  return true;
}

uint64_t file_size(const std::string &path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  if (ec) throw SpoolError("spool: cannot stat " + path + ": " + ec.message());
  return n;
}

void check_header(std::FILE *f, const std::string &path) {
  unsigned char h[kFileHeaderSize];
  if (std::fseek(f, 0, SEEK_SET) != 0 || std::fread(h, 1, sizeof h, f) != sizeof h ||
      std::memcmp(h, kMagic, sizeof kMagic) != 0)
    throw SpoolError("spool: " + path + " is not a walrelay spool segment (bad header)");
  if (get_u32(h + 8) != kFormatVersion)
    throw SpoolError("spool: " + path + " has format version " + std::to_string(get_u32(h + 8)) +
                     ", this walrelay reads version " + std::to_string(kFormatVersion));
}

}  // namespace

std::string segment_path(const std::string &dir, const std::string &prefix, uint64_t seq) {
  char name[40];
  std::snprintf(name, sizeof name, "-%016llx.seg", static_cast<unsigned long long>(seq));
  return dir + "/" + prefix + name;
}

std::vector<uint64_t> list_segments(const Options &options) {
  std::vector<uint64_t> out;
  std::error_code ec;
  if (!fs::is_directory(options.dir, ec)) return out;
  const std::string head = options.prefix + "-";
  for (const auto &e : fs::directory_iterator(options.dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() != head.size() + 16 + 4 || n.compare(0, head.size(), head) != 0 ||
        n.compare(n.size() - 4, 4, ".seg") != 0)
      continue;
    out.push_back(std::stoull(n.substr(head.size(), 16), nullptr, 16));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ------------------------------------------------------------------------------------------
// Writer

Writer::Writer(Options options) : opt_(std::move(options)) {
  std::error_code ec;
  fs::create_directories(opt_.dir, ec);
  if (ec) throw SpoolError("spool: cannot create directory " + opt_.dir + ": " + ec.message());
  const auto segs = list_segments(opt_);
  if (segs.empty()) {
    open_segment(1, true);
    return;
  }
  // Recover the newest segment: keep every complete record, cut a torn tail.
  seq_ = segs.back();
  const std::string path = segment_path(opt_.dir, opt_.prefix, seq_);
  const uint64_t total = file_size(path);
  if (total < kFileHeaderSize) {  // crashed while creating it
    recovered_tail_ = total;
    open_segment(seq_, true);
    return;
  }
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) throw SpoolError("spool: cannot open " + path + ": " + errno_text());
  check_header(f, path);
  uint64_t off = kFileHeaderSize;
  std::vector<unsigned char> buf;
  while (off < total) {
    unsigned char h[kRecordHeaderSize];
    const bool header_ok = off + kRecordHeaderSize <= total &&
                           std::fseek(f, static_cast<long>(off), SEEK_SET) == 0 &&
                           std::fread(h, 1, sizeof h, f) == sizeof h;
    const uint32_t stored = header_ok ? get_u32(h) : 0;
    const uint64_t end = off + kRecordHeaderSize + stored;
    if (!header_ok || stored > kMaxRecordBytes || end > total) break;  // torn: runs past EOF
    buf.resize(stored);
    if (std::fread(buf.data(), 1, stored, f) != stored) break;
    if (record_crc(get_u32(h + 4), buf.data(), stored) != get_u32(h + 8)) {
      if (all_zero(f, off, total)) break;  // zeroed tail: torn
      std::fclose(f);
      throw SpoolError("spool: corrupt record in " + path + " at byte offset " +
                       std::to_string(off) + " (CRC mismatch, " + std::to_string(total - end) +
                       " bytes follow it)");
    }
    off = end;
  }
  std::fclose(f);
  recovered_tail_ = total - off;
  if (recovered_tail_ > 0) {
    if (::truncate(path.c_str(), static_cast<off_t>(off)) != 0)
      throw SpoolError("spool: cannot cut torn tail of " + path + ": " + errno_text());
  }
  open_segment(seq_, false);
}

Writer::~Writer() {
  if (file_) {
    std::fflush(file_);
    if (opt_.fsync != FsyncPolicy::kNever) ::fdatasync(fileno(file_));
    std::fclose(file_);
  }
}

void Writer::open_segment(uint64_t seq, bool create) {
  const std::string path = segment_path(opt_.dir, opt_.prefix, seq);
  file_ = std::fopen(path.c_str(), create ? "wb" : "ab");
  if (!file_) throw SpoolError("spool: cannot open " + path + ": " + errno_text());
  use_stream_buffer(file_, stream_buf_);
  seq_ = seq;
  if (create) {
    unsigned char h[kFileHeaderSize] = {};
    std::memcpy(h, kMagic, sizeof kMagic);
    put_u32(h + 8, kFormatVersion);
    size_ = 0;
    write_all(h, sizeof h);
    // Readers may open the segment at once: never let them see it without its header.
    if (std::fflush(file_) != 0)
      throw SpoolError("spool: writing the header of " + path + " failed: " + errno_text());
  } else {
    size_ = file_size(path);
  }
}

void Writer::write_all(const void *data, size_t len) {
  if (len && std::fwrite(data, 1, len, file_) != len)
    throw SpoolError("spool: write to " + segment_path(opt_.dir, opt_.prefix, seq_) +
                     " failed: " + errno_text());
  size_ += len;
}

Position Writer::append(std::string_view payload) {
  if (payload.size() > kMaxRecordBytes)
    throw SpoolError("spool: record of " + std::to_string(payload.size()) +
                     " bytes exceeds the limit of " + std::to_string(kMaxRecordBytes));
  if (needs_roll(payload.size())) roll();
  const auto *raw = reinterpret_cast<const unsigned char *>(payload.data());
  const unsigned char *stored = raw;
  size_t stored_len = payload.size();
  uint32_t raw_len = 0;
  if (opt_.compress && payload.size() >= opt_.compress_min_bytes) {
    uLongf zlen = compressBound(static_cast<uLong>(payload.size()));
    zbuf_.resize(zlen);
    if (compress2(zbuf_.data(), &zlen, raw, static_cast<uLong>(payload.size()),
                  opt_.compress_level) == Z_OK &&
        zlen < payload.size()) {
      stored = zbuf_.data();
      stored_len = zlen;
      raw_len = static_cast<uint32_t>(payload.size());
    }
  }
  const Position at{seq_, size_};
  unsigned char h[kRecordHeaderSize];
  put_u32(h, static_cast<uint32_t>(stored_len));
  put_u32(h + 4, raw_len);
  put_u32(h + 8, record_crc(raw_len, stored, stored_len));
  write_all(h, sizeof h);
  write_all(stored, stored_len);
  if (opt_.fsync == FsyncPolicy::kAlways) sync();
  return at;
}

bool Writer::needs_roll(size_t payload_len) const {
  return size_ > kFileHeaderSize && size_ + kRecordHeaderSize + payload_len > opt_.segment_bytes;
}

void Writer::roll() {
  sync();  // a sealed segment is complete on disk before the next one starts
  std::unique_lock<std::mutex> lock;
  if (roll_mu_) lock = std::unique_lock<std::mutex>(*roll_mu_);
  if (std::fclose(file_) != 0) throw SpoolError("spool: closing segment failed: " + errno_text());
  file_ = nullptr;
  open_segment(seq_ + 1, true);
}

void Writer::flush() {
  if (std::fflush(file_) != 0)
    throw SpoolError("spool: flushing " + segment_path(opt_.dir, opt_.prefix, seq_) +
                     " failed: " + errno_text());
}

void Writer::sync_from_other_thread() {
  std::unique_lock<std::mutex> lock;
  if (roll_mu_) lock = std::unique_lock<std::mutex>(*roll_mu_);
  if (file_ && opt_.fsync != FsyncPolicy::kNever && ::fdatasync(fileno(file_)) != 0)
    throw SpoolError("spool: fsync of " + segment_path(opt_.dir, opt_.prefix, seq_) +
                     " failed: " + errno_text());
}

void Writer::sync() {
  if (std::fflush(file_) != 0)
    throw SpoolError("spool: flushing " + segment_path(opt_.dir, opt_.prefix, seq_) +
                     " failed: " + errno_text());
  if (opt_.fsync != FsyncPolicy::kNever && ::fdatasync(fileno(file_)) != 0)
    throw SpoolError("spool: fsync of " + segment_path(opt_.dir, opt_.prefix, seq_) +
                     " failed: " + errno_text());
}

void Writer::remove_before(const Position &keep_from) {
  for (uint64_t s : list_segments(opt_))
    if (s < keep_from.segment && s != seq_) {
      std::error_code ec;  // a segment that cannot be removed now is removed next time
      fs::remove(segment_path(opt_.dir, opt_.prefix, s), ec);
    }
}

// ------------------------------------------------------------------------------------------
// Reader

Reader::Reader(Options options, Position from) : opt_(std::move(options)), pos_(from) {
  if (pos_.segment == 0) {
    const auto segs = list_segments(opt_);
    pos_.segment = segs.empty() ? 1 : segs.front();
  }
  if (pos_.offset < kFileHeaderSize) pos_.offset = kFileHeaderSize;
}

Reader::~Reader() {
  if (file_) std::fclose(file_);
}

bool Reader::open_current() {
  const std::string path = segment_path(opt_.dir, opt_.prefix, pos_.segment);
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) return false;
  use_stream_buffer(file_, stream_buf_);
  std::error_code ec;
  if (fs::file_size(path, ec) < kFileHeaderSize) {
    std::fclose(file_);
    file_ = nullptr;
    // A later segment exists, so this one was sealed without even its header: damage.
    if (fs::exists(segment_path(opt_.dir, opt_.prefix, pos_.segment + 1)))
      throw SpoolError("spool: " + path + " is shorter than a segment header (damaged)");
    return false;  // being created right now
  }
  check_header(file_, path);
  return true;
}

bool Reader::next(std::string &out) {
  // Hot path (one call per transaction record): no stat, no seek, no string formatting
  // unless a short read or an error needs them.
  const auto path = [&] { return segment_path(opt_.dir, opt_.prefix, pos_.segment); };
  const auto sealed = [&] {
    return std::filesystem::exists(segment_path(opt_.dir, opt_.prefix, pos_.segment + 1));
  };
  for (;;) {
    if (!file_) {
      if (!open_current()) return false;
      file_pos_ = UINT64_MAX;
    }
    if (file_pos_ != pos_.offset) {
      std::clearerr(file_);
      if (std::fseek(file_, static_cast<long>(pos_.offset), SEEK_SET) != 0)
        throw SpoolError("spool: cannot seek in " + path() + ": " + std::strerror(errno));
      file_pos_ = pos_.offset;
    }
    unsigned char h[kRecordHeaderSize];
    if (std::fread(h, 1, sizeof h, file_) != sizeof h) {
      file_pos_ = UINT64_MAX;       // position unknown after a short read
      if (!sealed()) return false;  // nothing more written yet
      std::fclose(file_);           // this segment is done: go on with the next one
      file_ = nullptr;
      pos_ = {pos_.segment + 1, kFileHeaderSize};
      continue;
    }
    const uint32_t stored = get_u32(h), raw_len = get_u32(h + 4);
    if (stored > kMaxRecordBytes || raw_len > kMaxRecordBytes)
      throw SpoolError("spool: corrupt record in " + path() + " at byte offset " +
                       std::to_string(pos_.offset) + " (length " + std::to_string(stored) + ")");
    // Never allocate much for a length the file cannot hold (a corrupt or torn header);
    // small records are not worth a stat per read.
    if (stored > (64u << 10)) {
      std::error_code size_ec;
      const uint64_t file_bytes = std::filesystem::file_size(path(), size_ec);
      if (!size_ec && pos_.offset + kRecordHeaderSize + stored > file_bytes) {
        file_pos_ = UINT64_MAX;
        if (!sealed()) return false;  // the writer is mid-append
        throw SpoolError("spool: truncated record in " + path() + " at byte offset " +
                         std::to_string(pos_.offset) + " (length " + std::to_string(stored) +
                         " runs past the end of the file)");
      }
    }
    // An uncompressed record is read straight into `out` (no second copy); a compressed
    // one into buf_, then inflated into `out`.
    unsigned char *dst = nullptr;
    if (raw_len == 0) {
      out.resize(stored);
      dst = reinterpret_cast<unsigned char *>(out.data());
    } else {
      buf_.resize(stored);
      dst = buf_.data();
    }
    if (std::fread(dst, 1, stored, file_) != stored) {
      file_pos_ = UINT64_MAX;
      if (!sealed()) return false;  // the writer is mid-append
      throw SpoolError("spool: truncated record in " + path() + " at byte offset " +
                       std::to_string(pos_.offset));
    }
    file_pos_ = pos_.offset + kRecordHeaderSize + stored;
    if (record_crc(raw_len, dst, stored) != get_u32(h + 8))
      throw SpoolError("spool: corrupt record in " + path() + " at byte offset " +
                       std::to_string(pos_.offset) + " (CRC mismatch)");
    if (raw_len != 0) {
      out.resize(raw_len);
      uLongf n = raw_len;
      if (uncompress(reinterpret_cast<Bytef *>(out.data()), &n, buf_.data(), stored) != Z_OK ||
          n != raw_len)
        throw SpoolError("spool: record in " + path() + " at byte offset " +
                         std::to_string(pos_.offset) + " does not decompress");
    }
    pos_.offset += kRecordHeaderSize + stored;
    return true;
  }
}

}  // namespace walrelay::spool
