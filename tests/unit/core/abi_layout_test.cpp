// Pins the sink ABI layout (LP64): a change to any of these numbers breaks every plugin
// built before it. Struct growth must only append (and then update the size, not offsets).
#include <gtest/gtest.h>
#include <walrelay/sink.h>

#include <cstddef>

#if defined(__LP64__)
static_assert(sizeof(wr_value) == 16);
static_assert(offsetof(wr_value, kind) == 0 && offsetof(wr_value, len) == 4 &&
              offsetof(wr_value, data) == 8);
static_assert(sizeof(wr_column) == 40);
static_assert(offsetof(wr_column, type_oid) == 8 && offsetof(wr_column, typmod) == 12 &&
              offsetof(wr_column, flags) == 16 && offsetof(wr_column, type_schema) == 24 &&
              offsetof(wr_column, type_name) == 32);
static_assert(sizeof(wr_config_entry) == 24);
static_assert(sizeof(wr_option) == 32);
static_assert(offsetof(wr_host_api, host_version) == 16 && offsetof(wr_host_api, log) == 24 &&
              offsetof(wr_host_api, set_error) == 32 && offsetof(wr_host_api, now_us) == 40);
static_assert(sizeof(wr_host_api) == 48);
static_assert(offsetof(wr_relation, schema) == 16 && offsetof(wr_relation, name) == 24 &&
              offsetof(wr_relation, n_columns) == 32 && offsetof(wr_relation, columns) == 40);
static_assert(sizeof(wr_relation) == 48);
static_assert(offsetof(wr_change, lsn) == 8 && offsetof(wr_change, relation) == 16 &&
              offsetof(wr_change, old_kind) == 24 && offsetof(wr_change, n_old) == 28 &&
              offsetof(wr_change, old_values) == 32 && offsetof(wr_change, n_new) == 40 &&
              offsetof(wr_change, truncate_options) == 44 &&
              offsetof(wr_change, new_values) == 48 &&
              offsetof(wr_change, n_truncate_relations) == 56 &&
              offsetof(wr_change, truncate_relations) == 64);
// Appended in ABI 1.1 (logical decoding messages): the v1 prefix above is unchanged.
static_assert(offsetof(wr_change, message_prefix) == 72 &&
              offsetof(wr_change, message_content) == 80 &&
              offsetof(wr_change, message_len) == 88 && offsetof(wr_change, message_flags) == 92);
static_assert(sizeof(wr_change) == 96);
static_assert(offsetof(wr_txn, commit_lsn) == 8 && offsetof(wr_txn, end_lsn) == 16 &&
              offsetof(wr_txn, commit_time_us) == 24 && offsetof(wr_txn, origin) == 32 &&
              offsetof(wr_txn, n_changes) == 40 && offsetof(wr_txn, changes) == 48);
static_assert(sizeof(wr_txn) == 56);
static_assert(offsetof(wr_batch, n_txns) == 4 && offsetof(wr_batch, txns) == 8 &&
              offsetof(wr_batch, end_lsn) == 16 && offsetof(wr_batch, n_changes) == 24);
// Appended in ABI 1.1 (transactions in pieces).
static_assert(offsetof(wr_batch, flags) == 32);
static_assert(sizeof(wr_batch) == 40);
static_assert(offsetof(wr_sink_vtable, create) == 8 && offsetof(wr_sink_vtable, destroy) == 16 &&
              offsetof(wr_sink_vtable, load_position) == 24 &&
              offsetof(wr_sink_vtable, apply) == 32);
static_assert(sizeof(wr_sink_vtable) == 40);
static_assert(offsetof(wr_plugin, name) == 8 && offsetof(wr_plugin, version) == 16 &&
              offsetof(wr_plugin, description) == 24 && offsetof(wr_plugin, capabilities) == 32 &&
              offsetof(wr_plugin, n_options) == 40 && offsetof(wr_plugin, options) == 48 &&
              offsetof(wr_plugin, vtable) == 56);
static_assert(sizeof(wr_plugin) == 64);
#endif

TEST(AbiLayout, StatusCodesAndKindsAreStable) {
  EXPECT_EQ(WR_OK, 0);
  EXPECT_EQ(WR_RETRY, 1);
  EXPECT_EQ(WR_FATAL, 2);
  EXPECT_EQ(WR_INVALID_CONFIG, 3);
  EXPECT_EQ(WR_UNSUPPORTED, 4);
  EXPECT_EQ(WR_VALUE_NULL, 0u);
  EXPECT_EQ(WR_VALUE_UNCHANGED_TOAST, 1u);
  EXPECT_EQ(WR_VALUE_TEXT, 2u);
  EXPECT_EQ(WR_VALUE_BINARY, 3u);
  EXPECT_EQ(WR_CHANGE_INSERT, 1u);
  EXPECT_EQ(WR_CHANGE_TRUNCATE, 4u);
  EXPECT_STREQ(WR_SINK_ENTRY_SYMBOL, "walrelay_sink_entry");
}

TEST(AbiLayout, HasFieldMacroRespectsStructSize) {
  wr_host_api small{};
  small.struct_size = offsetof(wr_host_api, set_error);
  EXPECT_TRUE(WR_HAS_FIELD(&small, wr_host_api, log));
  EXPECT_FALSE(WR_HAS_FIELD(&small, wr_host_api, set_error));
}
