// End to end: PostgreSQL -> walrelay -> MySQL sink -> MariaDB for UPDATEs that change the
// primary key (old key tuple, or full old row under REPLICA IDENTITY FULL), including key
// swaps inside one transaction and unchanged TOAST values; and a workload of many updates
// and deletes that the sink batches by key. Compared with the source row for row.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <random>

#include "tests/plugins/mysql/e2e/relay_config.h"
#include "tests/plugins/mysql/mariadb_server.h"
#include "tests/support/harness.h"

namespace walrelay::test {
namespace {

using namespace std::chrono_literals;

/// One table compared: PostgreSQL and MariaDB queries printing the same text.
struct Check {
  std::string name, pg_sql, my_sql;
};

wrmysql::Rows pg_rows(PgCluster &pg, const std::string &sql) {
  wrmysql::Rows out;
  for (const auto &row : pg.query(sql)) {
    std::vector<std::string> r;
    for (const auto &v : row) r.push_back(v ? *v : "NULL");
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end());
  return out;
}

wrmysql::Rows my_rows(unsigned port, const std::string &sql) {
  try {
    wrmysql::Client c(port, "e2e");
    wrmysql::Rows r = c.query(sql);
    std::sort(r.begin(), r.end());
    return r;
  } catch (const std::exception &) {
    return {{"<table missing>"}};
  }
}

/// Empty when every table is equal, else the first difference.
std::string diff(PgCluster &pg, unsigned port, const std::vector<Check> &checks) {
  for (const Check &c : checks) {
    const auto a = pg_rows(pg, c.pg_sql), b = my_rows(port, c.my_sql);
    if (a == b) continue;
    std::string msg = c.name + ": " + std::to_string(a.size()) + " rows in PostgreSQL, " +
                      std::to_string(b.size()) + " in MariaDB";
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      if (i >= a.size() || i >= b.size() || a[i] != b[i]) {
        std::string ra, rb;
        if (i < a.size())
          for (const auto &v : a[i]) ra += v.substr(0, 40) + "|";
        if (i < b.size())
          for (const auto &v : b[i]) rb += v.substr(0, 40) + "|";
        msg += "; first difference at sorted row " + std::to_string(i) + ": pg " + ra +
               " vs mariadb " + rb;
        break;
      }
    }
    return msg;
  }
  return "";
}

/// PostgreSQL + MariaDB + walrelay with one mysql sink named "replica" on database e2e.
struct Pipeline {
  wrmysql::MariaDbServer maria;
  PgCluster pg;
  std::unique_ptr<Walrelay> relay;

  Pipeline() { wrmysql::Client(maria.port()).exec("CREATE DATABASE e2e CHARACTER SET utf8mb4"); }

  /// Creates the publication and slot (after the tables) and starts walrelay.
  ::testing::AssertionResult start(const KeyValues &extra = {}) {
    pg.exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
    pg.CreateLogicalSlot("walrelay");
    const RelayConfig cfg = MysqlRelayConfig(pg, maria.port(), extra);
    relay = std::make_unique<Walrelay>(WriteRelayConfig(pg.file("walrelay.yaml"), cfg),
                                       pg.file("walrelay.log"));
    relay->Start();
    if (!WaitFor([&] { return !relay->Running() || pg.SlotActivePid("walrelay"); }, 30s) ||
        !relay->Running()) {
      return ::testing::AssertionFailure() << "walrelay did not start\n" << relay->LogTail();
    }
    return ::testing::AssertionSuccess();
  }

