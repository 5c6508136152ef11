// Benchmark (not a test): the Kafka sink's throughput into an in-process librdkafka mock
// cluster through the C ABI: one 1,000,000-row transaction, and 100,000 single-row
// transactions in batches of 10,000 (pipeline.batch_max_txns' default), at-least-once and
// exactly-once. Usage: walrelay_kafka_bench [rows=1000000] [small_txns=100000]
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/plugins/kafka/common/sink_harness.h"

namespace {

using kafkatest::Options;
using kafkatest::plugin;

/// A batch of `n_txns` transactions of `rows_per_txn` inserts into (id int8 key, name
/// text, amount numeric), ids from `first_id`; owns all storage.
struct SyntheticBatch {
  wr_column cols[3] = {{"id", 20, -1, WR_COLUMN_KEY, 0, nullptr, nullptr},
                       {"name", 25, -1, 0, 0, nullptr, nullptr},
                       {"amount", 1700, -1, 0, 0, nullptr, nullptr}};
  wr_relation rel{sizeof(wr_relation), 16384, 1, 'd', "public", "bench", 3, 0, cols};
  std::vector<std::string> text;
  std::vector<wr_value> values;
  std::vector<wr_change> changes;
  std::vector<const wr_change *> change_ptrs;
  std::vector<wr_txn> txns;
  std::vector<const wr_txn *> txn_ptrs;
  wr_batch batch{};

  SyntheticBatch(size_t n_txns, size_t rows_per_txn, long long first_id, wr_lsn first_end) {
    const size_t rows = n_txns * rows_per_txn;
    text.reserve(rows);
    values.reserve(rows * 3);
    changes.reserve(rows);
    static const std::string name = "customer name with some text";
    static const std::string amount = "1234.56";
    for (size_t i = 0; i < rows; ++i) {
      text.push_back(std::to_string(first_id + static_cast<long long>(i)));
      values.push_back(
          {WR_VALUE_TEXT, static_cast<uint32_t>(text.back().size()), text.back().data()});
      values.push_back({WR_VALUE_TEXT, static_cast<uint32_t>(name.size()), name.data()});
      values.push_back({WR_VALUE_TEXT, static_cast<uint32_t>(amount.size()), amount.data()});
      wr_change c{};
      c.struct_size = sizeof(wr_change);
      c.kind = WR_CHANGE_INSERT;
      c.lsn = first_end + i;
      c.relation = &rel;
      c.n_new = 3;
      c.new_values = &values[i * 3];
      changes.push_back(c);
    }
    for (auto &c : changes) change_ptrs.push_back(&c);
    for (size_t t = 0; t < n_txns; ++t) {
      wr_txn x{};
      x.struct_size = sizeof(wr_txn);
      x.xid = static_cast<uint32_t>(1000 + t);
      x.end_lsn = first_end + rows + t + 1;
      x.commit_lsn = x.end_lsn - 1;
      x.commit_time_us = 1700000000000000;
      x.n_changes = static_cast<uint32_t>(rows_per_txn);
      x.changes = &change_ptrs[t * rows_per_txn];
      txns.push_back(x);
    }
    for (auto &t : txns) txn_ptrs.push_back(&t);
    batch = wr_batch{sizeof(wr_batch), static_cast<uint32_t>(n_txns), txn_ptrs.data(),
                     txns.back().end_lsn, rows};
  }
};

double run(const std::string &label, const Options &opts,
           const std::vector<SyntheticBatch *> &batches) {
  wr_sink *s = nullptr;
  if (kafkatest::create_sink(opts, &s) != WR_OK) {
    std::fprintf(stderr, "create failed: %s\n", kafkatest::g_last_error.c_str());
    std::exit(1);
  }
  wr_lsn lsn = 0;
  plugin()->vtable->load_position(s, &lsn);
  uint64_t rows = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (SyntheticBatch *b : batches) {
    if (plugin()->vtable->apply(s, &b->batch) != WR_OK) {
      std::fprintf(stderr, "apply failed: %s\n", kafkatest::g_last_error.c_str());
      std::exit(1);
    }
    rows += b->batch.n_changes;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  kafkatest::destroy_sink(s);
  std::printf("%-45s %9llu rows %8.2f s %10.0f rows/s\n", label.c_str(),
              static_cast<unsigned long long>(rows), secs, rows / secs);
  std::fflush(stdout);
  return secs;
}

}  // namespace

int main(int argc, char **argv) {
  const size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const size_t small = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100000;
  char err[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t *mk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(mk, 3);
  const std::string bs = rd_kafka_mock_cluster_bootstraps(mc);

  SyntheticBatch bulk(1, rows, 1, 0x100000);
  std::vector<SyntheticBatch *> small_batches;
  const size_t per_batch = 10000;
  for (size_t done = 0; done < small; done += per_batch) {
    const size_t n = std::min(per_batch, small - done);
    small_batches.push_back(
        new SyntheticBatch(n, 1, static_cast<long long>(done) + 1, 0x100000000ull + done * 4));
  }
  int round = 0;
  for (bool eos : {false, true}) {
    for (int scenario = 0; scenario < 2; ++scenario) {
      Options o{{"librdkafka.bootstrap.servers", bs},
                {"topic_prefix", "bench" + std::to_string(round++)}};
      if (eos) {
        o.push_back({"transactional_id", "bench-" + std::to_string(round)});
        o.push_back({"checkpoint_topic", "bench_cp" + std::to_string(round)});
      }
      const std::string mode = eos ? "exactly-once" : "at-least-once";
      if (scenario == 0) {
        run(mode + ", one " + std::to_string(rows) + "-row txn", o, {&bulk});
      } else {
        run(mode + ", " + std::to_string(small) + " 1-row txns", o, small_batches);
      }
    }
  }
  for (auto *b : small_batches) delete b;
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(mk);
  return 0;
}
