// Kafka sink against the mock cluster: one source transaction over several apply() calls
// (WR_CAP_PARTIAL_TXN), in both delivery modes.
//
// The mock cluster (librdkafka 2.0.2, and still today) answers Fetch with
// LastStableOffset = end of log and no aborted-transaction list, so a read_committed
// consumer of the mock also sees records of open and aborted transactions. What a real
// broker's read_committed consumer sees follows from the Kafka transaction's state, so
// these tests observe that state where the mock shows it: the checkpoint record (written
// in the same Kafka transaction, with the last piece only), load_position, and the
// records of each attempt. See plugins/kafka/README.md "Testing".
#include <map>
#include <string>
#include <vector>

#include "tests/plugins/kafka/common/composed_batch.h"
#include "tests/plugins/kafka/common/json_value.h"
#include "tests/plugins/kafka/common/mock_fixture.h"
#include "tests/plugins/sqlite/batch_builder.h"

namespace kafkatest {
namespace {

using namespace wrtest;

constexpr wr_lsn kEnd = 0x9000;

class kafka_partial_txn : public MockSinkTest {
 protected:
  /// Builds the three pieces of one transaction ending at kEnd: rows 1-3, 4-6, 7-9.
  void SetUp() override {
    MockSinkTest::SetUp();
    for (int p = 0; p < 3; ++p) {
      builders_[p].txn(kEnd);
      for (int i = 1; i <= 3; ++i) {
        builders_[p].insert(items, {T(std::to_string(p * 3 + i))});
      }
    }
    const uint32_t flags[3] = {WR_BATCH_TXN_CONTINUES,
                               WR_BATCH_TXN_CONTINUES | WR_BATCH_TXN_CONTINUED,
                               WR_BATCH_TXN_CONTINUED};
    for (int p = 0; p < 3; ++p) pieces_[p] = with_flags(builders_[p].build(), flags[p]);
  }
  /// Checkpoint records of sink "events" in `topic`.
  std::vector<std::string> checkpoints(const std::string &topic) {
    std::vector<std::string> out;
    for (const Record &r : read_topic(cluster_.bootstraps(), topic)) {
      if (r.key == "events" && r.value) out.push_back(parse_json(*r.value)["end_lsn"].num());
    }
    return out;
  }
  /// Keys 1..9 of the items topic, each expected `n` times.
  static std::map<std::string, int> all_rows(int n) {
    std::map<std::string, int> m;
    for (int i = 1; i <= 9; ++i) m["{\"id\":" + std::to_string(i) + "}"] = n;
    return m;
  }

  Relation items{16700, 1, 'd', "public", "items", {{"id", kInt4, true}}};
  BatchBuilder builders_[3];
  wr_batch pieces_[3]{};
};

TEST_F(kafka_partial_txn, TransactionalPiecesCommitOnceWithTheLastPiece) {
  ASSERT_TRUE(cluster_.command("topic cpp 1"));
  ASSERT_EQ(open({{"transactional_id", "walrelay-pieces-1"}, {"checkpoint_topic", "cpp"}}), WR_OK)
      << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);
  ASSERT_EQ(apply(pieces_[0]), WR_OK) << g_last_error;
  ASSERT_EQ(apply(pieces_[1]), WR_OK) << g_last_error;
  // The Kafka transaction is still open: no checkpoint record, so nothing is committed.
  EXPECT_TRUE(checkpoints("cpp").empty());
  EXPECT_EQ(count_by_key("pg.public.items", false).size(), 6u)
      << "pieces 1 and 2 are delivered (inside the open transaction)";

  ASSERT_EQ(apply(pieces_[2]), WR_OK) << g_last_error;
  EXPECT_EQ(checkpoints("cpp"), (std::vector<std::string>{std::to_string(kEnd)}));
  EXPECT_EQ(position(), kEnd);
  EXPECT_EQ(count_by_key("pg.public.items"), all_rows(1));

  // A new instance reads the position back and skips every piece of the transaction.
  ASSERT_EQ(open({{"transactional_id", "walrelay-pieces-1"}, {"checkpoint_topic", "cpp"}}), WR_OK)
      << g_last_error;
  EXPECT_EQ(position(), kEnd);
  for (const wr_batch &p : pieces_) EXPECT_EQ(apply(p), WR_OK) << g_last_error;
  EXPECT_EQ(count_by_key("pg.public.items"), all_rows(1));
  EXPECT_EQ(checkpoints("cpp").size(), 1u);
}

TEST_F(kafka_partial_txn, TransactionalFailureBetweenPiecesAbortsAndStartsOver) {
  ASSERT_TRUE(cluster_.command("topic cpf 1"));
  ASSERT_EQ(open({{"transactional_id", "walrelay-pieces-2"},
                  {"checkpoint_topic", "cpf"},
                  {"librdkafka.message.timeout.ms", "2000"},
                  {"librdkafka.reconnect.backoff.max.ms", "500"},
                  {"delivery_timeout_ms", "10000"}}),
            WR_OK)
      << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);
  ASSERT_EQ(apply(pieces_[0]), WR_OK) << g_last_error;
  ASSERT_TRUE(cluster_.command("down all"));
  EXPECT_EQ(apply(pieces_[1]), WR_RETRY);
  ASSERT_TRUE(cluster_.command("up all"));
  // The whole open transaction was aborted: the piece after it cannot continue it.
  EXPECT_EQ(apply(pieces_[2]), WR_RETRY);
  EXPECT_NE(g_last_error.find("first piece"), std::string::npos) << g_last_error;

