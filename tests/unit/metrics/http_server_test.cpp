// The metrics endpoint: a real server on 127.0.0.1, fetched with httplib::Client.
#include "core/metrics/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

namespace walrelay::metrics {
namespace {

TEST(ParseListen, Forms) {
  ListenAddress a = parse_listen("127.0.0.1:9187");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 9187);
  a = parse_listen("[::1]:0");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 0);
  a = parse_listen("localhost:80");
  EXPECT_EQ(a.host, "localhost");
  for (const char *bad : {"127.0.0.1", ":9187", "host:", "host:x1", "host:65536", "h:123456"}) {
    try {
      parse_listen(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const MetricsServerError &e) {
      EXPECT_NE(std::string(e.what()).find("http.listen '" + std::string(bad) + "'"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(StartMetricsServer, EmptyListenMeansNoServer) {
  Metrics m;
  EXPECT_EQ(start_metrics_server(HttpConfig{""}, m), nullptr);
}

TEST(MetricsServer, ServesHealthMetricsAndReadiness) {
  Metrics m;
  auto server = start_metrics_server(HttpConfig{"127.0.0.1:0"}, m);
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);
  EXPECT_EQ(server->address(), "127.0.0.1:" + std::to_string(server->port()));
  httplib::Client cli("127.0.0.1", server->port());
  cli.set_connection_timeout(5);
  cli.set_read_timeout(5);

  auto r = cli.Get("/healthz");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");

  SinkMetrics *s = m.register_sink("mysql1");
  s->txns.add(4);
  s->changes.add(40);
  s->applied_lsn.set(1234);
  r = cli.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("\nwalrelay_sink_transactions_total{sink=\"mysql1\"} 4\n"),
            std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("\nwalrelay_sink_changes_total{sink=\"mysql1\"} 40\n"), std::string::npos);
  EXPECT_NE(r->body.find("\nwalrelay_sink_applied_lsn{sink=\"mysql1\"} 1234\n"), std::string::npos);
  EXPECT_EQ(r->body, m.render());

  r = cli.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "source: not streaming\nsink mysql1: not started yet\n");
  m.source.streaming.set(1);
  s->set_state(SinkState::kApplyFailed);
  r = cli.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "sink mysql1: last apply failed\n");
  s->set_state(SinkState::kUp);
  r = cli.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ready\n");

  r = cli.Get("/nothing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);

  server->stop();
  server->stop();  // idempotent
  httplib::Client after("127.0.0.1", server->port());
  after.set_connection_timeout(2);
  EXPECT_FALSE(after.Get("/healthz")) << "still serving after stop()";
}

TEST(MetricsServer, PortInUseFailsNamingTheAddress) {
  Metrics m;
  auto first = start_metrics_server(HttpConfig{"127.0.0.1:0"}, m);
  ASSERT_NE(first, nullptr);
  const std::string addr = "127.0.0.1:" + std::to_string(first->port());
  try {
    auto second = start_metrics_server(HttpConfig{addr}, m);
    ADD_FAILURE() << "second server bound " << addr;
  } catch (const MetricsServerError &e) {
    const std::string what = e.what();
    RecordProperty("message", what);
    EXPECT_NE(what.find("http.listen"), std::string::npos) << what;
    EXPECT_NE(what.find(addr), std::string::npos) << what;
  }
  // The first one still serves.
  httplib::Client cli("127.0.0.1", first->port());
  auto r = cli.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(MetricsServer, StopsPromptlyWithAnIdleKeepAliveClient) {
  Metrics m;
  auto server = start_metrics_server(HttpConfig{"127.0.0.1:0"}, m);
  httplib::Client cli("127.0.0.1", server->port());
  cli.set_keep_alive(true);
  ASSERT_TRUE(cli.Get("/healthz"));
  const auto t0 = std::chrono::steady_clock::now();
  server.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

}  // namespace
}  // namespace walrelay::metrics
