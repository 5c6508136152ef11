// Config loading: typed keys, strict unknown-key checks with file:line:column, ${ENV}.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config/config.h"

namespace walrelay {
namespace {

const char *kGood = R"(log_level: debug
plugin_dir: /opt/plugins
source:
  conninfo: "host=127.0.0.1 password=${WR_TEST_SECRET}"
  slot: s1
  publication: "p1, p2"
  create_slot: false
  status_interval_ms: 500
pipeline:
  batch_max_txns: 7
  early_apply: false
spool:
  dir: /var/spool/w
  fsync: never
  group_commit_ms: 25
  ack: spooled
  max_bytes: 2097152
sinks:
  - name: a
    plugin: sqlite
    options:
      path: /tmp/x.db
      tls:
        ca: /etc/ca.pem
      hosts: [h1, h2]
)";

std::string error_of(const std::string &yaml) {
  try {
    parse_config(yaml, "w.yaml");
  } catch (const ConfigError &e) {
    return e.what();
  }
  return "";
}

TEST(Config, ParsesEveryKeyAndFlattensOptions) {
  setenv("WR_TEST_SECRET", "s3cret", 1);
  const Config c = parse_config(kGood, "w.yaml");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.plugin_dir, "/opt/plugins");
  EXPECT_EQ(c.source.conninfo, "host=127.0.0.1 password=s3cret");
  EXPECT_EQ(c.source.slot, "s1");
  EXPECT_EQ(c.source.publication, "p1, p2");
  EXPECT_FALSE(c.source.create_slot);
  EXPECT_EQ(c.source.status_interval_ms, 500);
  EXPECT_EQ(c.pipeline.batch_max_txns, 7u);
  EXPECT_FALSE(c.pipeline.early_apply);
  EXPECT_EQ(c.spool.dir, "/var/spool/w");
  EXPECT_EQ(c.spool.fsync, SpoolFsync::kNever);
  EXPECT_EQ(c.spool.group_commit_ms, 25);
  EXPECT_EQ(c.spool.ack, AckMode::kSpooled);
  EXPECT_EQ(c.spool.max_bytes, 2097152u);
  ASSERT_EQ(c.sinks.size(), 1u);
  const auto &o = c.sinks[0].options;
  ASSERT_EQ(o.size(), 4u);
  EXPECT_EQ(o[0].key, "path");
  EXPECT_EQ(o[0].where, "w.yaml:22:13");
  EXPECT_EQ(o[1].key, "tls.ca");
  EXPECT_EQ(o[2].key, "hosts.0");
  EXPECT_EQ(o[3].value, "h2");
}

