#include "tests/support/relay.h"

#include <signal.h>

#include <cctype>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace walrelay::test {

std::string WalrelayBin() { return WALRELAY_BIN; }
std::string SqlitePluginDir() { return WALRELAY_PLUGIN_DIR; }
std::string FixturePlugin(const std::string &name) {
  return std::string(WALRELAY_FIXTURE_PLUGIN_DIR) + "/" + name + ".so";
}

RelayConfig SqliteRelayConfig(const PgCluster &cluster, const std::string &slot,
                              const std::string &publication, const std::string &sqlite_path,
                              const std::string &sink_name) {
  RelayConfig c;
  c.conninfo = cluster.conninfo();
  c.slot = slot;
  c.publication = publication;
  c.sinks.push_back(SinkSpec{sink_name, "sqlite", {{"path", sqlite_path}}});
  return c;
}

namespace {

bool PlainScalar(const std::string &v) {
  if (v == "true" || v == "false") return true;
  if (v.empty() || v.size() > 18) return false;
  size_t i = (v[0] == '-') ? 1 : 0;
  if (i == v.size()) return false;
  for (; i < v.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  return true;
}

std::string Yaml(const std::string &v) {
  if (PlainScalar(v)) return v;
  std::string s = "\"";
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"' || c == '\\') {
      s += '\\';
      s += c;
    } else if (c == '\n') {
      s += "\\n";
    } else if (c == '$' && i + 1 < v.size() && v[i + 1] == '{') {
      s += "$$";  // walrelay interpolates ${NAME}; "$${" is a literal "${"
    } else {
      s += c;
    }
  }
  return s + "\"";
}

}  // namespace

std::string RenderRelayConfig(const RelayConfig &c) {
  std::ostringstream y;
  y << "# written by walrelay integration tests\n";
  y << "log_level: " << Yaml(c.log_level) << "\n";
  y << "plugin_dir: " << Yaml(c.plugin_dir) << "\n";
  y << "source:\n";
  y << "  conninfo: " << Yaml(c.conninfo) << "\n";
  y << "  slot: " << Yaml(c.slot) << "\n";
  y << "  publication: " << Yaml(c.publication) << "\n";
  y << "  create_slot: " << (c.create_slot ? "true" : "false") << "\n";
  y << "  status_interval_ms: " << c.status_interval_ms << "\n";
  for (auto &[k, v] : c.source) y << "  " << k << ": " << Yaml(v) << "\n";
  if (!c.pipeline.empty()) {
    y << "pipeline:\n";
    for (auto &[k, v] : c.pipeline) y << "  " << k << ": " << Yaml(v) << "\n";
  }
  if (!c.spool.empty()) {
    y << "spool:\n";
    for (auto &[k, v] : c.spool) y << "  " << k << ": " << Yaml(v) << "\n";
  }
  // No metrics endpoint unless a test asks for one: several walrelays may run at once.
  y << "http:\n  listen: " << Yaml(c.http_listen) << "\n";
  y << "sinks:\n";
  for (auto &s : c.sinks) {
    y << "  - name: " << Yaml(s.name) << "\n";
    y << "    plugin: " << Yaml(s.plugin) << "\n";
    if (s.options.empty()) {
      y << "    options: {}\n";
    } else {
      y << "    options:\n";
      for (auto &[k, v] : s.options) y << "      " << k << ": " << Yaml(v) << "\n";
    }
  }
  return y.str();
}

std::string WriteRelayConfig(const std::string &path, const RelayConfig &config) {
  WriteFile(path, RenderRelayConfig(config));
  return path;
}

// ---------------------------------------------------------------------------------------
// Walrelay

Walrelay::Walrelay(std::string config_path, std::string log_path, std::string binary)
    : config_path_(std::move(config_path)),
      log_path_(std::move(log_path)),
      binary_(std::move(binary)) {}

void Walrelay::Start() {
  if (proc_ && proc_->Running()) throw std::logic_error("walrelay is already running");
  ++starts_;
  {
    // Marker so that a log with several runs can be read.
    std::string prev = ReadFile(log_path_);
    WriteFile(log_path_, prev + "=== [harness] start #" + std::to_string(starts_) + ": " + binary_ +
                             " run -c " + config_path_ + "\n");
  }
  proc_ = std::make_unique<Process>(std::vector<std::string>{binary_, "run", "-c", config_path_},
                                    log_path_);
}

