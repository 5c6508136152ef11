// Replication CopyData framing and LSN text form.
#include <gtest/gtest.h>

#include "core/replication/source.h"
#include "core/replication/wire.h"
#include "core/util/lsn.h"

namespace walrelay {
namespace {

TEST(Lsn, FormatsAndParsesLikePostgres) {
  EXPECT_EQ(format_lsn(0x16B374D848ull), "16/B374D848");
  EXPECT_EQ(format_lsn(0), "0/0");
  EXPECT_EQ(parse_lsn("16/B374D848"), 0x16B374D848ull);
  EXPECT_EQ(parse_lsn("0/0"), 0u);
  EXPECT_FALSE(parse_lsn("16B374D848"));
  EXPECT_FALSE(parse_lsn("1/"));
  EXPECT_FALSE(parse_lsn("/1"));
  EXPECT_FALSE(parse_lsn("123456789/0"));
  EXPECT_FALSE(parse_lsn("1/G"));
}

TEST(Wire, StatusUpdateLayout) {
  const std::string m = replication::build_status_update(0x0102030405060708ull, 2, 3, 4, true);
  ASSERT_EQ(m.size(), 34u);
  EXPECT_EQ(m[0], 'r');
  EXPECT_EQ(static_cast<uint8_t>(m[1]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(m[8]), 0x08);
  EXPECT_EQ(static_cast<uint8_t>(m[16]), 2);
  EXPECT_EQ(static_cast<uint8_t>(m[24]), 3);
  EXPECT_EQ(static_cast<uint8_t>(m[32]), 4);
  EXPECT_EQ(m[33], 1);
}

TEST(Wire, ParsesXLogDataAndKeepaliveAndRejectsShortOnes) {
  uint8_t w[27] = {'w'};
  w[8] = 0x10;   // wal_start = 0x10
  w[16] = 0x20;  // wal_end = 0x20
  w[25] = 'B';
  w[26] = 'x';
  auto x = replication::parse_xlogdata(w, sizeof w);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->wal_start, 0x10u);
  EXPECT_EQ(x->wal_end, 0x20u);
  EXPECT_EQ(x->payload_len, 2u);
  EXPECT_EQ(x->payload[0], 'B');
  EXPECT_FALSE(replication::parse_xlogdata(w, 24));
  uint8_t k[18] = {'k'};
  k[8] = 0x30;
  k[17] = 1;
  auto ka = replication::parse_keepalive(k, sizeof k);
  ASSERT_TRUE(ka);
  EXPECT_EQ(ka->wal_end, 0x30u);
  EXPECT_TRUE(ka->reply_requested);
  EXPECT_FALSE(replication::parse_keepalive(k, 17));
}

TEST(Source, SplitsPublicationList) {
  EXPECT_EQ(replication::split_publications(" a, b ,c"),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(replication::split_publications("one"), (std::vector<std::string>{"one"}));
}

}  // namespace
}  // namespace walrelay
