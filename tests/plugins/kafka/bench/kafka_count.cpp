// Bench helper (not a test): counts the records of Kafka topics.
//
// Usage: walrelay_kafka_count BOOTSTRAPS TOPIC...
// Prints one line per topic: "<topic> <end> <retained> <read> <tombstones> <last>":
//   end        sum of the partitions' end offsets (high watermarks): the number of records
//              ever appended when offsets are not used by transaction markers, as on
//              librdkafka's mock cluster (on a real broker, exactly-once topics also give
//              offsets to commit/abort markers)
//   retained   sum of (end - start offset): what the log still holds (the 2.0.2 mock keeps
//              only the last 5 MB or 100,000 message sets per partition)
//   read       records read from the start to the end with a read_committed consumer
//   tombstones of them, with a null value
//   last       value of the last record read from partition 0 (or "-"), e.g. the latest
//              checkpoint record
// Exit status 1 when a topic cannot be read to its end (no progress for 60 s).
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace {

struct Count {
  long long end = 0;
  long long retained = 0;
  long long records = 0;
  long long tombstones = 0;
  std::string last;  ///< value of partition 0's last record
  bool ok = false;
};

Count count_topic(const char *bootstraps, const char *topic) {
  Count c;
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  const char *settings[][2] = {
      {"bootstrap.servers", bootstraps},     {"group.id", "walrelay-kafka-count"},
      {"enable.partition.eof", "true"},      {"enable.auto.commit", "false"},
      {"isolation.level", "read_committed"}, {"log_level", "3"}};
  for (const auto &kv : settings) {
    if (rd_kafka_conf_set(conf, kv[0], kv[1], err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "%s: %s\n", kv[0], err);
      rd_kafka_conf_destroy(conf);
      return c;
    }
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", err);
    rd_kafka_conf_destroy(conf);
    return c;
  }
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, nullptr);
  const rd_kafka_metadata_t *md = nullptr;
  int parts = 0;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      parts = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  for (int p = 0; p < parts; ++p) {
    int64_t low = 0, high = 0;
    const rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk, topic, p, &low, &high, 10000);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "watermarks of %s [%d]: %s\n", topic, p, rd_kafka_err2str(e));
      parts = -1;
      break;
    }
    c.end += high;
    c.retained += high - low;
  }
  if (parts < 0) {
    rd_kafka_destroy(rk);
    return c;
  }
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; ++p) {
    rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  int eofs = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (eofs < parts &&
         std::chrono::steady_clock::now() - last_progress < std::chrono::seconds(60)) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    last_progress = std::chrono::steady_clock::now();
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++eofs;
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "consuming %s: %s\n", topic, rd_kafka_message_errstr(m));
    } else {
      ++c.records;
      if (m->payload == nullptr) ++c.tombstones;
      if (m->partition == 0 && m->payload != nullptr) {
        c.last.assign(static_cast<const char *>(m->payload), m->len);
      }
    }
    rd_kafka_message_destroy(m);
  }
  c.ok = parts > 0 && eofs == parts && c.records == c.retained;
  if (parts == 0) std::fprintf(stderr, "topic %s: no partitions (does it exist?)\n", topic);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return c;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BOOTSTRAPS TOPIC...\n", argv[0]);
    return 2;
  }
  int status = 0;
  for (int i = 2; i < argc; ++i) {
    const Count c = count_topic(argv[1], argv[i]);
    std::printf("%s %lld %lld %lld %lld %s\n", argv[i], c.end, c.retained, c.records, c.tombstones,
                c.last.empty() ? "-" : c.last.c_str());
    if (!c.ok) status = 1;
  }
  return status;
}
