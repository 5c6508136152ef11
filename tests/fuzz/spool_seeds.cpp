// Seed corpus generator for spool_fuzz: writes real segment files with spool::Writer and
// saves them in spool_fuzz's input format (mode byte + segment body; see spool_fuzz.cpp).
//   spool_seeds OUT_DIR        (built and run by scripts/fuzz.sh)
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/spool/record_format.h"
#include "core/spool/spool.h"

namespace sp = walrelay::spool;
namespace fs = std::filesystem;

namespace {

/// Writes `records` into a fresh spool and returns the bytes of segment 1.
std::string make_segment(const std::vector<std::string> &records, bool compress) {
  char tmpl[] = "/tmp/walrelay-spool-seeds-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  sp::Options opt;
  opt.dir = tmpl;
  opt.fsync = sp::FsyncPolicy::kNever;
  opt.compress = compress;
  opt.compress_min_bytes = 16;
  {
    sp::Writer w(opt);
    for (const auto &r : records) w.append(r);
  }
  std::ifstream in(sp::segment_path(opt.dir, opt.prefix, 1), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(opt.dir);
  return bytes;
}

/// Saves one seed: mode byte, then the segment (without its header when mode bit 0 is set,
/// since the target prepends one).
void save(const fs::path &out, const std::string &name, unsigned mode, const std::string &seg) {
  std::ofstream f(out / ("seed-" + name), std::ios::binary);
  f.put(static_cast<char>(mode));
  f << ((mode & 1) ? seg.substr(sp::kFileHeaderSize) : seg);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  fs::create_directories(out);
  const std::vector<std::string> small = {"a", "", "hello spool", std::string(40, 'x')};
  std::vector<std::string> big;
  for (int i = 0; i < 3; ++i) big.push_back(std::string(300, static_cast<char>('k' + i)) + "tail");

  const std::string plain = make_segment(small, false);
  const std::string zipped = make_segment(big, true);
  save(out, "plain-full-file", 0, plain);
  save(out, "plain", 1, plain);
  save(out, "plain-fixcrc", 3, plain);
  save(out, "plain-sealed", 9, plain);
  save(out, "compressed", 1 | 4, zipped);
  save(out, "compressed-fixcrc", 3 | 4, zipped);
  save(out, "header-only", 1, make_segment({}, false));
  // A torn tail: the last record cut in the middle, and a zeroed tail.
  save(out, "torn", 1, zipped.substr(0, zipped.size() - 7));
  save(out, "torn-sealed", 1 | 8, plain.substr(0, plain.size() - 5));
  save(out, "zeroed-tail", 1, plain + std::string(30, '\0'));
  // Corruption before the tail: one payload byte flipped in the first record.
  std::string bad = plain;
  bad[sp::kFileHeaderSize + sp::kRecordHeaderSize] ^= 0x40;
  save(out, "corrupt-middle", 1, bad);
  return 0;
}
