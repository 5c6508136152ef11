// Coalescing runs of keyed changes (src/coalesce.cpp) and the DELETE-by-keys statements.
#include <gtest/gtest.h>

#include <vector>

#include "plugins/mysql/src/coalesce.h"
#include "plugins/mysql/src/statement_cache.h"
#include "plugins/mysql/src/table_shape.h"
#include "tests/plugins/mysql/batch_builder.h"

namespace wrmysql {
namespace {

using walrelay::mysql::CoalescedRun;

const Relation kT(1, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "t",
                  {{"id", kInt4, true}, {"v", kText}});
const Relation kPair(2, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "p",
                     {{"a", kInt4, true}, {"b", kText, true}, {"v", kText}});

/// The changes of the builder's only transaction.
std::vector<const wr_change *> changes(BatchBuilder &b) {
  const wr_batch &batch = b.build();
  std::vector<const wr_change *> out;
  for (uint32_t i = 0; i < batch.txns[0]->n_changes; ++i) out.push_back(batch.txns[0]->changes[i]);
  return out;
}

TEST(mysql_coalesce, NetEffectPerKey) {
  BatchBuilder b;
  b.txn(0x100)
      .update(kT, WR_OLD_NONE, {}, {T("1"), T("a")})           // 0: update of an existing row
      .update(kT, WR_OLD_NONE, {}, {T("1"), T("b")})           // 1: last value wins
      .insert(kT, {T("2"), T("x")})                            // 2: insert ...
      .update(kT, WR_OLD_NONE, {}, {T("2"), T("y")})           // 3: ... updated: one insert of y
      .insert(kT, {T("3"), T("gone")})                         // 4: insert ...
      .del(kT, WR_OLD_KEY, {T("3"), N})                        // 5: ... deleted: nothing
      .del(kT, WR_OLD_KEY, {T("4"), N})                        // 6: delete ...
      .insert(kT, {T("4"), T("again")})                        // 7: ... and insert: both
      .del(kT, WR_OLD_KEY, {T("5"), N})                        // 8: plain delete
      .update(kT, WR_OLD_KEY, {T("6"), N}, {T("6"), T("k")});  // 9: old key == new key
  const auto run = changes(b);
  const std::vector<uint32_t> keys = {0};
  CoalescedRun out;
  walrelay::mysql::coalesce(run, keys, out);
  EXPECT_EQ(out.deletes, (std::vector<uint32_t>{0, 6, 8, 9}));
  EXPECT_EQ(out.inserts, (std::vector<uint32_t>{1, 3, 7, 9}));
  // Reused without allocation surprises: same result again.
  walrelay::mysql::coalesce(run, keys, out);
  EXPECT_EQ(out.deletes.size(), 4u);
}

TEST(mysql_coalesce, KeysCompareByAllKeyColumnsAndExactBytes) {
  BatchBuilder b;
  b.txn(0x100)
      .update(kPair, WR_OLD_NONE, {}, {T("1"), T("a"), T("1")})
      .update(kPair, WR_OLD_NONE, {}, {T("1"), T("A"), T("2")})  // other key: case differs
      .update(kPair, WR_OLD_NONE, {}, {T("2"), T("a"), T("3")})
      .update(kPair, WR_OLD_NONE, {}, {T("1"), T("a"), T("4")});  // same as the first
  const auto run = changes(b);
  const std::vector<uint32_t> keys = {0, 1};
  CoalescedRun out;
  walrelay::mysql::coalesce(run, keys, out);
  EXPECT_EQ(out.deletes, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(out.inserts, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_TRUE(walrelay::mysql::same_key(run[0]->new_values, run[3]->new_values, keys));
  EXPECT_FALSE(walrelay::mysql::same_key(run[0]->new_values, run[1]->new_values, keys));
}

TEST(mysql_coalesce, DeleteByKeysStatements) {
  const auto one = walrelay::mysql::TableShape::from_relation(*kT.get(), {}, "db");
  auto d1 =
      walrelay::mysql::build_statement(one, walrelay::mysql::Op::DeleteKeys, WR_OLD_NONE, {}, 3);
  EXPECT_EQ(d1.sql, "DELETE FROM `db`.`t` WHERE `id` IN (?,?,?)");
  EXPECT_EQ(d1.plan.size(), 3u);
  EXPECT_EQ(d1.plan[2].row, 2u);
  const auto two = walrelay::mysql::TableShape::from_relation(*kPair.get(), {}, "db");
  auto d2 =
      walrelay::mysql::build_statement(two, walrelay::mysql::Op::DeleteKeys, WR_OLD_NONE, {}, 2);
  EXPECT_EQ(d2.sql, "DELETE FROM `db`.`p` WHERE (`a` = ? AND `b` = ?) OR (`a` = ? AND `b` = ?)");
  EXPECT_EQ(d2.plan.size(), 4u);
  EXPECT_EQ(d2.plan[3].column, 1u);
  EXPECT_EQ(d2.plan[3].row, 1u);
}

}  // namespace
}  // namespace wrmysql
