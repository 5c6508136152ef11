// Hand-built byte tests: one per pgoutput message type (protocol v1-v4), every field checked.
#include <gtest/gtest.h>

#include <deque>
#include <stdexcept>
#include <string>

#include "core/pgoutput/decoder.h"
#include "tests/unit/pgoutput/test_util.h"

namespace walrelay::pgoutput::test {
namespace {

constexpr Lsn kWal = 0x16B374D848;

/// Decodes a copy of `b` that lives until the end of the test program (decoded views point
/// into the input, so the usual `dec(d, Bytes()...)` temporaries must not back them).
const Message &dec(Decoder &d, const Bytes &b) {
  static std::deque<std::vector<uint8_t>> keep;
  keep.push_back(b.vec());
  return d.decode(keep.back().data(), keep.back().size(), kWal);
}

TEST(pgoutput_handbuilt, Begin) {
  Decoder d;
  const Message &m = dec(d, Bytes().ch('B').u64(0x1122334455667788).i64(-5).u32(4000000000u));
  ASSERT_EQ(m.type, MessageType::Begin);
  EXPECT_EQ(m.begin.final_lsn, 0x1122334455667788u);
  EXPECT_EQ(m.begin.commit_time, -5);
  EXPECT_EQ(m.begin.xid, 4000000000u);
}

TEST(pgoutput_handbuilt, Commit) {
  Decoder d;
  const Message &m = dec(d, Bytes().ch('C').u8(0).u64(10).u64(20).i64(30));
  ASSERT_EQ(m.type, MessageType::Commit);
  EXPECT_EQ(m.commit.flags, 0);
  EXPECT_EQ(m.commit.commit_lsn, 10u);
  EXPECT_EQ(m.commit.end_lsn, 20u);
  EXPECT_EQ(m.commit.commit_time, 30);
}

TEST(pgoutput_handbuilt, Origin) {
  Decoder d;
  Bytes b;
  b.ch('O').u64(0xABCDEF12).str("node-1");
  const Message &m = d.decode(b.data(), b.size(), kWal);
  ASSERT_EQ(m.type, MessageType::Origin);
  EXPECT_EQ(m.origin.commit_lsn, 0xABCDEF12u);
  EXPECT_EQ(m.origin.name, "node-1");
  // The view points into the input buffer (no copy).
  EXPECT_EQ(static_cast<const void *>(m.origin.name.data()), b.data() + 9);
}

TEST(pgoutput_handbuilt, RelationAndPgCatalogSchema) {
  Decoder d;
  Bytes b;
  b.ch('R').u32(16385).str("sch").str("tbl").ch('i').u16(3);
  b.u8(1).str("id").u32(23).i32(-1);
  b.u8(0).str("name").u32(1043).i32(68);  // varchar(64)
  b.u8(0).str("").u32(25).i32(-1);        // empty column name is well-formed
  const Message &m = dec(d, b);
  ASSERT_EQ(m.type, MessageType::Relation);
  EXPECT_EQ(m.relation.xid, 0u);
  EXPECT_EQ(m.relation.relation_id, 16385u);
  EXPECT_EQ(m.relation.schema, "sch");
  EXPECT_EQ(m.relation.name, "tbl");
  EXPECT_EQ(m.relation.replica_identity, 'i');
  ASSERT_EQ(m.relation.columns.size(), 3u);
  EXPECT_EQ(m.relation.columns[0].flags, 1);
  EXPECT_EQ(m.relation.columns[0].name, "id");
  EXPECT_EQ(m.relation.columns[0].type_oid, 23u);
  EXPECT_EQ(m.relation.columns[0].typmod, -1);
  EXPECT_EQ(m.relation.columns[1].name, "name");
  EXPECT_EQ(m.relation.columns[1].type_oid, 1043u);
  EXPECT_EQ(m.relation.columns[1].typmod, 68);
  EXPECT_EQ(m.relation.columns[2].name, "");

  // Empty namespace means pg_catalog; zero columns is fine.
  const Message &m2 = dec(d, Bytes().ch('R').u32(1).str("").str("pg_class").ch('n').u16(0));
  EXPECT_EQ(m2.relation.schema, "pg_catalog");
  EXPECT_EQ(m2.relation.replica_identity, 'n');
  EXPECT_TRUE(m2.relation.columns.empty());
}

TEST(pgoutput_handbuilt, Type) {
  Decoder d;
  const Message &m = dec(d, Bytes().ch('Y').u32(16521).str("public").str("mood"));
  ASSERT_EQ(m.type, MessageType::Type);
  EXPECT_EQ(m.type_msg.type_oid, 16521u);
  EXPECT_EQ(m.type_msg.schema, "public");
  EXPECT_EQ(m.type_msg.name, "mood");
  EXPECT_EQ(dec(d, Bytes().ch('Y').u32(5).str("").str("t")).type_msg.schema, "pg_catalog");
}

TEST(pgoutput_handbuilt, InsertAllColumnKinds) {
  Decoder d;
  Bytes b;
  b.ch('I').u32(77).ch('N').u16(5).ch('n').ch('u').text_col("héllo").ch('b').i32(3).raw(
      std::string("\x00\x01\xff", 3));
  b.text_col("");
  const Message &m = dec(d, b);
  ASSERT_EQ(m.type, MessageType::Insert);
  EXPECT_EQ(m.insert.relation_id, 77u);
  const auto &c = m.insert.new_tuple.columns;
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0].kind, 'n');
  EXPECT_TRUE(c[0].data.empty());
  EXPECT_EQ(c[1].kind, 'u');
  EXPECT_EQ(c[2].kind, 't');
  EXPECT_EQ(c[2].data, "héllo");
  EXPECT_EQ(c[3].kind, 'b');
  EXPECT_EQ(c[3].data, std::string_view("\x00\x01\xff", 3));
  EXPECT_EQ(c[4].kind, 't');
  EXPECT_EQ(c[4].data, "");

