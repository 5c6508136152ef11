#include "tests/chaos/load.h"

#include <signal.h>

#include <regex>
#include <stdexcept>

#include "tests/support/process.h"
#include "tests/support/util.h"

namespace walrelay::chaos {

namespace {

using namespace std::chrono_literals;

std::string Pgbench() { return test::PgClusterOptions{}.bin_dir + "/pgbench"; }

/// pgbench -i with `steps` (see pgbench's --init-steps).
void PgbenchInit(test::PgCluster &pg, const std::string &steps) {
  const auto r = test::RunCommand({Pgbench(), "-i", "-s", "1", "-I", steps, "-h", "127.0.0.1", "-p",
                                   std::to_string(pg.port()), "-U", "postgres", "postgres"},
                                  300s);
  if (r.exit_code != 0) {
    throw std::runtime_error("pgbench -i -I " + steps + " failed (" +
                             test::DescribeStatus(r.exit_code) + "):\n" + r.output);
  }
}

// Bodies of 500 md5 values: 16,000 bytes, stored out of line uncompressed (EXTERNAL).
constexpr const char *kSchema = R"sql(
  CREATE TABLE chaos_docs (id int PRIMARY KEY, version int NOT NULL, title text, body text);
  ALTER TABLE chaos_docs ALTER COLUMN body SET STORAGE EXTERNAL;
  CREATE TABLE chaos_items (id int PRIMARY KEY, doc_id int, qty int, price numeric(12,2),
                            note text);
  CREATE TABLE chaos_events (kind text NOT NULL, ref int, amount numeric(12,2),
                             at timestamptz NOT NULL);
  ALTER TABLE chaos_events REPLICA IDENTITY FULL;
  CREATE TABLE chaos_done (id int PRIMARY KEY, at timestamptz NOT NULL);
)sql";

constexpr const char *kSeed = R"sql(
  INSERT INTO chaos_docs
    SELECT g, 0, 'doc ' || g,
           (SELECT string_agg(md5(g || ':' || k), '') FROM generate_series(1, 500) k)
    FROM generate_series(1, 200) g;
  INSERT INTO chaos_items
    SELECT g, g % 200 + 1, g % 17, g * 0.25, md5(g::text) FROM generate_series(1, 2000) g;
  INSERT INTO chaos_events
    SELECT 'seed', g % 200 + 1, g * 0.5, now() FROM generate_series(1, 400) g;
)sql";

// One pgbench transaction per run of the script, chosen by :p. Every statement is safe under
// concurrency (no unique violation can abort a client); deadlocks between the multi-statement
// transactions are retried (--max-tries).
constexpr const char *kScript = R"sql(-- walrelay chaos suite: custom pgbench script
\set p random(1, 100)
\set d random(1, 200)
\set i random(1, 5000)
\set j random(1, 5000)
\set q random(1, 1000)
\if :p <= 40
-- only the non-TOAST columns of a row with a large TOASTed body (unchanged TOAST)
UPDATE chaos_docs SET version = version + 1, title = 'touched ' || :q WHERE id = :d;
\elif :p <= 70
-- a multi-statement transaction: upsert, update, a non-TOAST update, insert
BEGIN;
INSERT INTO chaos_items (id, doc_id, qty, price, note) VALUES (:i, :d, :q, :q * 0.25, md5(:q::text))
  ON CONFLICT (id) DO UPDATE SET qty = chaos_items.qty + 1, note = EXCLUDED.note;
UPDATE chaos_items SET price = price + 1.50, qty = qty - 1 WHERE id = :j;
UPDATE chaos_docs SET version = version + 1 WHERE id = :d;
INSERT INTO chaos_events (kind, ref, amount, at) VALUES ('item', :d, :q * 0.01, now());
COMMIT;
\elif :p <= 82
-- deletes (several rows of the table without a key)
BEGIN;
DELETE FROM chaos_items WHERE id IN (:i, :i + 100000);
DELETE FROM chaos_events WHERE ref = :d;
INSERT INTO chaos_events (kind, ref, amount, at) VALUES ('reset', :d, 0, now());
COMMIT;
\elif :p <= 90
-- a primary key change
UPDATE chaos_items SET id = id + 100000
  WHERE id = :i AND NOT EXISTS (SELECT 1 FROM chaos_items WHERE id = :i + 100000);
\elif :p <= 94
-- updates of rows without a key (REPLICA IDENTITY FULL), duplicates possible
UPDATE chaos_events SET amount = amount + 1 WHERE ref = :d;
\elif :p <= 99
-- a new large TOASTed body
UPDATE chaos_docs SET version = version + 1,
  body = (SELECT string_agg(md5(:q || '-' || k || clock_timestamp()), '') FROM generate_series(1, 500) k)
  WHERE id = :d;
