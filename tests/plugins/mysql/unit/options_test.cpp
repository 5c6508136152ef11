// MySQL sink, no server: option parsing; every error names the key (and where it was set).
#include <gtest/gtest.h>

#include "plugins/mysql/src/options.h"
#include "tests/plugins/mysql/plugin_loader.h"

namespace wrmysql {
namespace {

const Options kBase = {{"user", "root"}, {"database", "app"}};

/// create() with kBase plus `extra`: status, and the error message in g_last_error.
wr_status create_with(const Options &extra) {
  Options o = kBase;
  o.insert(o.end(), extra.begin(), extra.end());
  wr_sink *s = nullptr;
  const wr_status st = create_sink(o, &s);
  if (s) plugin()->vtable->destroy(s);
  return st;
}

walrelay::mysql::SinkOptions parse(const Options &opts) {
  std::vector<wr_config_entry> entries;
  for (const auto &[k, v] : opts) entries.push_back({k.c_str(), v.c_str(), "f.yaml:2:5"});
  const wr_config cfg{sizeof(wr_config), static_cast<uint32_t>(entries.size()), entries.data()};
  return walrelay::mysql::SinkOptions::parse(walrelay::sdk::Config(&cfg));
}

TEST(mysql_options, PluginDescribesItself) {
  ASSERT_NE(plugin(), nullptr);
  EXPECT_STREQ(plugin()->name, "mysql");
  EXPECT_TRUE(plugin()->capabilities & WR_CAP_TRANSACTIONAL);
  EXPECT_TRUE(plugin()->capabilities & WR_CAP_TRUNCATE);
  EXPECT_GE(plugin()->n_options, 14u);
}

TEST(mysql_options, UnknownKeyIsRejectedByName) {
  ASSERT_NE(plugin(), nullptr);
  EXPECT_EQ(create_with({{"hostname", "x"}}), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("'hostname'"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("test.yaml:7:3"), std::string::npos) << g_last_error;
}

TEST(mysql_options, MissingRequiredKeysAreNamed) {
  ASSERT_NE(plugin(), nullptr);
  wr_sink *s = nullptr;
  EXPECT_EQ(create_sink({{"database", "app"}}, &s), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("'user'"), std::string::npos) << g_last_error;
  EXPECT_EQ(create_sink({{"user", "u"}}, &s), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("'database'"), std::string::npos) << g_last_error;
}

TEST(mysql_options, BadValuesNameTheKey) {
  ASSERT_NE(plugin(), nullptr);
  const std::vector<std::pair<Options, std::string>> cases = {
      {{{"port", "70000"}}, "'port'"},
      {{{"port", "abc"}}, "'port'"},
      {{{"ssl_mode", "sometimes"}}, "'ssl_mode'"},
      {{{"ssl_mode", "verify_ca"}}, "'ssl_ca'"},
      {{{"connect_timeout_ms", "0"}}, "'connect_timeout_ms'"},
      {{{"read_timeout_ms", "-5"}}, "'read_timeout_ms'"},
      {{{"write_timeout_ms", "x"}}, "'write_timeout_ms'"},
      {{{"create_tables", "perhaps"}}, "'create_tables'"},
      {{{"schema_map", "sales"}}, "'schema_map'"},
      {{{"schema_map", "a=b,a=c"}}, "'schema_map'"},
      {{{"insert_batch_rows", "0"}}, "'insert_batch_rows'"},
      {{{"special_floats", "zero"}}, "'special_floats'"},
      {{{"on_data_error", "ignore"}}, "'on_data_error'"},
      {{{"arrays", "jsonb"}}, "'arrays'"},
      {{{"load_data_min_rows", "-1"}}, "'load_data_min_rows'"},
      {{{"collation", "x; DROP"}}, "'collation'"},
  };
  for (const auto &[extra, key] : cases) {
    EXPECT_EQ(create_with(extra), WR_INVALID_CONFIG) << key;
    EXPECT_NE(g_last_error.find(key), std::string::npos) << key << ": " << g_last_error;
  }
}

TEST(mysql_options, ParsesEveryOption) {
  const auto o = parse({{"host", "db.example"},
                        {"port", "3307"},
                        {"socket", "/run/mysqld.sock"},
                        {"user", "u"},
                        {"password", "p"},
                        {"database", "app"},
                        {"ssl_mode", "VERIFY_IDENTITY"},
                        {"ssl_ca", "/ca.pem"},
                        {"connect_timeout_ms", "1500"},
                        {"read_timeout_ms", "2500"},
                        {"write_timeout_ms", "3500"},
                        {"schema_map", "sales = sales_db, audit=audit_db"},
                        {"create_tables", "false"},
                        {"insert_batch_rows", "100"},
                        {"load_data_min_rows", "0"},
                        {"special_floats", "fail"},
                        {"collation", "utf8mb4_bin"},
                        {"on_data_error", "SKIP"},
                        {"arrays", "text"}});
  EXPECT_EQ(o.host, "db.example");
  EXPECT_EQ(o.port, 3307u);
  EXPECT_EQ(o.socket, "/run/mysqld.sock");
  EXPECT_EQ(o.password, "p");
  EXPECT_EQ(o.ssl_mode, walrelay::mysql::SslMode::VerifyIdentity);
  EXPECT_EQ(o.ssl_ca, "/ca.pem");
  EXPECT_EQ(o.connect_timeout_ms, 1500u);
  EXPECT_EQ(o.read_timeout_ms, 2500u);
  EXPECT_EQ(o.write_timeout_ms, 3500u);
  EXPECT_EQ(o.schema_map.at("sales"), "sales_db");
  EXPECT_EQ(o.schema_map.at("audit"), "audit_db");
  EXPECT_FALSE(o.create_tables);
  EXPECT_EQ(o.insert_batch_rows, 100u);
  EXPECT_EQ(o.load_data_min_rows, 0u);
  EXPECT_TRUE(o.special_floats_fail);
  EXPECT_EQ(o.collation, "utf8mb4_bin");
  EXPECT_TRUE(o.skip_data_errors);
  EXPECT_FALSE(o.arrays_json);
  const auto d = parse({{"user", "u"}, {"database", "app"}});
  EXPECT_FALSE(d.skip_data_errors);
  EXPECT_TRUE(d.arrays_json);
}

TEST(mysql_options, UnreachableServerIsRetry) {
  ASSERT_NE(plugin(), nullptr);
  // Port 1 on loopback: connection refused, which the host should retry.
  EXPECT_EQ(create_with({{"port", "1"}, {"connect_timeout_ms", "2000"}}), WR_RETRY) << g_last_error;
  EXPECT_NE(g_last_error.find("127.0.0.1:1"), std::string::npos) << g_last_error;
}

}  // namespace
}  // namespace wrmysql
