#include "tests/chaos/positions.h"

#include <gtest/gtest-spi.h>

#include "tests/chaos/destinations.h"
#include "tests/chaos/kafka_tables.h"
#include "tests/support/relay.h"

namespace walrelay::chaos {

namespace {

bool AtLeast(const std::optional<uint64_t> &v, uint64_t lsn) { return v && *v >= lsn; }

bool Past(const std::optional<uint64_t> &now, const std::optional<uint64_t> &before) {
  return now && (!before || *now > *before);
}

std::string Text(const std::optional<uint64_t> &v) { return v ? test::FormatLsn(*v) : "?"; }

}  // namespace

bool Positions::AllAtLeast(uint64_t lsn) const {
  return AtLeast(sqlite, lsn) && AtLeast(mariadb, lsn) && AtLeast(kafka, lsn);
}

bool Positions::AllPast(const Positions &before) const {
  return Past(sqlite, before.sqlite) && Past(mariadb, before.mariadb) && Past(kafka, before.kafka);
}

std::string Positions::Describe() const {
  return std::string("sqlite ") + Text(sqlite) + ", mariadb " + Text(mariadb) + ", kafka " +
         Text(kafka);
}

Positions ReadPositions(const SinkLocations &where) {
  Positions p;
  if (auto cp = test::ReadSqliteCheckpoint(where.sqlite_path, kSqliteSink)) p.sqlite = cp->end_lsn;
  try {
    const test::Rows r =
        MariaDbQuery(where.maria_port, std::string("SELECT end_lsn FROM walrelay_checkpoint ") +
                                           "WHERE sink = '" + kMariaSink + "'");
    if (!r.empty() && r[0][0]) p.mariadb = std::stoull(*r[0][0]);
  } catch (const std::exception &) {
    // not created yet, or MariaDB restarting
  }
  // The reader reports problems as test failures: while polling, they only mean "unknown".
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    try {
      const std::set<uint64_t> lsns = KafkaCheckpoints(where.kafka_bootstraps);
      if (lsns.size() > 1) p.kafka = *lsns.rbegin();
    } catch (const std::exception &) {
      // a record that does not parse: unknown
    }
  }
  if (failures.size() > 0) p.kafka.reset();
  return p;
}

}  // namespace walrelay::chaos
