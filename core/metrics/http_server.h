// The metrics and health endpoint (config `http.listen`): /metrics, /healthz, /readyz,
// served by cpp-httplib on a thread of its own.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/config/config.h"
#include "core/metrics/metrics.h"

namespace httplib {
class Server;
}

namespace walrelay::metrics {

/// The endpoint could not be started (bad address, port in use, ...). what() names
/// http.listen and the address.
class MetricsServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// host and port of an http.listen value.
struct ListenAddress {
  std::string host;  ///< without brackets ("::1" for "[::1]:9187")
  int port = 0;      ///< 0: any free port (see MetricsServer::port())
};

/// Splits "host:port" or "[v6-host]:port". Throws MetricsServerError naming http.listen
/// when the value has no port, a port that is not a number in 0..65535, or an empty host.
ListenAddress parse_listen(const std::string &listen);

/// A running HTTP server:
///   GET /metrics  200, `metrics.render()` as text/plain; version=0.0.4
///   GET /healthz  200 "ok" (the process is up)
///   GET /readyz   200 "ready" when the source streams and every registered sink is up,
///                 else 503 with one line per thing not ready ("sink s1: last apply failed")
/// Anything else is 404. Two worker threads serve requests.
class MetricsServer {
 public:
  /// Binds `listen` and starts serving `metrics` (which must outlive the server) on a new
  /// thread; returns once the server accepts connections. Throws MetricsServerError naming
  /// http.listen and the address when it cannot bind (port in use, address not local, ...).
  MetricsServer(const ListenAddress &listen, Metrics &metrics);
  /// Stops (see stop()).
  ~MetricsServer();
  MetricsServer(const MetricsServer &) = delete;
  MetricsServer &operator=(const MetricsServer &) = delete;

  /// Stops accepting, waits for requests in flight and joins the thread. Idempotent.
  void stop();
  /// The bound port (the one chosen when the configured port was 0).
  int port() const { return port_; }
  /// "host:port" as bound, for log lines.
  std::string address() const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  int port_ = 0;
  std::thread thread_;
};

/// Starts the endpoint of `config` (http.listen) serving `metrics`; nullptr when
/// http.listen is empty. Throws MetricsServerError with a message naming http.listen and
/// the address when the address is malformed or cannot be bound.
std::unique_ptr<MetricsServer> start_metrics_server(const HttpConfig &config, Metrics &metrics);

}  // namespace walrelay::metrics
