// Test helper program: runs a librdkafka mock cluster until stdin closes or SIGTERM.
//
// Usage: walrelay_kafka_mock_cluster [brokers=3]
// Prints "bootstraps <host:port,...>" on stdout once the cluster is up. Reads commands,
// one per line, from stdin and answers each with "ok" (or "error <why>"):
//   down <broker id>|all   rd_kafka_mock_broker_set_down
//   up <broker id>|all     rd_kafka_mock_broker_set_up
//   topic <name> <partitions>   rd_kafka_mock_topic_create (replication factor 1)
//   leader <topic> <partition> <broker id>   rd_kafka_mock_partition_set_leader
//   coordinator <transaction|group> <key> <broker id>   rd_kafka_mock_coordinator_set
// Exits 0 on EOF of stdin, "quit", SIGTERM or SIGINT.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

namespace {

volatile sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

/// Applies `fn` to broker `which` ("all" = every broker 1..n). Returns false on error.
template <class F>
bool for_brokers(const std::string &which, int n, F &&fn) {
  if (which == "all") {
    for (int id = 1; id <= n; ++id) {
      if (fn(id) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
    }
    return true;
  }
  return fn(std::atoi(which.c_str())) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace

int main(int argc, char **argv) {
  const int n_brokers = argc > 1 ? std::atoi(argv[1]) : 3;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, n_brokers);
  if (mc == nullptr) {
    std::fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  std::printf("bootstraps %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);

  std::string line;
  char buf[256];
  while (!g_stop) {
    struct pollfd pfd {
      0, POLLIN, 0
    };
    const int r = poll(&pfd, 1, 200);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    const ssize_t n = read(0, buf, sizeof buf);
    if (n <= 0) break;  // stdin closed
    line.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = line.find('\n')) != std::string::npos) {
      std::istringstream cmd(line.substr(0, nl));
      line.erase(0, nl + 1);
      std::string op, arg, arg2;
      int parts = 0;
      cmd >> op >> arg;
      if (op == "coordinator") cmd >> arg2;
      cmd >> parts;
      bool ok = false;
      if (op == "quit") {
        g_stop = 1;
        ok = true;
      } else if (op == "down") {
        ok = for_brokers(arg, n_brokers,
                         [mc](int id) { return rd_kafka_mock_broker_set_down(mc, id); });
      } else if (op == "up") {
        ok = for_brokers(arg, n_brokers,
                         [mc](int id) { return rd_kafka_mock_broker_set_up(mc, id); });
      } else if (op == "leader") {  // leader <topic> <partition> <broker>
        int broker = 0;
        cmd >> broker;
        ok = rd_kafka_mock_partition_set_leader(mc, arg.c_str(), parts, broker) ==
             RD_KAFKA_RESP_ERR_NO_ERROR;
      } else if (op == "coordinator") {  // coordinator <type> <key> <broker>
        ok = rd_kafka_mock_coordinator_set(mc, arg.c_str(), arg2.c_str(), parts) ==
             RD_KAFKA_RESP_ERR_NO_ERROR;
      } else if (op == "topic") {
        ok = rd_kafka_mock_topic_create(mc, arg.c_str(), parts > 0 ? parts : 1, 1) ==
             RD_KAFKA_RESP_ERR_NO_ERROR;
      }
      std::printf(ok ? "ok\n" : "error %s\n", op.c_str());
      std::fflush(stdout);
    }
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