  // Zero columns is well-formed.
  EXPECT_TRUE(dec(d, Bytes().ch('I').u32(1).ch('N').u16(0)).insert.new_tuple.columns.empty());
}

TEST(pgoutput_handbuilt, UpdateWithoutWithKeyAndWithOldRow) {
  Decoder d;
  const Message &m = dec(d, Bytes().ch('U').u32(5).ch('N').u16(1).text_col("new"));
  ASSERT_EQ(m.type, MessageType::Update);
  EXPECT_EQ(m.update.old_kind, 0);
  EXPECT_TRUE(m.update.old_tuple.columns.empty());
  EXPECT_EQ(m.update.new_tuple.columns.at(0).data, "new");

  for (char kind : {'K', 'O'}) {
    Bytes b;
    b.ch('U').u32(6).ch(kind).u16(2).text_col("k").ch('n').ch('N').u16(2).text_col("k2").ch('u');
    const Message &u = dec(d, b);
    EXPECT_EQ(u.update.relation_id, 6u);
    EXPECT_EQ(u.update.old_kind, kind);
    ASSERT_EQ(u.update.old_tuple.columns.size(), 2u);
    EXPECT_EQ(u.update.old_tuple.columns[0].data, "k");
    EXPECT_EQ(u.update.old_tuple.columns[1].kind, 'n');
    ASSERT_EQ(u.update.new_tuple.columns.size(), 2u);
    EXPECT_EQ(u.update.new_tuple.columns[0].data, "k2");
    EXPECT_EQ(u.update.new_tuple.columns[1].kind, 'u');
  }
  // Old tuple cleared again by a later update without one.
  EXPECT_TRUE(dec(d, Bytes().ch('U').u32(5).ch('N').u16(0)).update.old_tuple.columns.empty());
}

TEST(pgoutput_handbuilt, Delete) {
  Decoder d;
  for (char kind : {'K', 'O'}) {
    const Message &m = dec(d, Bytes().ch('D').u32(9).ch(kind).u16(1).text_col("42"));
    ASSERT_EQ(m.type, MessageType::Delete);
    EXPECT_EQ(m.del.relation_id, 9u);
    EXPECT_EQ(m.del.old_kind, kind);
    EXPECT_EQ(m.del.old_tuple.columns.at(0).data, "42");
  }
}

TEST(pgoutput_handbuilt, Truncate) {
  Decoder d;
  const Message &m = dec(d, Bytes().ch('T').i32(3).u8(3).u32(1).u32(2).u32(0xfffffffe));
  ASSERT_EQ(m.type, MessageType::Truncate);
  EXPECT_EQ(m.truncate.options, 3);
  EXPECT_EQ(m.truncate.relation_ids, (std::vector<uint32_t>{1, 2, 0xfffffffe}));
  EXPECT_TRUE(dec(d, Bytes().ch('T').i32(0).u8(0)).truncate.relation_ids.empty());
}

