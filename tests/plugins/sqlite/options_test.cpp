// SQLite sink: plugin description and option validation through the C ABI.
#include <set>

#include "sink_harness.h"

namespace wrtest {
namespace {

TEST(sqlite_plugin, DescribesItselfAndItsOptions) {
  const wr_plugin *p = plugin();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->struct_size, sizeof(wr_plugin));
  EXPECT_EQ(p->abi_version, WR_SINK_ABI_VERSION);
  EXPECT_STREQ(p->name, "sqlite");
  EXPECT_EQ(p->capabilities, WR_CAP_TRANSACTIONAL | WR_CAP_TRUNCATE | WR_CAP_SCHEMA_CHANGE |
                                 WR_CAP_PARTIAL_TXN | WR_CAP_EARLY_APPLY);
  std::set<std::string> keys;
  for (uint32_t i = 0; i < p->n_options; ++i) {
    keys.insert(p->options[i].key);
    if (std::string(p->options[i].key) == "path") {
      EXPECT_EQ(p->options[i].required, 1);
    }
  }
  EXPECT_EQ(keys,
            (std::set<std::string>{"path", "synchronous", "busy_timeout_ms", "create_tables"}));
  ASSERT_NE(p->vtable, nullptr);
  EXPECT_NE(p->vtable->create, nullptr);
  EXPECT_NE(p->vtable->apply, nullptr);
}

TEST(sqlite_plugin, RefusesAHostWithoutAbiOne) {
  ASSERT_NE(plugin(), nullptr);  // loads the library
  void *h = dlopen(WALRELAY_PLUGIN_DIR "/walrelay-sink-sqlite.so", RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(h, nullptr);
  auto entry = reinterpret_cast<wr_sink_entry_fn>(dlsym(h, WR_SINK_ENTRY_SYMBOL));
  wr_host_api future = *host_api();
  future.abi_min = 2;
  future.abi_max = 3;
  g_last_error.clear();
  EXPECT_EQ(entry(&future), nullptr);
  EXPECT_NE(g_last_error.find("ABI"), std::string::npos) << g_last_error;
  dlclose(h);
}

TEST_F(sqlite_sink, UnknownOptionIsInvalidConfigNamingTheKey) {
  EXPECT_EQ(open({{"jornal_mode", "wal"}}), WR_INVALID_CONFIG);
  EXPECT_EQ(sink_, nullptr);
  EXPECT_NE(g_last_error.find("jornal_mode"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("test.yaml:1:1"), std::string::npos) << g_last_error;
  EXPECT_FALSE(std::filesystem::exists(path_)) << "nothing is created on a config error";
}

TEST_F(sqlite_sink, MissingPathIsInvalidConfig) {
  EXPECT_EQ(create_sink({{"synchronous", "FULL"}}, &sink_), WR_INVALID_CONFIG);
  EXPECT_EQ(sink_, nullptr);
  EXPECT_NE(g_last_error.find("path"), std::string::npos) << g_last_error;
}

TEST_F(sqlite_sink, BadOptionValuesAreInvalidConfig) {
  EXPECT_EQ(open({{"synchronous", "OFF"}}), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("synchronous"), std::string::npos) << g_last_error;
  EXPECT_EQ(open({{"busy_timeout_ms", "soon"}}), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("busy_timeout_ms"), std::string::npos) << g_last_error;
  EXPECT_EQ(open({{"busy_timeout_ms", "-1"}}), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("busy_timeout_ms"), std::string::npos) << g_last_error;
  EXPECT_EQ(open({{"create_tables", "maybe"}}), WR_INVALID_CONFIG);
  EXPECT_NE(g_last_error.find("create_tables"), std::string::npos) << g_last_error;
  EXPECT_EQ(create_sink({{"path", ""}}, &sink_), WR_INVALID_CONFIG);
}

TEST_F(sqlite_sink, AcceptsEveryDocumentedOption) {
  ASSERT_EQ(open({{"synchronous", "normal"}, {"busy_timeout_ms", "100"}, {"create_tables", "yes"}}),
            WR_OK)
      << g_last_error;
  EXPECT_EQ(q("PRAGMA journal_mode"), (Rows{{"wal"}}));
}

TEST_F(sqlite_sink, UnopenableFileIsFatal) {
  EXPECT_EQ(create_sink({{"path", dir_ + "/no/such/dir/x.db"}}, &sink_), WR_FATAL);
  EXPECT_NE(g_last_error.find("no/such/dir"), std::string::npos) << g_last_error;
}

}  // namespace
}  // namespace wrtest
