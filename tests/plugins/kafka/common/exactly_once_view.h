// Test helper: the consumer side of the Kafka sink's exactly-once tests against librdkafka
// 2.0.2's mock cluster, which shows the records of aborted transactions to read_committed
// consumers too: exactly_once_view() takes those out (checking that everything else holds
// each event once), rebuild() replays events into table rows, checkpoint_lsns() reads the
// checkpoint topic. Used by tests/plugins/kafka/integration and tests/chaos.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/plugins/kafka/common/json_value.h"
#include "tests/plugins/kafka/common/mock_cluster.h"
#include "tests/support/rows.h"

namespace walrelay::test {

using kafkatest::Json;
using kafkatest::parse_json;
using kafkatest::Record;

/// A column of `after` rendered like PostgreSQL's text output for the compared types.
inline std::optional<std::string> render(const Json &v) {
  switch (v.type) {
    case Json::Null:
      return std::nullopt;
    case Json::Bool:
      return v.b ? "t" : "f";
    case Json::Number:
    case Json::String:
      return v.text;
    default:
      return "?";
  }
}

/// Replays `records` per key (create/update upsert, delete/tombstone remove) and returns
/// the rows, columns `cols` of `after`, ordered by the key text.
inline Rows rebuild(const std::vector<Record> &records, const std::vector<std::string> &cols) {
  std::map<std::string, Row> rows;
  for (const Record &r : records) {
    if (!r.key) continue;
    if (!r.value) {
      rows.erase(*r.key);
      continue;
    }
    const Json v = parse_json(*r.value);
    const std::string op = v["op"].str();
    if (op == "d") {
      rows.erase(*r.key);
      continue;
    }
    Row row;
    for (const auto &c : cols) {
      if (v["after"].has(c)) {
        row.push_back(render(v["after"][c]));
      } else {  // unchanged TOAST: keep the previous value
        const size_t i = static_cast<size_t>(&c - &cols[0]);
        row.push_back(rows.count(*r.key) ? rows[*r.key][i] : std::string("<missing>"));
      }
    }
    rows[*r.key] = row;
  }
  Rows out;
  for (auto &[k, row] : rows) out.push_back(row);
  return out;
}

/// rebuild() of every record of `topic`, read with a read_committed consumer.
inline Rows rebuild(const std::string &bootstraps, const std::string &topic,
                    const std::vector<std::string> &cols) {
  return rebuild(kafkatest::read_topic(bootstraps, topic), cols);
}

/// The end LSNs of the checkpoint records of sink `sink` in `topic`, plus 0 (the start
/// before any checkpoint).
inline std::set<uint64_t> checkpoint_lsns(const std::string &bootstraps, const std::string &topic,
                                          const std::string &sink) {
  std::set<uint64_t> out{0};
  for (const Record &r : kafkatest::read_topic(bootstraps, topic)) {
    if (r.key && *r.key == sink && r.value) {
      out.insert(std::stoull(parse_json(*r.value)["end_lsn"].num()));
    }
  }
  return out;
}

/// What exactly_once_view() found.
struct ViewStats {
  size_t aborted_runs = 0;     ///< runs of records of aborted transactions
  size_t aborted_records = 0;  ///< records in them
};

/// librdkafka 2.0.2's mock cluster hands the records of aborted transactions to
/// read_committed consumers as well (its Fetch has no aborted-transaction index, and its
/// EndTxn writes no markers), so a consumer sees, per partition, the committed records
/// interleaved with the records of aborted Kafka transactions. This takes those out,
/// checking that everything else is exactly once:
///
/// The sink writes a partition's records in source order; a transaction aborted by a
/// crash (or a failed batch) leaves a run of records at the partition's end, then the
/// retry, resuming after the last checkpoint, writes the same events again, in the same
/// order. So, per partition: when an event (key, op, source LSN) comes again, the records
/// from its first copy to the end form an aborted run. Checked: (1) the records that
/// follow repeat the run exactly (a prefix of it if they are aborted in turn); (2) the
/// retry resumed at a checkpoint: some checkpoint lies between the last record kept before
/// the run and the run's first event (inclusive) (at-least-once mode resumes at the slot's
/// position, typically far before); (3) every run is repeated completely by the end; (4) no other
/// event comes twice. Returns the records left (what a read_committed consumer of a real
/// broker reads), in partition and offset order; tombstones stay with their delete.
inline std::vector<Record> exactly_once_view(const std::vector<Record> &records,
                                             const std::set<uint64_t> &checkpoints,
                                             ViewStats &stats) {
  struct Unit {
    std::string id;  // key, op, source LSN
    uint64_t lsn = 0;
    std::vector<const Record *> records;  // the event and its tombstone, if any
  };
  std::vector<Record> out;
  size_t i = 0;
  while (i < records.size()) {
    const int32_t partition = records[i].partition;
    std::vector<Unit> kept;
    std::map<std::string, size_t> where;  // id -> index in kept
    std::deque<std::string> expected;     // the rest of an aborted run still to be repeated
    for (; i < records.size() && records[i].partition == partition; ++i) {
      const Record &r = records[i];
      if (!r.value) {  // a tombstone: part of the delete before it
        if (kept.empty()) {
          ADD_FAILURE() << "partition " << partition << " offset " << r.offset
                        << ": tombstone without a delete before it";
        } else {
          kept.back().records.push_back(&r);
        }
        continue;
      }
      const Json v = parse_json(*r.value);
      Unit u;
      u.lsn = std::stoull(v["source"]["lsn"].num());
      u.id = r.key.value_or("null") + " " + v["op"].str() + " " + v["source"]["lsn"].num();
      u.records.push_back(&r);
      if (!expected.empty() && expected.front() == u.id) {
        expected.pop_front();
      } else if (auto it = where.find(u.id); it != where.end()) {
        // The first copy starts an aborted run: from it to the end of what is kept.
        const size_t j = it->second;
        const uint64_t before = j > 0 ? kept[j - 1].lsn : 0;
        const auto c = checkpoints.lower_bound(before);
        // A checkpoint is a transaction's end LSN (the end of its commit record), so the
        // next transaction's first change may sit exactly at it.
        EXPECT_TRUE(c != checkpoints.end() && *c <= u.lsn)
            << "partition " << partition << " offset " << r.offset << ": " << u.id
            << " repeated, but the retry did not resume at a checkpoint (none in [" << before
            << ", " << u.lsn << "])";
        std::deque<std::string> run;
        for (size_t k = j; k < kept.size(); ++k) {
          run.push_back(kept[k].id);
          where.erase(kept[k].id);
          stats.aborted_records += kept[k].records.size();
        }
        ++stats.aborted_runs;
        kept.resize(j);
        run.insert(run.end(), expected.begin(), expected.end());
        expected = std::move(run);
        expected.pop_front();  // u itself
      } else if (!expected.empty()) {
        ADD_FAILURE() << "partition " << partition << " offset " << r.offset << ": " << u.id
                      << " where the repetition of an aborted run expected " << expected.front();
        expected.clear();
      }
      where[u.id] = kept.size();
      kept.push_back(std::move(u));
    }
    EXPECT_TRUE(expected.empty()) << "partition " << partition << ": " << expected.size()
                                  << " event(s) of an aborted run never repeated, first "
                                  << (expected.empty() ? "" : expected.front());
    for (const Unit &u : kept) {
      for (const Record *r : u.records) out.push_back(*r);
    }
  }
  return out;
}

}  // namespace walrelay::test
