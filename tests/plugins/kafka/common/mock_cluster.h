// Test helper: runs walrelay_kafka_mock_cluster as a child and reads topics back.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace kafkatest {

/// A 3-broker librdkafka mock cluster in a child process (killed with the test process).
class MockCluster {
 public:
  MockCluster() {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[0]);
      close(in[1]);
      close(out[0]);
      close(out[1]);
      execl(WALRELAY_KAFKA_MOCK_CLUSTER, WALRELAY_KAFKA_MOCK_CLUSTER, "3", nullptr);
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_child_ = in[1];
    from_child_ = out[0];
    const std::string line = read_line(std::chrono::seconds(30));
    if (line.rfind("bootstraps ", 0) != 0) {
      throw std::runtime_error("mock cluster did not start: '" + line + "'");
    }
    bootstraps_ = line.substr(11);
  }
  ~MockCluster() {
    if (to_child_ >= 0) close(to_child_);  // EOF on stdin: the helper exits
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (from_child_ >= 0) close(from_child_);
  }
  MockCluster(const MockCluster &) = delete;
  MockCluster &operator=(const MockCluster &) = delete;

  const std::string &bootstraps() const { return bootstraps_; }

  /// Sends one command ("down all", "up 2", "topic t 3") and returns true on "ok".
  bool command(const std::string &cmd) {
    const std::string line = cmd + "\n";
    if (write(to_child_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      return false;
    }
    return read_line(std::chrono::seconds(10)) == "ok";
  }

 private:
  std::string read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "";
      pollfd p{from_child_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char b[256];
      const ssize_t n = read(from_child_, b, sizeof b);
      if (n <= 0) return buf_;
      buf_.append(b, static_cast<size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buf_;
  std::string bootstraps_;
};

/// One consumed message.
struct Record {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;  ///< nullopt: tombstone
};

/// Reads every partition of `topic` from the beginning to its end; records in
/// (partition, offset) order. `read_committed` selects the isolation level.
inline std::vector<Record> read_topic(const std::string &bootstraps, const std::string &topic,
                                      bool read_committed = true) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  const std::pair<const char *, const char *> settings[] = {
      {"bootstrap.servers", bootstraps.c_str()},
      {"group.id", "walrelay-test-reader"},
      {"enable.partition.eof", "true"},
      {"enable.auto.commit", "false"},
      {"isolation.level", read_committed ? "read_committed" : "read_uncommitted"},
      {"log_level", "3"}};
  for (const auto &[k, v] : settings) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << k << ": " << err;
    }
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  std::vector<Record> out;
  if (!rk) {
    ADD_FAILURE() << err;
    return out;
  }
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t *md = nullptr;
  int parts = 0;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      parts = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; ++p) {
    rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  int eofs = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (eofs < parts && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++eofs;
    } else if (m->err) {
      ADD_FAILURE() << "consuming " << topic << ": " << rd_kafka_message_errstr(m);
    } else {
      Record r;
      r.partition = m->partition;
      r.offset = m->offset;
      if (m->key) r.key = std::string(static_cast<const char *>(m->key), m->key_len);
      if (m->payload) r.value = std::string(static_cast<const char *>(m->payload), m->len);
      out.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  EXPECT_EQ(eofs, parts) << "did not reach the end of every partition of " << topic;

  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::sort(out.begin(), out.end(), [](const Record &a, const Record &b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  // The 2.0.2 mock keeps only the last 5 MB (or 100,000 message sets) per partition: a
  // partition not starting at offset 0 lost its oldest records.
  for (size_t i = 0; i < out.size(); ++i) {
    if ((i == 0 || out[i - 1].partition != out[i].partition) && out[i].offset != 0) {
      ADD_FAILURE() << topic << " [" << out[i].partition << "] starts at offset " << out[i].offset
                    << ": the mock cluster dropped its oldest records";
    }
  }
  return out;
}

}  // namespace kafkatest
