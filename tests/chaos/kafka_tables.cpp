#include "tests/chaos/kafka_tables.h"

#include <gtest/gtest-spi.h>

#include <map>

#include "tests/plugins/kafka/common/exactly_once_view.h"

namespace walrelay::chaos {

std::string TopicOf(const TableSpec &table) {
  return std::string(kTopicPrefix) + ".public." + table.name;
}

namespace {

/// Columns `cols` of a row object (`before` or `after`).
test::Row RowOf(const kafkatest::Json &obj, const std::vector<std::string> &cols) {
  test::Row row;
  for (const std::string &c : cols) {
    row.push_back(obj.has(c) ? test::render(obj[c]) : std::string("<missing>"));
  }
  return row;
}

/// A REPLICA IDENTITY FULL table: every insert adds its row, every delete removes its old
/// row, an update does both; order does not matter (events of one row may sit in different
/// partitions, as the key is the whole row).
test::Rows RebuildMultiset(const std::vector<kafkatest::Record> &records,
                           const std::vector<std::string> &cols,
                           std::vector<std::string> &problems) {
  std::map<test::Row, long long> count;
  for (const kafkatest::Record &r : records) {
    if (!r.key || !r.value) continue;  // tombstones; truncates (null key, only at set-up)
    const kafkatest::Json v = kafkatest::parse_json(*r.value);
    const std::string op = v["op"].str();
    if (op == "u" || op == "d") --count[RowOf(v["before"], cols)];
    if (op == "c" || op == "u") ++count[RowOf(v["after"], cols)];
  }
  test::Rows rows;
  for (const auto &[row, n] : count) {
    if (n < 0) {
      problems.push_back("row removed " + std::to_string(-n) +
                         " time(s) more than added: " + test::FormatRow(row));
    }
    for (long long k = 0; k < n; ++k) rows.push_back(row);
  }
  return rows;
}

}  // namespace

KafkaTable ReadKafkaTable(const std::string &bootstraps, const TableSpec &table,
                          const std::set<uint64_t> &checkpoints) {
  KafkaTable out;
  // exactly_once_view() and read_topic() report through gtest assertions: collect them here
  // so that the caller can name the table and count them.
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    try {
      const std::vector<kafkatest::Record> all = kafkatest::read_topic(bootstraps, TopicOf(table));
      out.records = all.size();
      test::ViewStats stats;
      const std::vector<kafkatest::Record> kept = test::exactly_once_view(all, checkpoints, stats);
      out.aborted_records = stats.aborted_records;
      out.aborted_runs = stats.aborted_runs;
      for (const kafkatest::Record &r : kept) out.events += r.value ? 1 : 0;
      out.rows = table.full_identity ? RebuildMultiset(kept, table.ColumnNames(), out.problems)
                                     : test::rebuild(kept, table.ColumnNames());
    } catch (const std::exception &e) {
      out.problems.push_back(std::string("cannot rebuild: ") + e.what());
    }
  }
  for (int i = 0; i < failures.size(); ++i)
    out.problems.push_back(failures.GetTestPartResult(i).message());
  return out;
}

std::set<uint64_t> KafkaCheckpoints(const std::string &bootstraps) {
  return test::checkpoint_lsns(bootstraps, kCheckpointTopic, kKafkaSink);
}

}  // namespace walrelay::chaos
