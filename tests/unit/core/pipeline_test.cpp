// Transaction assembly from decoded messages, relation generations, and the bounded queue.
#include <gtest/gtest.h>

#include <thread>

#include "core/pipeline/transaction_builder.h"
#include "core/pipeline/transaction_queue.h"

namespace walrelay {
namespace {

using pgoutput::Message;
using pgoutput::MessageType;

Message relation(uint32_t id, std::vector<std::string_view> cols) {
  Message m;
  m.type = MessageType::Relation;
  m.relation.relation_id = id;
  m.relation.schema = "public";
  m.relation.name = "t";
  m.relation.replica_identity = 'd';
  for (size_t i = 0; i < cols.size(); ++i)
    m.relation.columns.push_back({static_cast<uint8_t>(i == 0 ? 1 : 0), cols[i], 23, -1});
  return m;
}

Message begin(uint32_t xid, uint64_t final_lsn) {
  Message m;
  m.type = MessageType::Begin;
  m.begin = {final_lsn, 0, xid};
  return m;
}

Message commit(uint64_t commit_lsn, uint64_t end_lsn) {
  Message m;
  m.type = MessageType::Commit;
  m.commit = {0, commit_lsn, end_lsn, 1000000};
  return m;
}

Message insert(uint32_t rel, std::vector<pgoutput::ColumnValue> vals) {
  Message m;
  m.type = MessageType::Insert;
  m.insert.relation_id = rel;
  m.insert.new_tuple.columns = std::move(vals);
  return m;
}

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

TransactionPtr txn_of(TransactionPool &pool, uint64_t end, size_t payload) {
  TransactionPtr t = pool.get();
  t->abi.end_lsn = end;
  t->arena.allocate(payload);
  return t;
}

TEST(TransactionQueue, BoundsByCountAndBytesButAdmitsOneHugeTransaction) {
  TransactionPool pool;
  TransactionQueue q(pool, 1, 2, 1 << 20);
  auto a = txn_of(pool, 1, 10), b = txn_of(pool, 2, 10), c = txn_of(pool, 3, 10);
  EXPECT_TRUE(q.push(a, std::chrono::milliseconds(0)));
  EXPECT_TRUE(q.push(b, std::chrono::milliseconds(0)));
  EXPECT_FALSE(q.push(c, std::chrono::milliseconds(10)));  // count bound
  ASSERT_NE(c, nullptr);                                   // not consumed on failure
  std::vector<SharedTransaction> out;
  EXPECT_TRUE(q.pop_batch(0, out, 10, 1 << 30, std::chrono::milliseconds(0)));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]->end_lsn(), 1u);
  auto huge = txn_of(pool, 4, 4 << 20);  // larger than the byte bound, queue empty: admitted
  EXPECT_TRUE(q.push(huge, std::chrono::milliseconds(0)));
  EXPECT_FALSE(q.push(c, std::chrono::milliseconds(10)));  // byte bound now
}

TEST(TransactionQueue, PopWaitsForProducerAndDrainsAfterClose) {
  TransactionPool pool;
  TransactionQueue q(pool, 1, 100, 1 << 20);
  std::thread producer([&] {
    for (uint64_t i = 1; i <= 50; ++i) {
      auto t = txn_of(pool, i, 8);
      while (!q.push(t, std::chrono::milliseconds(100))) {
      }
    }
    q.close();
  });
  std::vector<SharedTransaction> all, batch;
  while (q.pop_batch(0, batch, 7, 1 << 30, std::chrono::milliseconds(200))) {
    EXPECT_LE(batch.size(), 7u);
    for (auto &t : batch) all.push_back(std::move(t));
    batch.clear();
  }
  producer.join();
  ASSERT_EQ(all.size(), 50u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]->end_lsn(), i + 1);
}

TEST(TransactionQueue, EveryConsumerSeesEveryTransactionAndTheSlowestBoundsTheProducer) {
  TransactionPool pool;
  TransactionQueue q(pool, 2, 3, 1 << 20);
  std::vector<TransactionPtr> ts;
  for (uint64_t i = 1; i <= 5; ++i) ts.push_back(txn_of(pool, i, 8));
  EXPECT_EQ(q.push_all(ts, 0, std::chrono::milliseconds(0)), 3u);  // bound: 3 untaken
  std::vector<SharedTransaction> fast, slow;
  ASSERT_TRUE(q.pop_batch(0, fast, 100, 1 << 30, std::chrono::milliseconds(0)));
  EXPECT_EQ(fast.size(), 3u);
  // Consumer 1 has taken nothing: still no room.
  EXPECT_EQ(q.push_all(ts, 3, std::chrono::milliseconds(10)), 3u);
  ASSERT_TRUE(q.pop_batch(1, slow, 2, 1 << 30, std::chrono::milliseconds(0)));
  EXPECT_EQ(slow.size(), 2u);
  EXPECT_EQ(q.push_all(ts, 3, std::chrono::milliseconds(0)), 5u);  // room for two more
  fast.clear();
  ASSERT_TRUE(q.pop_batch(0, fast, 100, 1 << 30, std::chrono::milliseconds(0)));
  ASSERT_EQ(fast.size(), 2u);
  EXPECT_EQ(fast[1]->end_lsn(), 5u);
  slow.clear();
  ASSERT_TRUE(q.pop_batch(1, slow, 100, 1 << 30, std::chrono::milliseconds(0)));
  ASSERT_EQ(slow.size(), 3u);
  EXPECT_EQ(slow[0]->end_lsn(), 3u);
  EXPECT_EQ(q.size(), 0u);  // everything taken by both: trimmed
  // Shared transactions go back to the pool when the last holder lets go.
  fast.clear();
  slow.clear();
  q.close();
  std::vector<SharedTransaction> none;
  EXPECT_FALSE(q.pop_batch(0, none, 10, 1 << 30, std::chrono::milliseconds(0)));
}

}  // namespace
}  // namespace walrelay
