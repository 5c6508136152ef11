// Transaction assembly from decoded messages and relation generations.
#include <gtest/gtest.h>

#include <thread>

#include "core/pipeline/transaction_builder.h"
#include "tests/unit/core/message_builders.h"

namespace walrelay {
namespace {

using namespace testmsg;

TEST(TransactionBuilder, AssemblesAndCopiesValues) {
  TransactionPool pool;
  TransactionBuilder b(pool);
  EXPECT_EQ(b.feed(relation(7, {"id", "v"}), 0x10), nullptr);
  EXPECT_EQ(b.feed(begin(42, 0x200), 0x20), nullptr);
  std::string scratch = "hello";
  EXPECT_EQ(b.feed(insert(7, {{'t', "1"}, {'t', scratch}}), 0x30), nullptr);
  scratch = "XXXXX";  // the decoder's buffer dies; the transaction must hold a copy
  EXPECT_EQ(b.feed(insert(7, {{'t', "2"}, {'n', {}}}), 0x40), nullptr);
  TransactionPtr t = b.feed(commit(0x200, 0x228), 0x50);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->abi.xid, 42u);
  EXPECT_EQ(t->abi.commit_lsn, 0x200u);
  EXPECT_EQ(t->abi.end_lsn, 0x228u);
  EXPECT_EQ(t->abi.commit_time_us, kPostgresEpochOffsetUs + 1000000);
  ASSERT_EQ(t->abi.n_changes, 2u);
  const wr_change *c0 = t->abi.changes[0];
  EXPECT_EQ(c0->kind, WR_CHANGE_INSERT);
  EXPECT_EQ(c0->lsn, 0x30u);
  EXPECT_STREQ(c0->relation->name, "t");
  EXPECT_EQ(c0->relation->columns[0].flags, WR_COLUMN_KEY);
  ASSERT_EQ(c0->n_new, 2u);
  EXPECT_EQ(std::string(c0->new_values[1].data, c0->new_values[1].len), "hello");
  EXPECT_EQ(t->abi.changes[1]->new_values[1].kind, WR_VALUE_NULL);
  EXPECT_FALSE(b.in_transaction());
}

TEST(TransactionBuilder, ChangedRelationGetsNewGenerationOldTxnKeepsOldShape) {
  TransactionPool pool;
  TransactionBuilder b(pool);
  b.feed(relation(7, {"id"}), 1);
  b.feed(begin(1, 0x100), 2);
  b.feed(insert(7, {{'t', "1"}}), 3);
  TransactionPtr t1 = b.feed(commit(0x100, 0x110), 4);
  b.feed(relation(7, {"id"}), 5);  // same shape: same descriptor
  b.feed(begin(2, 0x200), 6);
  b.feed(insert(7, {{'t', "2"}}), 7);
  TransactionPtr t2 = b.feed(commit(0x200, 0x210), 8);
  b.feed(relation(7, {"id", "added"}), 9);
  b.feed(begin(3, 0x300), 10);
  b.feed(insert(7, {{'t', "3"}, {'t', "x"}}), 11);
  TransactionPtr t3 = b.feed(commit(0x300, 0x310), 12);
  EXPECT_EQ(t1->abi.changes[0]->relation, t2->abi.changes[0]->relation);
  EXPECT_EQ(t1->abi.changes[0]->relation->generation, 1u);
  EXPECT_EQ(t3->abi.changes[0]->relation->generation, 2u);
  EXPECT_EQ(t1->abi.changes[0]->relation->n_columns, 1u);
  EXPECT_EQ(t3->abi.changes[0]->relation->n_columns, 2u);
}

TEST(TransactionBuilder, ProtocolViolationsNameTheLsn) {
  TransactionPool pool;
  TransactionBuilder b(pool);
  try {
    b.feed(insert(7, {{'t', "1"}}), 0x1234);
    FAIL();
  } catch (const TransactionError &e) {
    EXPECT_NE(std::string(e.what()).find("0/1234"), std::string::npos) << e.what();
  }
  b.feed(begin(1, 0x100), 1);
  try {
    b.feed(insert(99, {{'t', "1"}}), 0x2000);
    FAIL();
  } catch (const TransactionError &e) {
    EXPECT_NE(std::string(e.what()).find("relation id 99"), std::string::npos) << e.what();
  }
  b.feed(relation(7, {"id", "v"}), 2);
  EXPECT_THROW(b.feed(insert(7, {{'t', "1"}}), 3), TransactionError);  // 1 value, 2 columns
  EXPECT_THROW(b.feed(commit(0x999, 0x9a0), 4), TransactionError);     // LSN mismatch
}

TEST(TransactionBuilder, TruncateListsRelationsAndOptions) {
  TransactionPool pool;
  TransactionBuilder b(pool);
  b.feed(relation(7, {"id"}), 1);
  b.feed(relation(8, {"id"}), 2);
  b.feed(begin(1, 0x100), 3);
  Message m;
  m.type = MessageType::Truncate;
  m.truncate.options = 3;
  m.truncate.relation_ids = {7, 8};
  b.feed(m, 4);
  TransactionPtr t = b.feed(commit(0x100, 0x110), 5);
  const wr_change *c = t->abi.changes[0];
  EXPECT_EQ(c->kind, WR_CHANGE_TRUNCATE);
  EXPECT_EQ(c->n_truncate_relations, 2u);
  EXPECT_EQ(c->truncate_relations[1]->relation_id, 8u);
  EXPECT_EQ(c->truncate_options, WR_TRUNCATE_CASCADE | WR_TRUNCATE_RESTART_IDENTITY);
}

}  // namespace
}  // namespace walrelay
