// Metrics and health endpoint on cpp-httplib.
#include "core/metrics/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace walrelay::metrics {

ListenAddress parse_listen(const std::string &listen) {
  const auto bad = [&](const char *why) {
    return MetricsServerError("http.listen '" + listen + "': " + why +
                              " (expected host:port, e.g. 127.0.0.1:9187 or [::1]:9187)");
  };
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw bad("no port");
  ListenAddress a;
  a.host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  if (a.host.empty()) throw bad("no host");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    throw bad("the port is not a number");
  a.port = std::stoi(port);
  if (a.port > 65535) throw bad("the port is above 65535");
  return a;
}

MetricsServer::MetricsServer(const ListenAddress &listen, Metrics &metrics)
    : server_(std::make_unique<httplib::Server>()), host_(listen.host), port_(listen.port) {
  httplib::Server &s = *server_;
  // A scrape endpoint needs few threads (httplib's default is one per core, at least 8).
  s.new_task_queue = [] { return new httplib::ThreadPool(2); };
  // SO_REUSEADDR only: httplib's default SO_REUSEPORT would let a second process bind the
  // same port silently.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  // One request per connection: an idle keep-alive connection would hold a worker (and
  // stop()) for up to the keep-alive timeout. Scrapes are seconds apart; reconnecting is free.
  s.set_keep_alive_max_count(1);
  s.Get("/metrics", [&metrics](const httplib::Request &, httplib::Response &res) {
    res.set_content(metrics.render(), kContentType);
  });
  s.Get("/healthz", [](const httplib::Request &, httplib::Response &res) {
    res.set_content("ok\n", "text/plain; charset=utf-8");
  });
  s.Get("/readyz", [&metrics](const httplib::Request &, httplib::Response &res) {
    const Readiness r = metrics.readiness();
    if (r.ready) {
      res.set_content("ready\n", "text/plain; charset=utf-8");
    } else {
      res.status = 503;
      res.set_content(r.reason, "text/plain; charset=utf-8");
    }
  });

  errno = 0;
  bool bound;
  if (port_ == 0) {
    port_ = s.bind_to_any_port(host_);
    bound = port_ > 0;
  } else {
    bound = s.bind_to_port(host_, port_);
  }
  if (!bound) {
    const int e = errno;
    std::string why = "address in use or not available";
    if (e == EADDRINUSE || e == EADDRNOTAVAIL || e == EACCES) why = std::strerror(e);
    throw MetricsServerError("http.listen: cannot listen on " + listen.host + ":" +
                             std::to_string(listen.port) + " (" + why + ")");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() only takes effect once the accept loop runs: wait for it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!s.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!s.is_running()) {
    s.stop();
    thread_.join();
    throw MetricsServerError("http.listen: the server on " + address() +
                             " did not start accepting connections");
  }
}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

std::string MetricsServer::address() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

std::unique_ptr<MetricsServer> start_metrics_server(const HttpConfig &config, Metrics &metrics) {
  if (config.listen.empty()) return nullptr;
  return std::make_unique<MetricsServer>(parse_listen(config.listen), metrics);
}

}  // namespace walrelay::metrics