TEST(pgoutput_handbuilt, LogicalMessage) {
  Decoder d;
  const Message &m =
      dec(d, Bytes().ch('M').u8(1).u64(0x500).str("pfx").i32(4).raw(std::string("a\0b\n", 4)));
  ASSERT_EQ(m.type, MessageType::LogicalMessage);
  EXPECT_EQ(m.logical_message.xid, 0u);
  EXPECT_EQ(m.logical_message.flags, 1);
  EXPECT_EQ(m.logical_message.lsn, 0x500u);
  EXPECT_EQ(m.logical_message.prefix, "pfx");
  EXPECT_EQ(m.logical_message.content, std::string_view("a\0b\n", 4));
}

TEST(pgoutput_handbuilt, StreamBlockCarriesXidPrefix) {
  Decoder d(2);
  EXPECT_FALSE(d.in_stream());
  const Message &s = dec(d, Bytes().ch('S').u32(700).u8(1));
  ASSERT_EQ(s.type, MessageType::StreamStart);
  EXPECT_EQ(s.stream_start.xid, 700u);
  EXPECT_TRUE(s.stream_start.first_segment);
  EXPECT_TRUE(d.in_stream());
  EXPECT_EQ(d.stream_xid(), 700u);

  // Origin inside a block has no xid prefix.
  EXPECT_EQ(dec(d, Bytes().ch('O').u64(1).str("o")).origin.name, "o");
  const Message &r = dec(
      d,
      Bytes().ch('R').u32(700).u32(5).str("s").str("t").ch('d').u16(1).u8(1).str("id").u32(23).i32(
          -1));
  EXPECT_EQ(r.relation.xid, 700u);
  EXPECT_EQ(r.relation.relation_id, 5u);
  EXPECT_EQ(r.relation.columns.at(0).name, "id");
  const Message &y = dec(d, Bytes().ch('Y').u32(700).u32(99).str("s").str("ty"));
  EXPECT_EQ(y.type_msg.xid, 700u);
  EXPECT_EQ(y.type_msg.type_oid, 99u);
  const Message &i = dec(d, Bytes().ch('I').u32(701).u32(5).ch('N').u16(1).text_col("1"));
  EXPECT_EQ(i.insert.xid, 701u);  // a subtransaction's xid
  EXPECT_EQ(i.insert.relation_id, 5u);
  const Message &u = dec(d, Bytes().ch('U').u32(700).u32(5).ch('N').u16(1).text_col("2"));
  EXPECT_EQ(u.update.xid, 700u);
  EXPECT_EQ(u.update.new_tuple.columns.at(0).data, "2");
  const Message &de = dec(d, Bytes().ch('D').u32(700).u32(5).ch('K').u16(1).text_col("2"));
  EXPECT_EQ(de.del.xid, 700u);
  EXPECT_EQ(de.del.relation_id, 5u);
  const Message &t = dec(d, Bytes().ch('T').u32(700).i32(1).u8(2).u32(5));
  EXPECT_EQ(t.truncate.xid, 700u);
  EXPECT_EQ(t.truncate.options, 2);
  EXPECT_EQ(t.truncate.relation_ids, (std::vector<uint32_t>{5}));
  const Message &mm = dec(d, Bytes().ch('M').u32(700).u8(1).u64(8).str("p").i32(1).raw("x"));
  EXPECT_EQ(mm.logical_message.xid, 700u);
  EXPECT_EQ(mm.logical_message.content, "x");

  const Message &e = dec(d, Bytes().ch('E'));
  EXPECT_EQ(e.type, MessageType::StreamStop);
  EXPECT_FALSE(d.in_stream());
  EXPECT_EQ(d.stream_xid(), 0u);

  // Outside the block the same bytes without prefix decode as plain messages.
  EXPECT_EQ(dec(d, Bytes().ch('I').u32(5).ch('N').u16(0)).insert.xid, 0u);

  const Message &s2 = dec(d, Bytes().ch('S').u32(700).u8(0));
  EXPECT_FALSE(s2.stream_start.first_segment);
  d.reset();
  EXPECT_FALSE(d.in_stream());
}

