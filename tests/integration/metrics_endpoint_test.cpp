// The metrics and health endpoint of a running walrelay (http.listen): /healthz, /readyz
// and /metrics with the sink's and the source's figures; a port in use is a clear start-up
// error.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

// One HTTP/1.0 GET on 127.0.0.1:port; the whole response (status line, headers, body), or
// "" when nothing answers.
std::string HttpGet(int port, const std::string &path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return out;
}

// The value of the sample line starting with `series` (e.g. `x_total{sink="a"}`), or -1.
double Sample(const std::string &metrics, const std::string &series) {
  const auto at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 2));
}

class MetricsEndpoint : public RelayTest {};

TEST_F(MetricsEndpoint, ServesHealthReadinessAndTheSinksFigures) {
  StartCluster();
  pg().exec(R"sql(
    CREATE TABLE t (id int PRIMARY KEY, v text);
    CREATE PUBLICATION walrelay_pub FOR ALL TABLES;
  )sql");
  pg().CreateLogicalSlot("walrelay");
  const int port = FreeLoopbackPort();
  const std::string db = pg().file("replica.db");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  cfg.http_listen = "127.0.0.1:" + std::to_string(port);
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  EXPECT_NE(HttpGet(port, "/healthz").find("200 OK"), std::string::npos);
  for (int i = 1; i <= 10; ++i)
    pg().exec("INSERT INTO t VALUES (" + std::to_string(i) + ", 'row')");
  ASSERT_TRUE(WaitUntilSame(
      pg(), db, {{"t", "SELECT id, v FROM t ORDER BY id", "SELECT id, v FROM t ORDER BY id"}}, 60s,
      &relay()));
  ASSERT_TRUE(
      WaitFor([&] { return HttpGet(port, "/readyz").find("200 OK") != std::string::npos; }, 30s))
      << HttpGet(port, "/readyz");
  const std::string m = HttpGet(port, "/metrics");
  ASSERT_NE(m.find("200 OK"), std::string::npos) << m;
  EXPECT_NE(m.find("# TYPE walrelay_sink_transactions_total counter"), std::string::npos);
  EXPECT_EQ(Sample(m, R"(walrelay_sink_transactions_total{sink="replica"})"), 10) << m;
  EXPECT_EQ(Sample(m, R"(walrelay_sink_changes_total{sink="replica"})"), 10) << m;
  EXPECT_EQ(Sample(m, R"(walrelay_sink_up{sink="replica"})"), 1) << m;
  const auto cp = ReadSqliteCheckpoint(db);
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(Sample(m, R"(walrelay_sink_applied_lsn{sink="replica"})"),
            static_cast<double>(cp->end_lsn));
  EXPECT_EQ(Sample(m, "walrelay_source_streaming"), 1) << m;
  EXPECT_GT(Sample(m, "walrelay_source_received_bytes_total"), 0) << m;

  // Another walrelay on the same address: refused at start-up, naming http.listen.
  RelayConfig second = SqliteRelayConfig(pg(), "walrelay2", "walrelay_pub", pg().file("b.db"));
  second.http_listen = cfg.http_listen;
  second.spool = {{"dir", pg().file("spool2")}};
  const std::string path = WriteRelayConfig(pg().file("second.yaml"), second);
  const CommandResult r = RunCommand({WalrelayBin(), "run", "-c", path}, 60s);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("http.listen"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(cfg.http_listen), std::string::npos) << r.output;
  ASSERT_TRUE(StopRelayCleanly());
  EXPECT_EQ(HttpGet(port, "/healthz"), "");  // gone with the process
}

}  // namespace
}  // namespace walrelay::test
