#include "tests/support/workload.h"

#include <chrono>

namespace walrelay::test {

void Workload::CreateSchema(PgCluster &cluster) {
  cluster.exec(R"sql(
    CREATE TABLE wl_accounts (
      id bigint PRIMARY KEY,
      balance bigint NOT NULL,
      note text,
      updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE wl_orders (
      customer_id int NOT NULL,
      order_no int NOT NULL,
      amount numeric(12,2) NOT NULL,
      status text NOT NULL,
      PRIMARY KEY (customer_id, order_no));
    CREATE TABLE wl_log (
      seq bigint NOT NULL,
      kind text NOT NULL,
      payload text);
    ALTER TABLE wl_log REPLICA IDENTITY FULL;
  )sql");
}

std::vector<TableCheck> Workload::Checks() {
  return {
      {"wl_accounts", "SELECT id, balance, note, updated_at FROM wl_accounts ORDER BY id",
       "SELECT id, balance, note, updated_at FROM wl_accounts ORDER BY id"},
      {"wl_orders",
       "SELECT customer_id, order_no, amount, status FROM wl_orders ORDER BY customer_id, order_no",
       "SELECT customer_id, order_no, amount, status FROM wl_orders ORDER BY customer_id, "
       "order_no"},
      {"wl_log", "SELECT seq, kind, payload FROM wl_log ORDER BY seq, kind, payload",
       "SELECT seq, kind, payload FROM wl_log ORDER BY seq, kind, payload"},
      {"counts",
       "SELECT (SELECT count(*) FROM wl_accounts), (SELECT count(*) FROM wl_orders), "
       "(SELECT count(*) FROM wl_log)",
       "SELECT (SELECT count(*) FROM wl_accounts), (SELECT count(*) FROM wl_orders), "
       "(SELECT count(*) FROM wl_log)"},
  };
}

Workload::Workload(const PgCluster &cluster, uint64_t seed, long long max_changes_per_sec)
    : conninfo_(cluster.conninfo()), seed_(seed), max_rate_(max_changes_per_sec) {
  rng_ = seed_ ^ 0x9E3779B97F4A7C15ull;
  small_order_no_.assign(100, 0);
}

Workload::~Workload() { Stop(); }

void Workload::Start() {
  if (thread_.joinable()) return;
  conn_ = std::make_unique<PgConn>(conninfo_);
  stop_ = false;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void Workload::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  running_ = false;
}

std::string Workload::error() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_;
}

uint64_t Workload::Next() {
  // splitmix64: reproducible from the seed, independent of the standard library.
  uint64_t z = (rng_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

long long Workload::Rand(long long lo, long long hi) {
  return lo + static_cast<long long>(Next() % static_cast<uint64_t>(hi - lo + 1));
}

long long Workload::Exec(const std::string &sql) {
  long long n = conn_->Exec(sql);
  return n;
}

void Workload::Run() {
  auto start = Clock::now();
  try {
    while (!stop_) {
      OneTransaction();
      ++txns_;
      if (max_rate_ > 0) {
        double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        double ahead = static_cast<double>(changes_) / static_cast<double>(max_rate_) - elapsed;
        if (ahead > 0)
          std::this_thread::sleep_for(
              std::chrono::microseconds(static_cast<long long>(std::min(ahead, 0.5) * 1e6)));
      }
    }
  } catch (const std::exception &e) {
    std::lock_guard<std::mutex> l(mu_);
    error_ = e.what();
  }
  conn_.reset();
  running_ = false;
}

void Workload::OneTransaction() {
  auto s = [](long long v) { return std::to_string(v); };
  long long kind = Rand(0, 99);
  long long n = 0;
  if (kind < 28) {
    // Single-row insert, autocommit.
    long long id = next_account_++;
    n +=
        Exec("INSERT INTO wl_accounts (id, balance, note) VALUES (" + s(id) + ", " +
             s(Rand(0, 100000)) + ", " + (Rand(0, 4) == 0 ? "NULL" : "'acct " + s(id) + "'") + ")");
  } else if (kind < 52) {
    // Small multi-statement transaction.
    long long c = Rand(0, 99);
    long long o = ++small_order_no_[c];
    long long seq = next_log_seq_++;
    Exec("BEGIN");
    n += Exec("UPDATE wl_accounts SET balance = balance + " + s(Rand(-50, 50)) +
              ", updated_at = now() WHERE id = " + s(Rand(1, next_account_)));
    n += Exec("INSERT INTO wl_orders VALUES (" + s(c) + ", " + s(o) + ", " + s(Rand(1, 99999)) +
              " / 100.0, 'new')");
    n += Exec("INSERT INTO wl_log VALUES (" + s(seq) + ", 'order', '" + s(c) + "/" + s(o) + "')");
    Exec("COMMIT");
  } else if (kind < 60) {
    // Bulk insert of orders for a fresh customer.
    long long c = next_bulk_customer_++;
    long long k = Rand(20, 800);
    n += Exec("INSERT INTO wl_orders SELECT " + s(c) +
              ", g, (g % 1000) / 7.0 + 1, 'bulk' FROM generate_series(1, " + s(k) + ") g");
  } else if (kind < 68) {
    // Bulk insert into the table without a primary key.
    long long k = Rand(10, 400);
    long long seq0 = next_log_seq_;
    next_log_seq_ += k;
    n += Exec("INSERT INTO wl_log SELECT " + s(seq0) +
              " + g, 'bulk', md5(g::text) "
              "FROM generate_series(0, " +
              s(k - 1) + ") g");
  } else if (kind < 78) {
    // Multi-row update.
    long long c = next_bulk_customer_ > 1000 && Rand(0, 1) ? Rand(1000, next_bulk_customer_ - 1)
                                                           : Rand(0, 99);
    n += Exec(
        "UPDATE wl_orders SET status = 'shipped', amount = amount + 0.01 "
        "WHERE customer_id = " +
        s(c) + " AND order_no % " + s(Rand(1, 4)) + " = 0");
  } else if (kind < 88) {
    // Deletes on all three tables in one transaction.
    long long a = Rand(1, next_account_);
    long long l = Rand(1, next_log_seq_);
    Exec("BEGIN");
    n += Exec("DELETE FROM wl_accounts WHERE id BETWEEN " + s(a) + " AND " + s(a + 2));
    n += Exec("DELETE FROM wl_log WHERE seq BETWEEN " + s(l) + " AND " + s(l + 20) +
              " AND seq % 3 = 0");
    if (next_bulk_customer_ > 1000)
      n += Exec("DELETE FROM wl_orders WHERE customer_id = " +
                s(Rand(1000, next_bulk_customer_ - 1)) + " AND order_no % 5 = 0");
    Exec("COMMIT");
  } else if (kind < 95) {
    // Primary key changes (single column and composite) and an update of the PK-less table.
    long long a = Rand(1, next_account_);
    Exec("BEGIN");
    n += Exec("UPDATE wl_accounts SET id = id + 1000000000, note = 'moved' WHERE id = " + s(a));
    if (next_bulk_customer_ > 1000)
      n += Exec(
          "UPDATE wl_orders SET order_no = order_no + 100000, status = 'renumbered' "
          "WHERE customer_id = " +
          s(Rand(1000, next_bulk_customer_ - 1)) + " AND order_no = 1");
    long long l = Rand(1, next_log_seq_);
    n += Exec("UPDATE wl_log SET payload = 'edited' WHERE seq = " + s(l));
    Exec("COMMIT");
  } else {
    // A larger mixed transaction.
    Exec("BEGIN");
    for (int i = 0; i < 20; ++i) {
      long long id = next_account_++;
      n += Exec("INSERT INTO wl_accounts (id, balance, note) VALUES (" + s(id) + ", " + s(i) +
                ", 'batch')");
    }
    n += Exec("UPDATE wl_accounts SET balance = balance * 2 WHERE id BETWEEN " +
              s(Rand(1, next_account_)) + " AND " + s(next_account_));
    long long seq0 = next_log_seq_;
    next_log_seq_ += 200;
    n += Exec("INSERT INTO wl_log SELECT " + s(seq0) +
              " + g, 'mixed', NULL FROM "
              "generate_series(0, 199) g");
    n += Exec("DELETE FROM wl_log WHERE seq BETWEEN " + s(seq0) + " AND " + s(seq0 + 9));
    Exec("COMMIT");
  }
  changes_ += n;
}

}  // namespace walrelay::test
