// walrelay_decode_bench: pgoutput Decoder throughput (Google Benchmark).
//
//   captured/<file>     every message of one captured PostgreSQL 15 stream
//                       (tests/data/pgoutput/<file>.hex), in order, through one Decoder
//   captured/all        all captured files one after the other
//   synthetic/inserts_per_txn:N
//                       Begin + N x Insert + Commit, repeated to ~4 MiB; the Insert is the
//                       captured 12-column all_types row of types.hex
//
// Reports items (= messages) per second and bytes (= pgoutput payload bytes, the XLogData
// contents; no CopyData/XLogData framing) per second. Only decoding is timed: messages are
// loaded into one contiguous buffer before the clock starts.
//
// The data directory is WALRELAY_PGOUTPUT_DATA_DIR from the environment if set, else the
// source tree's tests/data/pgoutput (compiled in).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/pgoutput/decoder.h"

namespace {

using walrelay::pgoutput::DecodeError;
using walrelay::pgoutput::Decoder;
using walrelay::pgoutput::Lsn;

/// One message inside Stream::blob.
struct Span {
  size_t offset = 0;
  size_t size = 0;
  Lsn lsn = 0;
};

/// A message sequence stored back to back, with the protocol version to decode it with.
struct Stream {
  std::string name;
  int protocol_version = 1;
  std::vector<uint8_t> blob;
  std::vector<Span> msgs;

  void add(const uint8_t *p, size_t n, Lsn lsn) {
    msgs.push_back({blob.size(), n, lsn});
    blob.insert(blob.end(), p, p + n);
  }
};

std::string data_dir() {
  const char *env = std::getenv("WALRELAY_PGOUTPUT_DATA_DIR");
  return env && *env ? env : WALRELAY_PGOUTPUT_DATA_DIR;
}

/// Protocol version each capture was taken with (see tests/unit/pgoutput/test_util.h).
int version_of(const std::string &name) {
  if (name == "stream_v2") return 2;
  if (name == "twophase_v3") return 3;
  return 1;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  throw std::runtime_error(std::string("bad hex digit '") + c + "'");
}

/// Loads a capture: one message per line, "lsn<TAB>xid<TAB>hex payload".
Stream load_capture(const std::filesystem::path &path) {
  Stream s;
  s.name = path.stem().string();
  s.protocol_version = version_of(s.name);
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::string line;
  std::vector<uint8_t> bytes;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto t1 = line.find('\t');
    const auto t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
    const auto slash = line.find('/');
    if (t2 == std::string::npos || slash > t1 || (line.size() - t2 - 1) % 2 != 0)
      throw std::runtime_error("bad line in " + path.string() + ": " + line);
    const Lsn lsn = (std::stoull(line.substr(0, slash), nullptr, 16) << 32) |
                    std::stoull(line.substr(slash + 1, t1 - slash - 1), nullptr, 16);
    bytes.clear();
    for (size_t i = t2 + 1; i + 1 < line.size(); i += 2)
      bytes.push_back(static_cast<uint8_t>(hex_digit(line[i]) * 16 + hex_digit(line[i + 1])));
    s.add(bytes.data(), bytes.size(), lsn);
  }
  return s;
}

/// Decodes every message of `s` once with `d` (stream state reset first).
void decode_stream(Decoder &d, const Stream &s) {
  d.reset();
  for (const Span &m : s.msgs) {
    const auto &msg = d.decode(s.blob.data() + m.offset, m.size, m.lsn);
    benchmark::DoNotOptimize(&msg);
  }
}

/// Runs `streams` in turn per iteration; each gets a Decoder of its own protocol version.
void bm_decode(benchmark::State &state, const std::vector<const Stream *> &streams) {
  std::vector<std::unique_ptr<Decoder>> decoders;
  int64_t msgs = 0, bytes = 0;
  for (const Stream *s : streams) {
    decoders.push_back(std::make_unique<Decoder>(s->protocol_version));
    msgs += static_cast<int64_t>(s->msgs.size());
    bytes += static_cast<int64_t>(s->blob.size());
    try {
      decode_stream(*decoders.back(), *s);  // warm-up: vectors grow to the widest row
    } catch (const DecodeError &e) {
      state.SkipWithError((s->name + ": " + e.what()).c_str());
      return;
    }
  }
  for (auto _ : state)
    for (size_t i = 0; i < streams.size(); ++i) decode_stream(*decoders[i], *streams[i]);
  state.SetItemsProcessed(state.iterations() * msgs);
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["msgs/iter"] = static_cast<double>(msgs);
}

/// Begin + n x Insert + Commit, repeated until the stream holds at least `target_bytes`.
/// The first Begin, first Insert and first Commit of `src` are the templates.
Stream make_synthetic(const Stream &src, int n, size_t target_bytes) {
  const Span *begin = nullptr, *insert = nullptr, *commit = nullptr;
  for (const Span &m : src.msgs) {
    const char t = static_cast<char>(src.blob[m.offset]);
    if (t == 'B' && !begin) begin = &m;
    if (t == 'I' && !insert) insert = &m;
    if (t == 'C' && !commit) commit = &m;
  }
  if (!begin || !insert || !commit)
    throw std::runtime_error(src.name + " lacks a Begin, Insert or Commit");
  Stream s;
  s.name = "synthetic";
  s.protocol_version = src.protocol_version;
  auto add = [&](const Span *m) { s.add(src.blob.data() + m->offset, m->size, m->lsn); };
  while (s.blob.size() < target_bytes) {
    add(begin);
    for (int i = 0; i < n; ++i) add(insert);
    add(commit);
  }
  return s;
}

}  // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // Loaded once; benchmarks keep pointers into these (they live until exit).
  static std::vector<Stream> captured;
  static std::vector<Stream> synthetic;
  try {
    std::vector<std::filesystem::path> files;
    for (const auto &e : std::filesystem::directory_iterator(data_dir()))
      if (e.path().extension() == ".hex") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto &f : files) captured.push_back(load_capture(f));
    if (captured.empty()) throw std::runtime_error("no .hex files in " + data_dir());

    const auto types = std::find_if(captured.begin(), captured.end(),
                                    [](const Stream &s) { return s.name == "types"; });
    if (types == captured.end()) throw std::runtime_error("types.hex missing in " + data_dir());
    for (int n : {1, 100, 1000}) synthetic.push_back(make_synthetic(*types, n, 4u << 20));
    synthetic[0].name = "synthetic/inserts_per_txn:1";
    synthetic[1].name = "synthetic/inserts_per_txn:100";
    synthetic[2].name = "synthetic/inserts_per_txn:1000";
  } catch (const std::exception &e) {
    std::fprintf(stderr, "walrelay_decode_bench: %s (set WALRELAY_PGOUTPUT_DATA_DIR)\n",
                 e.what());
    return 1;
  }

  std::vector<const Stream *> all;
  for (const Stream &s : captured) {
    all.push_back(&s);
    benchmark::RegisterBenchmark(("captured/" + s.name).c_str(), bm_decode,
                                 std::vector<const Stream *>{&s});
  }
  benchmark::RegisterBenchmark("captured/all", bm_decode, all);
  for (const Stream &s : synthetic)
    benchmark::RegisterBenchmark(s.name.c_str(), bm_decode, std::vector<const Stream *>{&s});

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