std::optional<int> Walrelay::Stop(std::chrono::milliseconds timeout) {
  if (!proc_) return std::nullopt;
  proc_->Signal(SIGTERM);
  return proc_->Wait(timeout);
}

std::optional<int> Walrelay::Kill() {
  if (!proc_) return std::nullopt;
  return proc_->Kill();
}

bool Walrelay::Running() { return proc_ && proc_->Running(); }

std::optional<int> Walrelay::ExitStatus() { return proc_ ? proc_->ExitStatus() : std::nullopt; }

std::string Walrelay::LogTail(size_t lines) const {
  return "--- walrelay log tail (" + log_path_ + ") ---\n" + TailFile(log_path_, lines);
}

// ---------------------------------------------------------------------------------------
// Comparison

::testing::AssertionResult CompareTables(PgCluster &cluster, const std::string &sqlite_path,
                                         const std::vector<TableCheck> &checks) {
  std::string failures;
  for (const auto &c : checks) {
    Rows pg = cluster.query(c.pg_sql);
    SqliteResult lite = TrySqliteQuery(sqlite_path, c.sqlite_sql);
    if (!lite.ok) {
      failures += "\n[" + c.name + "] SQLite: " + lite.error + " (PostgreSQL has " +
                  std::to_string(pg.size()) + " rows)";
      continue;
    }
    auto r = SameRows(pg, lite.rows, c.name + " (PostgreSQL vs SQLite)");
    if (!r) failures += std::string("\n[") + c.name + "] " + r.message();
  }
  if (failures.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "source and SQLite differ:" << failures;
}

::testing::AssertionResult WaitUntilSame(PgCluster &cluster, const std::string &sqlite_path,
                                         const std::vector<TableCheck> &checks,
                                         std::chrono::milliseconds timeout, Walrelay *relay) {
  auto start = Clock::now();
  auto deadline = start + timeout;
  ::testing::AssertionResult last = ::testing::AssertionFailure() << "not compared";
  for (;;) {
    last = CompareTables(cluster, sqlite_path, checks);
    if (last) return last;
    if (relay && !relay->Running()) {
      return ::testing::AssertionFailure()
             << "walrelay ended (" << DescribeStatus(relay->ExitStatus())
             << ") before SQLite caught up; last comparison:\n"
             << last.message() << "\n"
             << relay->LogTail();
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(300ms);
  }
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
  return ::testing::AssertionFailure()
         << "SQLite did not catch up within " << secs << " s; last comparison:\n"
         << last.message() << "\n"
         << (relay ? relay->LogTail() : std::string());
}

std::optional<SqliteCheckpoint> ReadSqliteCheckpoint(const std::string &sqlite_path,
                                                     const std::string &sink) {
  std::string s = sink;
  std::string quoted;
  for (char c : s) quoted += (c == '\'') ? std::string("''") : std::string(1, c);
  auto r = TrySqliteQuery(sqlite_path,
                          "SELECT end_lsn, end_lsn_text FROM walrelay_checkpoint "
                          "WHERE sink = '" +
                              quoted + "'");
  if (!r.ok || r.rows.empty() || !r.rows[0][0] || !r.rows[0][1]) return std::nullopt;
  SqliteCheckpoint cp;
  cp.end_lsn = std::stoull(*r.rows[0][0]);
  cp.end_lsn_text = *r.rows[0][1];
  return cp;
}

long long PendingSlotMessages(PgCluster &cluster, const std::string &slot,
                              const std::string &publication) {
  auto v = cluster.scalar("SELECT count(*) FROM pg_logical_slot_peek_binary_changes('" + slot +
                          "', NULL, NULL, 'proto_version', '1', 'publication_names', '" +
                          publication + "')");
  return std::stoll(v.value_or("0"));
}

bool WaitSlotInactive(PgCluster &cluster, const std::string &slot,
                      std::chrono::milliseconds timeout) {
  return WaitFor([&] { return !cluster.SlotActivePid(slot).has_value(); }, timeout, 50ms);
}

SlowSinkApplied ReadSlowSinkApplied(const std::string &path) {
  SlowSinkApplied a;
  std::string content = ReadFile(path);
  size_t complete = content.rfind('\n');
  if (complete == std::string::npos) return a;
  std::istringstream lines(content.substr(0, complete + 1));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::string lsn;
    long long n = 0;
    if (!(f >> lsn >> n)) continue;
    uint64_t v = ParseLsn(lsn);
    if (v > a.last_lsn) a.last_lsn = v;
    ++a.batches;
    a.changes += n;
  }
  return a;
}

}  // namespace walrelay::test