  /// Waits until MariaDB holds what PostgreSQL holds.
  ::testing::AssertionResult same(const std::vector<Check> &checks,
                                  std::chrono::milliseconds timeout = 120s) {
    std::string last;
    const bool ok = WaitFor(
        [&] {
          last = diff(pg, maria.port(), checks);
          return last.empty() || !relay->Running();
        },
        timeout);
    if (ok && last.empty() && relay->Running()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << last << "\n" << relay->LogTail();
  }

  long long status_counter(const std::string &name) {
    const std::string v =
        wrmysql::Client(maria.port()).query("SHOW GLOBAL STATUS LIKE '" + name + "'").at(0).at(1);
    return std::stoll(v);
  }
};

TEST(mysql_e2e, UpdatesChangingThePrimaryKeyFollowTheOldKey) {
  Pipeline p;
  PgCluster &pg = p.pg;
  // `big` is stored out of line uncompressed, so an update not touching it sends it as
  // unchanged TOAST, also when the key changes.
  pg.exec(
      "CREATE TABLE pk_t (id int PRIMARY KEY, v text, big text);"
      "ALTER TABLE pk_t ALTER COLUMN big SET STORAGE EXTERNAL;"
      "CREATE TABLE pk_comp (a int, b text, v text, PRIMARY KEY (a, b));"
      // REPLICA IDENTITY FULL: the MariaDB table has no key, rows are found by the old row.
      "CREATE TABLE pk_full (id int PRIMARY KEY, v text);"
      "ALTER TABLE pk_full REPLICA IDENTITY FULL;"
      // A deferred key lets one UPDATE swap two keys; it cannot be the replica identity,
      // so the table uses FULL.
      "CREATE TABLE pk_swap (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, v text);"
      "ALTER TABLE pk_swap REPLICA IDENTITY FULL;");
  ASSERT_TRUE(p.start());
  pg.exec(
      "INSERT INTO pk_t SELECT g, 'v' || g, CASE WHEN g % 2 = 0 THEN repeat(md5(g::text), 200) "
      "END FROM generate_series(1, 40) g;"
      "INSERT INTO pk_comp SELECT g, 'k' || g, 'v' || g FROM generate_series(1, 10) g;"
      "INSERT INTO pk_full SELECT g, 'v' || g FROM generate_series(1, 10) g;"
      "INSERT INTO pk_swap SELECT g, 'v' || g FROM generate_series(1, 10) g;");
  // Plain key change, one per transaction; the TOASTed column is not sent.
  pg.exec("UPDATE pk_t SET id = 100 WHERE id = 1");
  pg.exec("UPDATE pk_t SET id = 102 WHERE id = 2");
  // Key change of a row updated earlier in the same transaction (and again afterwards).
  pg.exec(
      "BEGIN; UPDATE pk_t SET v = 'first' WHERE id = 4;"
      "UPDATE pk_t SET id = 104, v = 'moved' WHERE id = 4;"
      "UPDATE pk_t SET v = 'after move' WHERE id = 104; COMMIT");
  // A key changed twice in one transaction, and a new row taking a freed key.
  pg.exec(
      "BEGIN; UPDATE pk_t SET id = 206 WHERE id = 6; UPDATE pk_t SET id = 306 WHERE id = 206;"
      "INSERT INTO pk_t VALUES (6, 'reborn', NULL); COMMIT");
  // Swap of two keys inside one transaction with an immediate key (through a free key).
  pg.exec(
      "BEGIN; UPDATE pk_t SET id = -8 WHERE id = 8; UPDATE pk_t SET id = 8 WHERE id = 10;"
      "UPDATE pk_t SET id = 10 WHERE id = -8; COMMIT");
  // Rotate keys 12 -> 13 -> 14 -> 12 ... in one statement is impossible with an immediate
  // key, so shift a range upwards from the top (each row moves to a free key).
  pg.exec("BEGIN; UPDATE pk_t SET id = id + 1000 WHERE id BETWEEN 20 AND 30; COMMIT");
  // Key change plus delete of the old position's neighbour, in one transaction.
  pg.exec(
      "BEGIN; UPDATE pk_t SET id = 531, v = NULL WHERE id = 31; DELETE FROM pk_t WHERE id = 32;"
      "UPDATE pk_t SET id = 32 WHERE id = 33; COMMIT");
  // Composite key: one part changes.
  pg.exec("UPDATE pk_comp SET b = 'changed' WHERE a = 3");
  pg.exec(
      "BEGIN; UPDATE pk_comp SET a = 30, v = 'x' WHERE a = 4; UPDATE pk_comp SET a = 4 WHERE "
      "a = 5; COMMIT");
  // REPLICA IDENTITY FULL: key change, updated earlier in the transaction, and a swap.
  pg.exec("UPDATE pk_full SET id = 100 WHERE id = 1");
  pg.exec(
      "BEGIN; UPDATE pk_full SET v = 'touched' WHERE id = 2; UPDATE pk_full SET id = 200 WHERE id "
      "= 2; COMMIT");
  pg.exec(
      "BEGIN; UPDATE pk_full SET id = -3 WHERE id = 3; UPDATE pk_full SET id = 3 WHERE id = 4;"
      "UPDATE pk_full SET id = 4 WHERE id = -3; COMMIT");
  // Swap of two keys in ONE statement (deferred key), and a rotation of three.
  pg.exec("UPDATE pk_swap SET id = CASE id WHEN 1 THEN 2 ELSE 1 END WHERE id IN (1, 2)");
  pg.exec(
      "BEGIN; UPDATE pk_swap SET v = 'pre ' || v WHERE id IN (5, 6, 7);"
      "UPDATE pk_swap SET id = CASE id WHEN 5 THEN 6 WHEN 6 THEN 7 ELSE 5 END "
      "WHERE id IN (5, 6, 7); COMMIT");

  const std::vector<Check> checks = {
      {"pk_t", "SELECT id::text, coalesce(v, 'NULL'), coalesce(md5(big), 'NULL') FROM pk_t",
       "SELECT id, coalesce(v, 'NULL'), coalesce(md5(big), 'NULL') FROM pk_t"},
      {"pk_comp", "SELECT a::text, b, v FROM pk_comp", "SELECT a, b, v FROM pk_comp"},
      {"pk_full", "SELECT id::text, v FROM pk_full", "SELECT id, v FROM pk_full"},
      {"pk_swap", "SELECT id::text, v FROM pk_swap", "SELECT id, v FROM pk_swap"},
  };
  EXPECT_TRUE(p.same(checks));
  // The moved rows kept their out-of-line value (sent as unchanged TOAST).
  EXPECT_EQ(
      wrmysql::Client(p.maria.port(), "e2e").scalar("SELECT LENGTH(big) FROM pk_t WHERE id = 102"),
      "6400");
  EXPECT_EQ(p.relay->Stop(60s), 0) << p.relay->LogTail();
}

TEST(mysql_e2e, ManyUpdatesAndDeletesAreBatchedByKey) {
  Pipeline p;
  PgCluster &pg = p.pg;
  pg.exec(
      "CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL, note text);"
      "CREATE TABLE pos (acct int, sym text, qty numeric(12, 2), PRIMARY KEY (acct, sym));");
  ASSERT_TRUE(p.start({{"insert_batch_rows", "128"}}));
  pg.exec(
      "INSERT INTO acc SELECT g, 0, 'n' || g FROM generate_series(1, 3000) g;"
      "INSERT INTO pos SELECT g % 100, 's' || (g / 100), g FROM generate_series(1, 2000) g;");
  ASSERT_TRUE(p.same({{"acc", "SELECT count(*)::text FROM acc", "SELECT count(*) FROM acc"}}));
  const long long updates0 = p.status_counter("Com_update");
  const long long deletes0 = p.status_counter("Com_delete");
  long long changes = 0;
  changes += pg.exec("UPDATE acc SET bal = bal + 1 WHERE id % 3 = 0");
  changes += pg.exec("DELETE FROM acc WHERE id % 7 = 0");
  changes += pg.exec(
      "BEGIN; UPDATE acc SET bal = bal + 10, note = NULL WHERE id % 5 = 1;"
      "UPDATE acc SET bal = bal * 2 WHERE id % 5 = 1 AND id % 2 = 0;"
      "INSERT INTO acc SELECT g, -1, 'new' FROM generate_series(5001, 5500) g;"
      "UPDATE acc SET bal = -2 WHERE id BETWEEN 5001 AND 5100;"
      "DELETE FROM acc WHERE id BETWEEN 5050 AND 5150;"
      "DELETE FROM acc WHERE id % 11 = 0;"
      "INSERT INTO acc SELECT g, 7, 'back' FROM generate_series(11, 3000, 11) g "
      "  ON CONFLICT (id) DO NOTHING; COMMIT");
  changes += pg.exec("UPDATE pos SET qty = qty + 0.5 WHERE acct % 2 = 0");
  changes += pg.exec("DELETE FROM pos WHERE sym = 's3'");
  changes += pg.exec(
      "BEGIN; UPDATE pos SET qty = 0 WHERE acct = 4; DELETE FROM pos WHERE acct = 6;"
      "UPDATE acc SET bal = bal + 1 WHERE id < 200; UPDATE pos SET qty = 1 WHERE acct = 8;"
      "COMMIT");
  const std::vector<Check> checks = {
      {"acc", "SELECT id::text, bal::text, coalesce(note, 'NULL') FROM acc",
       "SELECT id, bal, coalesce(note, 'NULL') FROM acc"},
      {"pos", "SELECT acct::text, sym, qty::text FROM pos", "SELECT acct, sym, qty FROM pos"},
  };
  EXPECT_TRUE(p.same(checks));
  const long long updates = p.status_counter("Com_update") - updates0;
  const long long deletes = p.status_counter("Com_delete") - deletes0;
  std::cerr << "[mysql e2e] " << changes << " source changes, " << updates << " UPDATE and "
            << deletes << " DELETE statements in MariaDB\n";
  EXPECT_GT(changes, 2000);  // counts only the last statement of multi-statement strings
  // The checkpoint upsert is an INSERT ... ON DUPLICATE KEY UPDATE, not counted here.
  EXPECT_LT(updates + deletes, changes / 20);
  EXPECT_EQ(p.relay->Stop(60s), 0) << p.relay->LogTail();
}

}  // namespace
}  // namespace walrelay::test