  // The host: load_position (unchanged), then the transaction again from its first piece.
  EXPECT_EQ(position(), WR_LSN_INVALID);
  EXPECT_TRUE(checkpoints("cpf").empty());
  ASSERT_EQ(retry_apply(pieces_[0]), WR_OK) << g_last_error;
  ASSERT_EQ(apply(pieces_[1]), WR_OK) << g_last_error;
  EXPECT_TRUE(checkpoints("cpf").empty());
  ASSERT_EQ(apply(pieces_[2]), WR_OK) << g_last_error;
  EXPECT_EQ(position(), kEnd);
  EXPECT_EQ(checkpoints("cpf"), (std::vector<std::string>{std::to_string(kEnd)}));

  // Rows 4-9 were never delivered by the aborted attempt: exactly once. Rows 1-3 were
  // delivered inside the aborted transaction too; a real broker hides those from
  // read_committed consumers, the mock does not (see the top of this file), so they are
  // counted as the aborted copy plus the committed one.
  std::map<std::string, int> expected = all_rows(1);
  for (int i = 1; i <= 3; ++i) expected["{\"id\":" + std::to_string(i) + "}"] = 2;
  EXPECT_EQ(count_by_key("pg.public.items"), expected);
}

TEST_F(kafka_partial_txn, IdempotentPiecesAreDeliveredPieceByPiece) {
  ASSERT_EQ(open(), WR_OK) << g_last_error;
  for (int p = 0; p < 3; ++p) {
    ASSERT_EQ(apply(pieces_[p]), WR_OK) << g_last_error;
    EXPECT_EQ(count_by_key("pg.public.items").size(), static_cast<size_t>(3 * (p + 1)))
        << "every piece is delivered before apply returns";
  }
  EXPECT_EQ(count_by_key("pg.public.items"), all_rows(1));
  EXPECT_EQ(position(), WR_LSN_INVALID) << "at-least-once mode stores no position";
}

TEST_F(kafka_partial_txn, IdempotentRestartFromTheFirstPieceAfterAFailure) {
  ASSERT_EQ(open({{"librdkafka.message.timeout.ms", "2000"},
                  {"librdkafka.reconnect.backoff.max.ms", "500"}}),
            WR_OK)
      << g_last_error;
  ASSERT_EQ(apply(pieces_[0]), WR_OK) << g_last_error;
  ASSERT_TRUE(cluster_.command("down all"));
  EXPECT_EQ(apply(pieces_[1]), WR_RETRY);
  ASSERT_TRUE(cluster_.command("up all"));
  EXPECT_EQ(apply(pieces_[2]), WR_RETRY) << "cannot continue a discarded transaction";
  ASSERT_EQ(retry_apply(pieces_[0]), WR_OK) << g_last_error;
  ASSERT_EQ(apply(pieces_[1]), WR_OK) << g_last_error;
  ASSERT_EQ(apply(pieces_[2]), WR_OK) << g_last_error;
  // At-least-once: piece 1 twice (duplicates allowed), nothing lost.
  std::map<std::string, int> expected = all_rows(1);
  for (int i = 1; i <= 3; ++i) expected["{\"id\":" + std::to_string(i) + "}"] = 2;
  EXPECT_EQ(count_by_key("pg.public.items"), expected);
}

TEST_F(kafka_partial_txn, PieceOfAnotherTransactionIsRetry) {
  ASSERT_EQ(open({{"transactional_id", "walrelay-pieces-3"}, {"checkpoint_topic", "cpx"}}), WR_OK)
      << g_last_error;
  EXPECT_EQ(position(), WR_LSN_INVALID);
  EXPECT_EQ(apply(pieces_[1]), WR_RETRY) << "a continuation without its first piece";
  ASSERT_EQ(apply(pieces_[0]), WR_OK) << g_last_error;
  BatchBuilder other;
  other.txn(kEnd + 0x100).insert(items, {T("100")});
  EXPECT_EQ(apply(with_flags(other.build(), WR_BATCH_TXN_CONTINUED)), WR_RETRY);
  EXPECT_NE(g_last_error.find("different transaction"), std::string::npos) << g_last_error;
  // Started over: all pieces, committed once.
  EXPECT_EQ(position(), WR_LSN_INVALID);
  for (const wr_batch &p : pieces_) ASSERT_EQ(apply(p), WR_OK) << g_last_error;
  EXPECT_EQ(position(), kEnd);
}

}  // namespace
}  // namespace kafkatest