TEST(pgoutput_handbuilt, StreamCommit) {
  Decoder d(2);
  const Message &m = dec(d, Bytes().ch('c').u32(700).u8(0).u64(100).u64(200).i64(300));
  ASSERT_EQ(m.type, MessageType::StreamCommit);
  EXPECT_EQ(m.stream_commit.xid, 700u);
  EXPECT_EQ(m.stream_commit.flags, 0);
  EXPECT_EQ(m.stream_commit.commit_lsn, 100u);
  EXPECT_EQ(m.stream_commit.end_lsn, 200u);
  EXPECT_EQ(m.stream_commit.commit_time, 300);
}

TEST(pgoutput_handbuilt, StreamAbortV2AndV4) {
  for (int v : {2, 3, 4}) {
    Decoder d(v);
    const Message &m = dec(d, Bytes().ch('A').u32(700).u32(701));
    ASSERT_EQ(m.type, MessageType::StreamAbort);
    EXPECT_EQ(m.stream_abort.xid, 700u);
    EXPECT_EQ(m.stream_abort.subxid, 701u);
    EXPECT_FALSE(m.stream_abort.has_abort_info);
    EXPECT_EQ(m.stream_abort.abort_lsn, 0u);
  }
  // v4 with streaming = parallel: abort LSN and time follow.
  Decoder d4(4);
  const Message &m = dec(d4, Bytes().ch('A').u32(700).u32(700).u64(0x1234).i64(99));
  EXPECT_TRUE(m.stream_abort.has_abort_info);
  EXPECT_EQ(m.stream_abort.abort_lsn, 0x1234u);
  EXPECT_EQ(m.stream_abort.abort_time, 99);
  // Without abort info again, fields reset.
  const Message &m2 = dec(d4, Bytes().ch('A').u32(1).u32(1));
  EXPECT_FALSE(m2.stream_abort.has_abort_info);
  EXPECT_EQ(m2.stream_abort.abort_lsn, 0u);
  EXPECT_EQ(m2.stream_abort.abort_time, 0);
  // Before v4 those 16 bytes are trailing garbage; in v4 a partial tail is truncation.
  Decoder d2(2);
  EXPECT_THROW(dec(d2, Bytes().ch('A').u32(1).u32(1).u64(2).i64(3)), DecodeError);
  EXPECT_THROW(dec(d4, Bytes().ch('A').u32(1).u32(1).u64(2)), DecodeError);
  EXPECT_THROW(dec(d4, Bytes().ch('A').u32(1).u32(1).u64(2).i64(3).u8(0)), DecodeError);
}

TEST(pgoutput_handbuilt, BeginPrepare) {
  Decoder d(3);
  const Message &m = dec(d, Bytes().ch('b').u64(10).u64(20).i64(30).u32(40).str("gid-1"));
  ASSERT_EQ(m.type, MessageType::BeginPrepare);
  EXPECT_EQ(m.begin_prepare.prepare_lsn, 10u);
  EXPECT_EQ(m.begin_prepare.end_lsn, 20u);
  EXPECT_EQ(m.begin_prepare.prepare_time, 30);
  EXPECT_EQ(m.begin_prepare.xid, 40u);
  EXPECT_EQ(m.begin_prepare.gid, "gid-1");
}

TEST(pgoutput_handbuilt, PrepareAndStreamPrepare) {
  Decoder d(3);
  const Message &m = dec(d, Bytes().ch('P').u8(0).u64(10).u64(20).i64(30).u32(40).str("g"));
  ASSERT_EQ(m.type, MessageType::Prepare);
  EXPECT_EQ(m.prepare.flags, 0);
  EXPECT_EQ(m.prepare.prepare_lsn, 10u);
  EXPECT_EQ(m.prepare.end_lsn, 20u);
  EXPECT_EQ(m.prepare.prepare_time, 30);
  EXPECT_EQ(m.prepare.xid, 40u);
  EXPECT_EQ(m.prepare.gid, "g");
  const Message &p = dec(d, Bytes().ch('p').u8(0).u64(11).u64(21).i64(31).u32(41).str("h"));
  ASSERT_EQ(p.type, MessageType::StreamPrepare);
  EXPECT_EQ(p.stream_prepare.prepare_lsn, 11u);
  EXPECT_EQ(p.stream_prepare.end_lsn, 21u);
  EXPECT_EQ(p.stream_prepare.prepare_time, 31);
  EXPECT_EQ(p.stream_prepare.xid, 41u);
  EXPECT_EQ(p.stream_prepare.gid, "h");
}

