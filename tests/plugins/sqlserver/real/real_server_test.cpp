// Against a real SQL Server named by WALRELAY_TEST_MSSQL
// ("host=H;port=1433;user=sa;password=P;database=D"), skipped when unset. Drives the
// plugin through its C ABI: DDL, DML, checkpoint, replay of an applied batch, bulk copy,
// bcp batches inside the transaction, table_map and type_change: follow.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/plugins/sqlserver/plugin_loader.h"

namespace wrsqlserver {
namespace {

/// The options in WALRELAY_TEST_MSSQL (key=value;...), or empty when unset.
Options server_options() {
  Options out;
  const char *env = std::getenv("WALRELAY_TEST_MSSQL");
  if (env == nullptr || *env == '\0') return out;
  std::string s = env;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(';', pos);
    if (end == std::string::npos) end = s.size();
    const std::string item = s.substr(pos, end - pos);
    const size_t eq = item.find('=');
    if (eq != std::string::npos) out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    pos = end + 1;
  }
  return out;
}

TEST(SqlServerReal, AppliesBatchAndStoresCheckpointExactlyOnce) {
  const Options opts = server_options();
  if (opts.empty())
    GTEST_SKIP() << "WALRELAY_TEST_MSSQL is not set (see plugins/sqlserver/README.md)";
  ASSERT_NE(plugin(), nullptr);
  wr_sink *sink = nullptr;
  const std::string name = "real_test_" + std::to_string(::time(nullptr));
  ASSERT_EQ(create_sink(opts, &sink, name.c_str()), WR_OK) << g_last_error;
  const std::string table = "wr_real_" + std::to_string(::time(nullptr));
  Relation r(1, 1, 'd', "public", table,
             {{"id", kInt4, true},
              {"s", kText},
              {"n", kNumeric, false, numeric_typmod(12, 2)},
              {"ts", kTimestamptz},
              {"u", kUuid},
              {"b", kBytea},
              {"a", kInt4Array}});
  BatchBuilder b;
  b.txn(0x3000).insert(r, {T("1"), T("caf\xC3\xA9 'q' \xF0\x9F\x98\x80"), T("12.50"),
                           T("2024-03-01 02:00:00.5+05:30"),
                           T("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), T("\\x00ff"), T("{1,2}")});
  b.insert(r, {T("2"), N, N, N, N, N, N});
  b.txn(0x4000).update(r, WR_OLD_NONE, {}, {T("2"), T("x"), T("1"), N, N, N, N});
  b.del(r, WR_OLD_KEY, {T("1"), N, N, N, N, N, N});
  const wr_batch &batch = b.build();
  ASSERT_EQ(plugin()->vtable->apply(sink, &batch), WR_OK) << g_last_error;
  wr_lsn lsn = 0;
  ASSERT_EQ(plugin()->vtable->load_position(sink, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(lsn, 0x4000u);
  // Replaying the same batch is skipped (already applied): no duplicate key error.
  ASSERT_EQ(plugin()->vtable->apply(sink, &batch), WR_OK) << g_last_error;
  // A duplicate insert in a new transaction is a constraint violation: fatal.
  BatchBuilder dup;
  dup.txn(0x5000).insert(r, {T("2"), N, N, N, N, N, N});
  EXPECT_EQ(plugin()->vtable->apply(sink, &dup.build()), WR_FATAL);
  ASSERT_EQ(plugin()->vtable->load_position(sink, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(lsn, 0x4000u);
  plugin()->vtable->destroy(sink);
}

TEST(SqlServerReal, BulkCopiesLargeInsertRunInsideTheTransaction) {
  Options opts = server_options();
  if (opts.empty())
    GTEST_SKIP() << "WALRELAY_TEST_MSSQL is not set (see plugins/sqlserver/README.md)";
  ASSERT_NE(plugin(), nullptr);
  opts.emplace_back("bulk_min_rows", "2");
  wr_sink *sink = nullptr;
  const std::string name = "real_bulk_" + std::to_string(::time(nullptr));
  ASSERT_EQ(create_sink(opts, &sink, name.c_str()), WR_OK) << g_last_error;
  const std::string table = "wr_bulk_" + std::to_string(::time(nullptr));
  Relation r(2, 1, 'd', "public", table,
             {{"id", kInt8, true},
              {"s", kText},
              {"n", kNumeric, false, numeric_typmod(12, 2)},
              {"ts", kTimestamptz},
              {"t2", kTimestamp},
              {"u", kUuid},
              {"b", kBytea},
              {"f", kFloat8},
              {"ok", kBool}});
  BatchBuilder b;
  b.txn(0x3000)
      .insert(r, {T("1"),
                  T("Gr\xC3\xBC\xC3\x9F"
                    "e \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87"),
                  T("-12345.67"), T("2024-03-01 02:00:00.5+05:30"), T("1999-12-31 23:59:59.123456"),
                  T("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), T("\\x00ff"), T("1.5"), T("t")})
      .insert(r, {T("2"), N, N, N, N, N, N, N, N})
      .insert(r, {T("3"), T(""), T("0.05"), N, N, N, T("\\x"), T("-0"), T("f")});
  b.txn(0x4000).update(r, WR_OLD_NONE, {}, {T("2"), T("x"), N, N, N, N, N, N, N});
  const wr_batch &batch = b.build();
  ASSERT_EQ(plugin()->vtable->apply(sink, &batch), WR_OK) << g_last_error;
  wr_lsn lsn = 0;
  ASSERT_EQ(plugin()->vtable->load_position(sink, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(lsn, 0x4000u);
  // A duplicate key inside a bulk copy: fatal, nothing of the batch committed.
  BatchBuilder dup;
  dup.txn(0x5000)
      .insert(r, {T("10"), N, N, N, N, N, N, N, N})
      .insert(r, {T("1"), N, N, N, N, N, N, N, N});
  EXPECT_EQ(plugin()->vtable->apply(sink, &dup.build()), WR_FATAL);
  ASSERT_EQ(plugin()->vtable->load_position(sink, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(lsn, 0x4000u);
  plugin()->vtable->destroy(sink);
}

TEST(SqlServerReal, BcpBatchesStayInTheTransactionAndTypeChangeFollows) {
  Options opts = server_options();
  if (opts.empty())
    GTEST_SKIP() << "WALRELAY_TEST_MSSQL is not set (see plugins/sqlserver/README.md)";
  ASSERT_NE(plugin(), nullptr);
  const std::string source = "wr_src_" + std::to_string(::time(nullptr));
  const std::string dest = "wr_mapped_" + std::to_string(::time(nullptr));
  opts.emplace_back("bulk_min_rows", "2");
  opts.emplace_back("bulk_batch_rows", "2");
  opts.emplace_back("type_change", "follow");
  opts.emplace_back("table_map", "public." + source + "=" + dest);
  wr_sink *sink = nullptr;
  const std::string name = "real_bcp_batch_" + std::to_string(::time(nullptr));
  ASSERT_EQ(create_sink(opts, &sink, name.c_str()), WR_OK) << g_last_error;
  Relation g1(3, 1, 'd', "public", source, {{"id", kInt8, true}, {"n", kInt4}});
  Relation g2(3, 2, 'd', "public", source, {{"id", kInt8, true}, {"n", kInt8}});
  auto rows = [](BatchBuilder &b, wr_lsn end, const Relation &rel, std::vector<int> ids) {
    auto &txn = b.txn(end);
    for (int id : ids) txn.insert(rel, {T(std::to_string(id)), T("5")});
  };
  BatchBuilder b1;
  rows(b1, 0x3000, g1, {1, 2, 3, 4, 5});  // three bcp batches
  ASSERT_EQ(plugin()->vtable->apply(sink, &b1.build()), WR_OK) << g_last_error;
  wr_lsn lsn = 0;
  ASSERT_EQ(plugin()->vtable->load_position(sink, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(lsn, 0x3000u);
  // A duplicate key in the third bcp batch: fatal, and the first two batches (10..13) are
  // rolled back with the transaction (bcp_batch commits nothing inside it).
  BatchBuilder b2;
  rows(b2, 0x4000, g1, {10, 11, 12, 13, 1});
  EXPECT_EQ(plugin()->vtable->apply(sink, &b2.build()), WR_FATAL);
  ASSERT_EQ(plugin()->vtable->load_position(sink, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(lsn, 0x3000u);
  // 10 and 11 again, now int8: ALTER COLUMN, and no duplicate key (nothing was committed).
  BatchBuilder b3;
  auto &txn = b3.txn(0x5000);
  txn.insert(g2, {T("10"), T("9000000000")}).insert(g2, {T("11"), T("-9000000000")});
  ASSERT_EQ(plugin()->vtable->apply(sink, &b3.build()), WR_OK) << g_last_error;
  ASSERT_EQ(plugin()->vtable->load_position(sink, &lsn), WR_OK) << g_last_error;
  EXPECT_EQ(lsn, 0x5000u);
  plugin()->vtable->destroy(sink);
}

}  // namespace
}  // namespace wrsqlserver