\else
-- a large transaction (streamed: logical_decoding_work_mem is 64kB): 300 upserts and a
-- document deleted and inserted again
BEGIN;
INSERT INTO chaos_items (id, doc_id, qty, price, note)
  SELECT g, :d, :q, g * 0.01, repeat(md5(g::text), 3) FROM generate_series(:j, :j + 299) g
  ON CONFLICT (id) DO UPDATE SET qty = chaos_items.qty + 1, note = EXCLUDED.note;
DELETE FROM chaos_docs WHERE id = :d;
INSERT INTO chaos_docs (id, version, title, body)
  SELECT :d, 0, 'reborn ' || :q, string_agg(md5(:q || '/' || k), '') FROM generate_series(1, 500) k
  ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, title = EXCLUDED.title, body = EXCLUDED.body;
COMMIT;
\endif
)sql";

/// The number after "<label>: " in pgbench's output (0 when absent).
long long Number(const std::string &output, const std::string &label) {
  const std::regex re(label + ": ([0-9]+)");
  std::smatch m;
  return std::regex_search(output, m, re) ? std::stoll(m[1].str()) : 0;
}

}  // namespace

void CreateSchema(test::PgCluster &pg) {
  // Primary keys before the data (the default order adds them last: the rows would reach
  // the destinations as rows of tables without a key). pgbench_history has no key: REPLICA
  // IDENTITY FULL gives its Kafka events a key (the whole row), as the exactly-once view
  // needs every event in the partition of its key.
  PgbenchInit(pg, "dtp");
  pg.exec("ALTER TABLE pgbench_history REPLICA IDENTITY FULL");
  PgbenchInit(pg, "g");
  pg.exec(kSchema);
  pg.exec(kSeed);
}

void WriteCustomScript(const std::string &path) { test::WriteFile(path, kScript); }

PgbenchLoad::PgbenchLoad(const test::PgCluster &pg, LoadOptions options)
    : conninfo_(pg.conninfo()), port_(pg.port()), options_(std::move(options)) {}

PgbenchLoad::~PgbenchLoad() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void PgbenchLoad::Start() {
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void PgbenchLoad::Finish(std::chrono::milliseconds timeout) {
  test::WaitFor([&] { return !running_.load(); }, timeout, 200ms);
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string PgbenchLoad::Report() const {
  std::lock_guard<std::mutex> lock(mu_);
  return report_;
}

bool PgbenchLoad::WaitForSource(std::chrono::steady_clock::time_point deadline) {
  while (!stop_ && std::chrono::steady_clock::now() < deadline) {
    try {
      test::PgConn probe(conninfo_);
      return true;
    } catch (const std::exception &) {
      std::this_thread::sleep_for(500ms);
    }
  }
  return false;
}

void PgbenchLoad::Run() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options_.seconds);
  while (!stop_) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 2 || !WaitForSource(deadline)) break;
    RunRound(static_cast<int>(left.count()));
  }
  running_ = false;
}

void PgbenchLoad::RunRound(int seconds) {
  const size_t offset = test::ReadFile(options_.log_path).size();
  const int round = ++rounds_;
  std::optional<int> status;
  {
    test::Process pgbench({Pgbench(),
                           "-n",
                           "-h",
                           "127.0.0.1",
                           "-p",
                           std::to_string(port_),
                           "-U",
                           "postgres",
                           "-c",
                           std::to_string(options_.clients),
                           "-j",
                           "2",
                           "-T",
                           std::to_string(seconds),
                           "-R",
                           std::to_string(options_.rate),
                           "--max-tries=10",
                           "-b",
                           "tpcb-like@1",
                           "-f",
                           options_.script + "@3",
                           "postgres"},
                          options_.log_path);
    while (!stop_ && !(status = pgbench.Wait(200ms))) {
    }
    if (!status) status = pgbench.Kill();
  }
  const std::string output = test::ReadFile(options_.log_path).substr(offset);
  const long long processed = Number(output, "number of transactions actually processed");
  transactions_ += processed;
  if (status != 0) ++failed_rounds_;
  std::lock_guard<std::mutex> lock(mu_);
  report_ += "round " + std::to_string(round) + " (-T " + std::to_string(seconds) +
             "): " + test::DescribeStatus(status) + ", " + std::to_string(processed) +
             " transactions processed, " +
             std::to_string(Number(output, "number of failed transactions")) + " failed\n";
  if (status != 0 && !stop_) std::this_thread::sleep_for(1s);
}

}  // namespace walrelay::chaos