TEST(pgoutput_handbuilt, CommitPrepared) {
  Decoder d(4);
  const Message &m = dec(d, Bytes().ch('K').u8(0).u64(10).u64(20).i64(30).u32(40).str("g"));
  ASSERT_EQ(m.type, MessageType::CommitPrepared);
  EXPECT_EQ(m.commit_prepared.commit_lsn, 10u);
  EXPECT_EQ(m.commit_prepared.end_lsn, 20u);
  EXPECT_EQ(m.commit_prepared.commit_time, 30);
  EXPECT_EQ(m.commit_prepared.xid, 40u);
  EXPECT_EQ(m.commit_prepared.gid, "g");
}

TEST(pgoutput_handbuilt, RollbackPrepared) {
  Decoder d(3);
  const Message &m =
      dec(d, Bytes().ch('r').u8(0).u64(10).u64(20).i64(30).i64(35).u32(40).str("gid"));
  ASSERT_EQ(m.type, MessageType::RollbackPrepared);
  EXPECT_EQ(m.rollback_prepared.prepare_end_lsn, 10u);
  EXPECT_EQ(m.rollback_prepared.rollback_end_lsn, 20u);
  EXPECT_EQ(m.rollback_prepared.prepare_time, 30);
  EXPECT_EQ(m.rollback_prepared.rollback_time, 35);
  EXPECT_EQ(m.rollback_prepared.xid, 40u);
  EXPECT_EQ(m.rollback_prepared.gid, "gid");
}

TEST(pgoutput_handbuilt, ProtocolVersionGates) {
  EXPECT_THROW(Decoder(0), std::invalid_argument);
  EXPECT_THROW(Decoder(5), std::invalid_argument);
  EXPECT_EQ(Decoder().protocol_version(), 1);

  Decoder v1(1), v2(2);
  EXPECT_THROW(dec(v1, Bytes().ch('S').u32(1).u8(1)), DecodeError);
  EXPECT_THROW(dec(v1, Bytes().ch('E')), DecodeError);
  EXPECT_THROW(dec(v1, Bytes().ch('c').u32(1).u8(0).u64(1).u64(2).i64(3)), DecodeError);
  EXPECT_THROW(dec(v1, Bytes().ch('A').u32(1).u32(1)), DecodeError);
  EXPECT_THROW(dec(v2, Bytes().ch('b').u64(1).u64(2).i64(3).u32(4).str("g")), DecodeError);
  EXPECT_THROW(dec(v2, Bytes().ch('K').u8(0).u64(1).u64(2).i64(3).u32(4).str("g")), DecodeError);
  try {
    dec(v1, Bytes().ch('S').u32(1).u8(1));
  } catch (const DecodeError &e) {
    EXPECT_NE(std::string(e.what()).find("needs protocol version 2"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.type_byte(), 'S');
  }
}

TEST(pgoutput_handbuilt, StreamStateMisuse) {
  Decoder d(3);
  EXPECT_THROW(dec(d, Bytes().ch('E')), DecodeError);  // Stop outside a block
  dec(d, Bytes().ch('S').u32(7).u8(1));
  EXPECT_THROW(dec(d, Bytes().ch('S').u32(8).u8(1)), DecodeError);  // nested Start
  EXPECT_THROW(dec(d, Bytes().ch('B').u64(1).i64(2).u32(3)), DecodeError);
  EXPECT_THROW(dec(d, Bytes().ch('C').u8(0).u64(1).u64(2).i64(3)), DecodeError);
  EXPECT_THROW(dec(d, Bytes().ch('c').u32(7).u8(0).u64(1).u64(2).i64(3)), DecodeError);
  EXPECT_THROW(dec(d, Bytes().ch('A').u32(7).u32(7)), DecodeError);
  EXPECT_THROW(dec(d, Bytes().ch('p').u8(0).u64(1).u64(2).i64(3).u32(7).str("g")), DecodeError);
  // Errors leave the stream state alone.
  EXPECT_TRUE(d.in_stream());
  EXPECT_EQ(d.stream_xid(), 7u);
  // Bad first-segment flag.
  Decoder d2(2);
  EXPECT_THROW(dec(d2, Bytes().ch('S').u32(7).u8(2)), DecodeError);
  EXPECT_FALSE(d2.in_stream());
}

}  // namespace
}  // namespace walrelay::pgoutput::test