TEST(Config, SnapshotShorthandAndSection) {
  const std::string base =
      "source: {conninfo: x, slot: s, publication: p}\n"
      "sinks: [{name: a, plugin: sqlite}]\n";
  EXPECT_EQ(parse_config(base + "snapshot: initial\n", "w.yaml").snapshot.mode,
            SnapshotMode::kInitial);
  const Config c = parse_config(
      base + "snapshot: {mode: initial_only, workers: 2, chunk_bytes: 1048576}\n", "w.yaml");
  EXPECT_EQ(c.snapshot.mode, SnapshotMode::kInitialOnly);
  EXPECT_EQ(c.snapshot.workers, 2);
  EXPECT_EQ(c.snapshot.chunk_bytes, 1048576u);
  EXPECT_EQ(parse_config(base, "w.yaml").snapshot.mode, SnapshotMode::kNever);
  const std::string e = error_of(base + "snapshot: sometimes\n");
  EXPECT_NE(e.find("w.yaml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("'snapshot' must be never, initial, initial_only"), std::string::npos) << e;
  EXPECT_NE(error_of(base + "http: {listen: nowhere}\n").find("'http.listen' must be host:port"),
            std::string::npos);
}

TEST(Config, SecureDefaults) {
  const Config c = parse_config(
      "source: {conninfo: x, slot: s, publication: p}\nsinks: [{name: a, plugin: b}]\n", "w.yaml");
  EXPECT_EQ(c.http.listen, "127.0.0.1:9187");  // the metrics endpoint: loopback only
  EXPECT_TRUE(c.plugin_check_permissions);
  EXPECT_FALSE(parse_config("plugin_check_permissions: false\nsource: {conninfo: x, slot: s, "
                            "publication: p}\nsinks: [{name: a, plugin: b}]\n",
                            "w.yaml")
                   .plugin_check_permissions);
}

TEST(Config, UnknownKeyNamesFileLineColumn) {
  const std::string e = error_of(
      "source: {conninfo: x, slot: s, publication: p, slott: 1}\nsinks: [{name: a, plugin: b}]\n");
  EXPECT_NE(e.find("w.yaml:1:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'source.slott'"), std::string::npos) << e;
}

TEST(Config, WrongTypeIsAnError) {
  const std::string e = error_of(
      "source:\n  conninfo: x\n  slot: s\n  publication: p\n  status_interval_ms: soon\n"
      "sinks: [{name: a, plugin: b}]\n");
  EXPECT_NE(e.find("w.yaml:5:23"), std::string::npos) << e;
  EXPECT_NE(e.find("must be an integer"), std::string::npos) << e;
}

TEST(Config, MissingEnvVariableIsNamed) {
  unsetenv("WR_TEST_UNSET");
  const std::string e = error_of(
      "source: {conninfo: '${WR_TEST_UNSET}', slot: s, publication: p}\n"
      "sinks: [{name: a, plugin: b}]\n");
  EXPECT_NE(e.find("environment variable 'WR_TEST_UNSET' is not set"), std::string::npos) << e;
}

TEST(Config, MalformedYamlHasPosition) {
  const std::string e = error_of("source: [unclosed\n");
  EXPECT_NE(e.find("w.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("malformed YAML"), std::string::npos) << e;
}

TEST(Config, MissingRequiredAndDuplicateSinks) {
  EXPECT_NE(error_of("sinks: [{name: a, plugin: b}]\n").find("missing required key 'source'"),
            std::string::npos);
  EXPECT_NE(error_of("source: {conninfo: x, slot: s}\nsinks: [{name: a, plugin: b}]\n")
                .find("missing required key 'source.publication'"),
            std::string::npos);
  EXPECT_NE(error_of("source: {conninfo: x, slot: s, publication: p}\n"
                     "sinks: [{name: a, plugin: b}, {name: a, plugin: c}]\n")
                .find("duplicate sink name 'a'"),
            std::string::npos);
}

TEST(Config, ProtocolOptionsAndRefusedCombinations) {
  const Config c = parse_config(
      "source: {conninfo: x, slot: s, publication: p, proto_version: 4, streaming: parallel,"
      " two_phase: true, messages: true, binary: true, origin: none}\n"
      "sinks: [{name: a, plugin: b}]\n",
      "w.yaml");
  EXPECT_EQ(c.source.proto_version, 4);
  EXPECT_EQ(c.source.streaming, StreamingMode::kParallel);
  EXPECT_TRUE(c.source.two_phase && c.source.messages && c.source.binary);
  EXPECT_EQ(c.source.origin, "none");
  EXPECT_EQ(c.spool.dir, "./walrelay-spool-s");  // default: next to the config file
  auto err = [](const std::string &src) {
    return error_of("source: {conninfo: x, slot: s, publication: p, " + src +
                    "}\nsinks: [{name: a, plugin: b}]\n");
  };
  EXPECT_NE(err("proto_version: 3, streaming: parallel").find("needs source.proto_version 4"),
            std::string::npos);
  EXPECT_NE(err("proto_version: 2, two_phase: true").find("'source.two_phase: true' needs"),
            std::string::npos);
  EXPECT_NE(err("proto_version: 1, streaming: true").find("streaming: true' needs"),
            std::string::npos);
  EXPECT_NE(err("proto_version: 5").find("between 1 and 4"), std::string::npos);
  EXPECT_NE(err("streaming: sometimes").find("true, false or parallel"), std::string::npos);
  EXPECT_NE(err("origin: mine").find("must be any or none"), std::string::npos);
  EXPECT_NE(error_of("source: {conninfo: x, slot: s, publication: p}\nspool: {fsync: maybe}\n"
                     "sinks: [{name: a, plugin: b}]\n")
                .find("'spool.fsync' must be always, batch or never"),
            std::string::npos);
  const std::string gc = error_of(
      "source: {conninfo: x, slot: s, publication: p}\nspool: {group_commit_ms: 5000}\n"
      "sinks: [{name: a, plugin: b}]\n");
  EXPECT_NE(gc.find("spool.group_commit_ms"), std::string::npos) << gc;
  EXPECT_NE(gc.find("w.yaml:2"), std::string::npos) << gc;
}

TEST(Config, EscapedDollarBraceStaysLiteral) {
  EXPECT_EQ(interpolate_env("a$${B}c", "here"), "a${B}c");
  EXPECT_THROW(interpolate_env("${OPEN", "here"), ConfigError);
}

}  // namespace
}  // namespace walrelay
