// libFuzzer target for the spool (core/spool): a fuzzed segment file through Reader and
// through Writer recovery. Built and seeded by scripts/fuzz.sh (seeds: spool_seeds.cpp).
//
// Input: byte 0 holds mode bits, the rest is the body of segment 1
// (<dir>/spool-0000000000000001.seg):
//   bit 0  prepend a valid 16-byte file header to the body (gets the fuzzer past the magic)
//   bit 1  rewrite each record's CRC to the correct value before writing the file, so
//          mutations reach length, raw_len and decompression handling instead of dying at
//          the CRC check; in this mode raw_len is also cut to 20 bits (keeps runs fast:
//          a reader allocates raw_len bytes before decompressing)
//   bit 2  the Writer compresses (Options.compress, compress_min_bytes 16)
//   bit 3  also write an empty segment 2 (header only), so segment 1 is sealed: a
//          truncated record there is corruption and readers cross into segment 2
// Always: a record running past the end claims at most 64 KiB more (clamp_overlong).
// Each run: (1) read every record from {0,0} until next() is false or SpoolError;
// (2) open a Writer (recovers the torn tail; SpoolError is acceptable), append one record,
// read it back from the returned position and, when a full re-read from {0,0} succeeds,
// check that it ends with that record. Any other exception, sanitizer report, or a broken
// check (abort with a message) is a finding.
#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "core/spool/record_format.h"
#include "core/spool/spool.h"

namespace sp = walrelay::spool;

namespace {

[[noreturn]] void fail(const char *what) {
  std::fprintf(stderr, "spool_fuzz: check failed: %s\n", what);
  std::abort();
}

/// The per-process scratch directory, made once under $TMPDIR (default /tmp) and removed at
/// exit when libFuzzer exits normally (scripts/fuzz.sh points TMPDIR into $FUZZ_DIR and
/// cleans it, since some libFuzzer exits skip atexit handlers).
std::string g_dir;

const std::string &scratch_dir() {
  if (g_dir.empty()) {
    const char *tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/walrelay-spool-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) fail("mkdtemp");
    g_dir = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(g_dir, ec);
    });
  }
  return g_dir;
}

std::vector<unsigned char> file_header() {
  std::vector<unsigned char> h(sp::kFileHeaderSize, 0);
  std::memcpy(h.data(), sp::kMagic, sizeof sp::kMagic);
  sp::put_u32(h.data() + 8, sp::kFormatVersion);
  return h;
}

/// Calls fn(record header, bytes after the header) for each record of `seg` from the first
/// one on, as a reader walks them; stops at the first record running past the end.
template <typename Fn>
void walk_records(std::vector<unsigned char> &seg, Fn fn) {
  size_t off = sp::kFileHeaderSize;
  while (off + sp::kRecordHeaderSize <= seg.size()) {
    unsigned char *h = seg.data() + off;
    const size_t left = seg.size() - off - sp::kRecordHeaderSize;
    if (!fn(h, left)) return;
    off += sp::kRecordHeaderSize + sp::get_u32(h);
  }
}

/// Makes every complete record's CRC (and a 20-bit raw_len) valid (mode bit 1).
void fix_crcs(std::vector<unsigned char> &seg) {
  walk_records(seg, [](unsigned char *h, size_t left) {
    const uint32_t stored = sp::get_u32(h);
    if (stored > left) return false;
    const uint32_t raw_len = sp::get_u32(h + 4) & 0xFFFFFu;
    sp::put_u32(h + 4, raw_len);
    uLong crc = crc32(0L, h + 4, 4);
    if (stored > 0) crc = crc32(crc, h + sp::kRecordHeaderSize, stored);
    sp::put_u32(h + 8, static_cast<uint32_t>(crc));
    return true;
  });
}

/// Keeps a record that runs past the end of the file (stored length <= kMaxRecordBytes)
/// from claiming more than 64 KiB past the end. It still runs past the end, so the same
/// code paths are taken, but Reader::next() allocates `stored` bytes before it finds the
/// file too short: up to 256 MiB per run otherwise, which slows fuzzing ~100-fold.
void clamp_overlong(std::vector<unsigned char> &seg) {
  walk_records(seg, [](unsigned char *h, size_t left) {
    const uint32_t stored = sp::get_u32(h);
    if (stored <= left) return true;
    if (stored <= sp::kMaxRecordBytes && stored - left > 65536)
      sp::put_u32(h, static_cast<uint32_t>(left + 1 + stored % 65536));
    return false;
  });
}

void write_file(const std::string &path, const std::vector<unsigned char> &bytes) {
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) fail("cannot create segment file");
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size())
    fail("cannot write segment file");
  std::fclose(f);
}

/// Reads from `from` to the end. Returns false on SpoolError; `last` gets the last record.
bool read_all(const sp::Options &opt, sp::Position from, std::string &last, size_t &count) {
  count = 0;
  try {
    sp::Reader r(opt, from);
    std::string rec;
    sp::Position prev = r.position();
    while (r.next(rec)) {
      if (!(prev < r.position())) fail("reader position did not advance");
      prev = r.position();
      last = rec;
      if (++count > 1000000) fail("reader does not stop");
    }
    return true;
  } catch (const sp::SpoolError &) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const unsigned mode = data[0];
  const std::string &dir = scratch_dir();
  for (const auto &e : std::filesystem::directory_iterator(dir)) std::filesystem::remove(e);

  sp::Options opt;
  opt.dir = dir;
  opt.fsync = sp::FsyncPolicy::kNever;
  std::vector<unsigned char> seg;
  if (mode & 1) seg = file_header();
  seg.insert(seg.end(), data + 1, data + size);
  if (mode & 2) fix_crcs(seg);
  clamp_overlong(seg);
  write_file(sp::segment_path(dir, opt.prefix, 1), seg);
  if (mode & 8) write_file(sp::segment_path(dir, opt.prefix, 2), file_header());

  // (1) Everything that reads as records.
  std::string last;
  size_t count = 0;
  read_all(opt, {0, 0}, last, count);

  // (2) Recovery, one append, read back.
  opt.compress = (mode & 4) != 0;
  opt.compress_min_bytes = 16;
  std::string payload(200, 'r');
  payload.append(reinterpret_cast<const char *>(data), size < 64 ? size : 64);
  sp::Position at;
  try {
    sp::Writer w(opt);
    at = w.append(payload);
    w.sync();
  } catch (const sp::SpoolError &) {
    return 0;  // unrecoverable segment (bad header, corruption before the tail)
  }
  std::string got;
  size_t n = 0;
  if (!read_all(opt, at, got, n)) fail("SpoolError reading the appended record");
  if (n != 1 || got != payload) fail("appended record does not read back");
  // Known and tolerated: a sealed segment shorter than a file header reads as "nothing
  // written yet" (Reader::open_current), so a full re-read stops there with no records.
  const bool stalls = (mode & 8) && seg.size() < sp::kFileHeaderSize;
  if (read_all(opt, {0, 0}, got, n) && !(n == 0 && stalls) && (n == 0 || got != payload))
    fail("full re-read does not end with the appended record");
  return 0;
}
