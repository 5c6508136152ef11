// Protocol v2 streaming through decoder + TransactionBuilder, on bytes captured from
// PostgreSQL 15 (tests/data/pgoutput/stream_v2.*): a streamed transaction with a rolled-back
// savepoint, a rolled-back streamed transaction, and a small plain one.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/pgoutput/decoder.h"
#include "core/pipeline/transaction_builder.h"
#include "core/util/lsn.h"

namespace walrelay {
namespace {

struct CapturedMessage {
  uint64_t lsn;
  std::vector<uint8_t> bytes;
};

std::vector<CapturedMessage> load(const std::string &name) {
  std::ifstream in(std::string(WALRELAY_TEST_DATA_DIR) + "/pgoutput/" + name + ".hex");
  std::vector<CapturedMessage> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string lsn, xid, hex;
    if (!(fields >> lsn >> xid >> hex)) continue;
    CapturedMessage m{parse_lsn(lsn).value_or(0), {}};
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
      m.bytes.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    out.push_back(std::move(m));
  }
  return out;
}

std::string text(const wr_value &v) { return std::string(v.data, v.len); }

TEST(Streaming, StreamedTransactionsAreWholeAndAbortsDropExactlyTheirPart) {
  const auto msgs = load("stream_v2");
  ASSERT_GT(msgs.size(), 1000u);
  pgoutput::Decoder decoder(2);
  TransactionPool pool;
  TransactionBuilder builder(pool);
  std::vector<TransactionPtr> txns;
  for (const auto &m : msgs) {
    const auto &msg = decoder.decode(m.bytes.data(), m.bytes.size(), m.lsn);
    if (auto t = builder.feed(msg, m.lsn)) txns.push_back(std::move(t));
  }
  EXPECT_FALSE(builder.in_transaction());
  EXPECT_EQ(builder.open_streams(), 0u);  // the rolled-back one was dropped
  ASSERT_EQ(txns.size(), 2u);

  // The streamed transaction: 700 inserts (the savepoint's 700 are gone), update, delete.
  const wr_txn &big = txns[0]->abi;
  ASSERT_EQ(big.n_changes, 702u);
  for (uint32_t i = 0; i < 700; ++i) {
    const wr_change *c = big.changes[i];
    ASSERT_EQ(c->kind, WR_CHANGE_INSERT);
    ASSERT_EQ(text(c->new_values[0]), std::to_string(i + 1));
    ASSERT_EQ(text(c->new_values[1]), "r" + std::to_string(i + 1));
  }
  EXPECT_EQ(big.changes[700]->kind, WR_CHANGE_UPDATE);
  EXPECT_EQ(text(big.changes[700]->new_values[1]), "u");
  EXPECT_EQ(big.changes[701]->kind, WR_CHANGE_DELETE);
  EXPECT_EQ(text(big.changes[701]->old_values[0]), "2");
  EXPECT_STREQ(big.changes[0]->relation->name, "big");
  EXPECT_GT(big.end_lsn, big.commit_lsn);

  // The small plain transaction after it, in commit order.
  const wr_txn &small = txns[1]->abi;
  ASSERT_EQ(small.n_changes, 1u);
  EXPECT_EQ(text(small.changes[0]->new_values[1]), "small");
  EXPECT_GT(small.commit_lsn, big.end_lsn);
}

TEST(Streaming, ResetDropsHalfStreamedTransactions) {
  const auto msgs = load("stream_v2");
  pgoutput::Decoder decoder(2);
  TransactionPool pool;
  TransactionBuilder builder(pool);
  // Feed until the first Stream Stop: a stream is open, its transaction unfinished.
  for (const auto &m : msgs) {
    const auto &msg = decoder.decode(m.bytes.data(), m.bytes.size(), m.lsn);
    EXPECT_EQ(builder.feed(msg, m.lsn), nullptr);
    if (msg.type == pgoutput::MessageType::StreamStop) break;
  }
  EXPECT_EQ(builder.open_streams(), 1u);
  builder.reset();  // reconnect: the server streams it again from its start
  EXPECT_EQ(builder.open_streams(), 0u);
  EXPECT_FALSE(builder.in_transaction());
}

}  // namespace
}  // namespace walrelay
