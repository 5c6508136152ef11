// The spool's transaction layer: record codec round trips and corruption, the journal's
// recovery (spooled LSN, leftovers, prepared transactions), retention, the directory lock,
// the builder spilling big transactions to files, and pgoutput option negotiation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "core/pipeline/transaction_builder.h"
#include "core/replication/source.h"
#include "core/spool/journal.h"
#include "core/spool/record_format.h"
#include "core/spool/txn_codec.h"
#include "tests/unit/core/message_builders.h"

namespace walrelay {
namespace {

using namespace testmsg;
namespace fs = std::filesystem;

std::string temp_dir(const char *name) {
  const std::string d =
      fs::temp_directory_path().string() + "/wr-journal-" + name + "-" + std::to_string(::getpid());
  fs::remove_all(d);
  return d;
}

std::string text(const wr_value &v) { return std::string(v.data, v.len); }

// A transaction with every change kind, built through the real builder.
TransactionPtr sample_txn(TransactionBuilder &b, uint32_t xid, uint64_t lsn, int rows) {
  b.next(relation(7, {"id", "v"}), lsn);
  b.next(begin(xid, lsn + 0x100), lsn + 1);
  for (int i = 0; i < rows; ++i) {
    const std::string id = std::to_string(i);
    b.next(insert(7, {{'t', id}, {'t', "value " + id}}), lsn + 2 + i);
  }
  Message u;
  u.type = MessageType::Update;
  u.update.relation_id = 7;
  u.update.old_kind = 'K';
  u.update.old_tuple.columns = {{'t', "0"}, {'n', {}}};
  u.update.new_tuple.columns = {{'t', "0"}, {'u', {}}};
  b.next(u, lsn + 0x50);
  Message d;
  d.type = MessageType::Delete;
  d.del.relation_id = 7;
  d.del.old_kind = 'K';
  d.del.old_tuple.columns = {{'t', "1"}, {'n', {}}};
  b.next(d, lsn + 0x51);
  Message t;
  t.type = MessageType::Truncate;
  t.truncate.options = 1;
  t.truncate.relation_ids = {7};
  b.next(t, lsn + 0x52);
  Message m;
  m.type = MessageType::LogicalMessage;
  m.logical_message = {xid, 1, lsn + 0x53, "pfx", std::string_view("a\0b", 3)};
  b.next(m, lsn + 0x53);
  auto f = b.next(commit(lsn + 0x100, lsn + 0x110), lsn + 0x60);
  EXPECT_TRUE(f.has_value());
  return std::move(f->txn);
}

TEST(TxnCodec, RoundTripKeepsEveryChangeKindAndValue) {
  TransactionPool pool;
  TransactionBuilder b(pool);
  TransactionPtr t = sample_txn(b, 42, 0x1000, 3);
  ASSERT_EQ(t->abi.n_changes, 7u);
  std::string rel, rec;
  spool::encode_relation(*t->relations.at(0)->abi(), rel);
  spool::encode_txn(*t, rec);
  spool::RelationMap rels;
  auto desc = spool::decode_relation(rel);
  rels[{desc->id(), desc->generation()}] = desc;
  Transaction back;
  spool::decode_changes(rec, rels, {}, true, back);
  EXPECT_EQ(back.abi.xid, 42u);
  EXPECT_EQ(back.abi.commit_lsn, 0x1100u);
  EXPECT_EQ(back.abi.end_lsn, 0x1110u);
  EXPECT_EQ(back.abi.commit_time_us, t->abi.commit_time_us);
  ASSERT_EQ(back.abi.n_changes, 7u);
  for (uint32_t i = 0; i < 7; ++i) {
    const wr_change &a = *t->abi.changes[i], &c = *back.abi.changes[i];
    EXPECT_EQ(a.kind, c.kind);
    EXPECT_EQ(a.lsn, c.lsn);
    EXPECT_EQ(a.old_kind, c.old_kind);
    EXPECT_EQ(a.n_new, c.n_new);
    for (uint32_t k = 0; k < a.n_new; ++k) {
      EXPECT_EQ(a.new_values[k].kind, c.new_values[k].kind);
      if (a.new_values[k].kind == WR_VALUE_TEXT) {
        EXPECT_EQ(text(a.new_values[k]), text(c.new_values[k]));
      }
    }
  }
  EXPECT_EQ(std::string(back.abi.changes[2]->new_values[1].data, 7), "value 2");
  EXPECT_EQ(back.abi.changes[3]->new_values[1].kind, WR_VALUE_UNCHANGED_TOAST);
  EXPECT_EQ(back.abi.changes[5]->kind, WR_CHANGE_TRUNCATE);
  EXPECT_EQ(back.abi.changes[5]->truncate_relations[0]->relation_id, 7u);
  const wr_change &msg = *back.abi.changes[6];
  EXPECT_EQ(msg.kind, WR_CHANGE_MESSAGE);
  EXPECT_STREQ(msg.message_prefix, "pfx");
  EXPECT_EQ(std::string(msg.message_content, msg.message_len), std::string("a\0b", 3));
  EXPECT_EQ(msg.message_flags, WR_MESSAGE_TRANSACTIONAL);
  EXPECT_STREQ(back.abi.changes[0]->relation->name, "t");
  // Without messages for this sink, the message is left out.
  Transaction nomsg;
  spool::decode_changes(rec, rels, {}, false, nomsg);
  EXPECT_EQ(nomsg.abi.n_changes, 6u);
}

// A table an interrupted snapshot copied again at consistent point P: its changes in
// transactions committed before P are left out (TRUNCATE lists trimmed), later ones kept,
// snapshot transactions (commit_lsn 0) never touched.
TEST(TxnCodec, SnapshotSkipsLeaveOutChangesTheResumedCopyHolds) {
  TransactionPool pool;
  TransactionBuilder b(pool);
  TransactionPtr t = sample_txn(b, 42, 0x1000, 3);  // commits at 0x1100
  std::string rel, rec;
  spool::encode_relation(*t->relations.at(0)->abi(), rel);
  spool::encode_txn(*t, rec);
  spool::RelationMap rels;
  auto desc = spool::decode_relation(rel);
  rels[{desc->id(), desc->generation()}] = desc;
  const auto decoded = [&](const spool::SnapshotSkips &skips) {
    Transaction back;
    spool::decode_changes(rec, rels, {}, true, back, &skips);
    std::string kinds;
    for (uint32_t i = 0; i < back.abi.n_changes; ++i)
      kinds += std::to_string(back.abi.changes[i]->kind);
    return kinds;
  };
  // 3 inserts, update, delete, truncate of relation 7, a message.
  EXPECT_EQ(decoded({}), "1112345");
  EXPECT_EQ(decoded({{7, 0x2000}}), "5");        // committed before the copy: only the message
  EXPECT_EQ(decoded({{7, 0x1100}}), "1112345");  // committed at/after it: all kept
  EXPECT_EQ(decoded({{8, 0x2000}}), "1112345");  // another table's copy
  // A 'C' chunk of a snapshot transaction (commit_lsn 0) is never filtered.
  std::string chunk;
  spool::encode_chunk(*t, 0, t->change_ptrs.size(), nullptr, chunk);
  Transaction snap;
  const spool::SnapshotSkips skips{{7, 0x2000}};
  EXPECT_EQ(spool::decode_changes(chunk, rels, {}, true, snap, &skips, 0), 7u);
  Transaction streamed;
  EXPECT_EQ(spool::decode_changes(chunk, rels, {}, true, streamed, &skips, 0x1100), 1u);
}

TEST(TxnCodec, EveryTruncationAndRandomDamageIsAnErrorNotACrash) {
  TransactionPool pool;
  TransactionBuilder b(pool);
  TransactionPtr t = sample_txn(b, 1, 0x1000, 2);
  std::string rel, rec;
  spool::encode_relation(*t->relations.at(0)->abi(), rel);
  spool::encode_txn(*t, rec);
  spool::RelationMap rels;
  auto desc = spool::decode_relation(rel);
  rels[{desc->id(), desc->generation()}] = desc;
  for (size_t n = 0; n < rec.size(); ++n) {
    Transaction x;
    EXPECT_THROW(spool::decode_changes(rec.substr(0, n), rels, {}, true, x), spool::SpoolError)
        << "cut at " << n;
  }
  for (size_t n = 0; n < rel.size(); ++n)
    EXPECT_THROW(spool::decode_relation(rel.substr(0, n)), spool::SpoolError) << n;
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string bad = rec;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    Transaction x;
    try {
      spool::decode_changes(bad, rels, {}, true, x);
    } catch (const spool::SpoolError &) {
    }
  }
  // A change naming a relation the reader does not know.
  Transaction x;
  EXPECT_THROW(spool::decode_changes(rec, {}, {}, true, x), spool::SpoolError);
}

// After a restart, walrelay numbers generations from 1 again: the same (id, generation) key
// can come back with another shape. A reader must then see a new generation, and a
// transaction decoded before the re-announcement must keep its own descriptor alive.
TEST(TxnCodec, ReannouncedKeyWithAnotherShapeGetsANewGenerationForTheReader) {
  TransactionPool pool;
  TransactionBuilder b(pool);
  TransactionPtr t = sample_txn(b, 5, 0x1000, 2);
  std::string rel, rec;
  spool::encode_relation(*t->relations.at(0)->abi(), rel);
  spool::encode_txn(*t, rec);
  spool::RelationRegistry reg;
  reg.add(spool::decode_relation(rel));
  Transaction before;
  spool::decode_changes(rec, reg.map(), {}, false, before);
  const wr_relation *old_rel = before.abi.changes[0]->relation;
  EXPECT_EQ(old_rel->generation, 1u);
  reg.add(spool::decode_relation(rel));  // same shape again: same descriptor
  EXPECT_EQ(reg.map().begin()->second->abi(), old_rel);
  // Another process announces (7, 1) with three columns.
  TransactionPool pool2;
  TransactionBuilder b2(pool2);
  b2.next(relation(7, {"id", "v", "w"}), 1);
  b2.next(begin(1, 0x200), 2);
  b2.next(insert(7, {{'t', "1"}, {'t', "a"}, {'t', "b"}}), 3);
  TransactionPtr t2 = b2.feed(commit(0x200, 0x210), 4);
  ASSERT_NE(t2, nullptr);
  ASSERT_EQ(t2->relations.at(0)->generation(), 1u);
  std::string rel2;
  spool::encode_relation(*t2->relations.at(0)->abi(), rel2);
  reg.add(spool::decode_relation(rel2));
  const auto &now = *reg.map().at({7, 1});
  EXPECT_EQ(now.abi()->n_columns, 3u);
  EXPECT_EQ(now.generation(), 2u);  // renumbered for the reader
  // The transaction decoded earlier still sees its two-column descriptor.
  EXPECT_EQ(old_rel->n_columns, 2u);
  EXPECT_STREQ(old_rel->columns[1].name, "v");
}

TEST(Journal, RecoversSpooledLsnDropsLeftoversAndKeepsPreparedTransactions) {
  const std::string dir = temp_dir("recover");
  TransactionPool pool;
  uint64_t serial_leftover = 0;
  {
    spool::Journal j({dir}, 1);
    EXPECT_EQ(j.spooled_lsn(), 0u);
    TransactionBuilder b(pool);
    TransactionPtr t = sample_txn(b, 5, 0x1000, 3);
    j.append_txn(*t);
    // A prepared transaction, in its own file.
    auto pf = j.open_txn_file();
    j.write_chunk(*pf, *t, 0, t->change_ptrs.size(), nullptr);
    j.append_prepared(std::move(pf), "gid-1", {6, 0x2000, 0x2010, 0, ""}, {});
    // A transaction still in progress when "the process dies".
    auto left = j.open_txn_file();
    serial_leftover = left->serial();
    j.write_chunk(*left, *t, 0, 2, nullptr);
    j.commit();
    j.wait_durable();
    EXPECT_EQ(j.spooled_lsn(), 0x1110u);
    left.reset();  // closed, never committed, never deleted: what a crash leaves
  }
  spool::Journal j({dir}, 1);
  EXPECT_EQ(j.spooled_lsn(), 0x1110u);
  EXPECT_TRUE(j.has_prepared("gid-1"));
  EXPECT_TRUE(spool::list_segments(j.txn_file_options(serial_leftover)).empty());
  // COMMIT PREPARED after the restart: an 'E' for it follows.
  EXPECT_TRUE(j.commit_prepared("gid-1", {6, 0x3000, 0x3010, 0, ""}));
  EXPECT_FALSE(j.has_prepared("gid-1"));
  EXPECT_FALSE(j.commit_prepared("gid-1", {6, 0x3000, 0x3010, 0, ""}));
  j.commit();
  j.wait_durable();
  EXPECT_EQ(j.spooled_lsn(), 0x3010u);
  spool::Reader r(j.main_options(), j.first_position());
  std::string rec;
  std::vector<char> types;
  while (r.next(rec)) types.push_back(rec[0]);
  EXPECT_EQ(std::string(types.begin(), types.end()), "RTPEX");
  fs::remove_all(dir);
}

TEST(Journal, RollbackPreparedDeletesItsFile) {
  const std::string dir = temp_dir("rollback");
  TransactionPool pool;
  spool::Journal j({dir}, 1);
  TransactionBuilder b(pool);
  TransactionPtr t = sample_txn(b, 5, 0x1000, 3);
  auto pf = j.open_txn_file();
  const uint64_t serial = pf->serial();
  j.write_chunk(*pf, *t, 0, t->change_ptrs.size(), nullptr);
  j.append_prepared(std::move(pf), "g", {6, 0x2000, 0x2010, 0, ""}, {});
  EXPECT_FALSE(spool::list_segments(j.txn_file_options(serial)).empty());
  EXPECT_TRUE(j.rollback_prepared("g"));
  EXPECT_TRUE(spool::list_segments(j.txn_file_options(serial)).empty());
  EXPECT_FALSE(j.rollback_prepared("g"));
  fs::remove_all(dir);
}

TEST(Journal, SegmentsAndFilesGoOnceEveryConsumerPassedThem) {
  const std::string dir = temp_dir("retention");
  TransactionPool pool;
  spool::JournalOptions o{dir};
  o.segment_bytes = 64 * 1024;
  spool::Journal j(o, 2);
  TransactionBuilder b(pool);
  uint64_t serial = 0;
  for (int i = 0; i < 200; ++i) {
    TransactionPtr t = sample_txn(b, 10 + i, 0x10000 * (i + 1), 20);
    if (i == 3) {  // one big one in a file
      auto f = j.open_txn_file();
      serial = f->serial();
      j.write_chunk(*f, *t, 0, t->change_ptrs.size(), nullptr);
      j.append_txn_ref(std::move(f), {t->abi.xid, t->abi.commit_lsn, t->abi.end_lsn, 0, ""}, {});
    } else {
      j.append_txn(*t);
    }
    pool.put(std::move(t));
  }
  j.commit();
  j.wait_durable();
  const size_t segs = spool::list_segments(j.main_options()).size();
  ASSERT_GE(segs, 3u);
  // Each new segment repeats the relations its transactions need.
  spool::Reader r(j.main_options(),
                  spool::Position{spool::list_segments(j.main_options()).back(), 0});
  std::string rec;
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec[0], 'R');
  EXPECT_GT(j.backlog_bytes(), 64u * 1024);
  const spool::Position end = j.visible_end();
  j.set_consumed(0, end);
  j.collect();
  EXPECT_EQ(spool::list_segments(j.main_options()).size(), segs);  // consumer 1 is behind
  EXPECT_FALSE(spool::list_segments(j.txn_file_options(serial)).empty());
  j.set_consumed(1, end);
  j.collect();
  EXPECT_EQ(spool::list_segments(j.main_options()).size(), 1u);
  EXPECT_TRUE(spool::list_segments(j.txn_file_options(serial)).empty());
  EXPECT_EQ(j.backlog_bytes(), 0u);
  fs::remove_all(dir);
}

TEST(Journal, SecondProcessOnTheSameDirectoryIsRefused) {
  const std::string dir = temp_dir("lock");
  spool::Journal a({dir}, 1);
  try {
    spool::Journal b({dir}, 1);
    FAIL() << "a second journal opened the same directory";
  } catch (const spool::SpoolError &e) {
    EXPECT_NE(std::string(e.what()).find("in use by another walrelay"), std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

TEST(Journal, CorruptionInTheMiddleNamesFileAndOffset) {
  const std::string dir = temp_dir("corrupt");
  TransactionPool pool;
  {
    spool::Journal j({dir}, 1);
    TransactionBuilder b(pool);
    for (int i = 0; i < 3; ++i) {
      TransactionPtr t = sample_txn(b, 1 + i, 0x1000 * (i + 1), 2);
      j.append_txn(*t);
      pool.put(std::move(t));
    }
    j.commit();
    j.wait_durable();
  }
  const std::string seg = spool::segment_path(dir, "journal", 1);
  {
    std::FILE *f = std::fopen(seg.c_str(), "r+b");
    std::fseek(f, static_cast<long>(spool::kFileHeaderSize + spool::kRecordHeaderSize + 3),
               SEEK_SET);
    std::fputc(0x5A, f);
    std::fclose(f);
  }
  try {
    spool::Journal j({dir}, 1);
    FAIL() << "corruption went unnoticed";
  } catch (const spool::SpoolError &e) {
    EXPECT_NE(std::string(e.what()).find(seg), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("offset 16"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(TransactionBuilder, BigTransactionSpillsToItsFileAndReadsBackWhole) {
  const std::string dir = temp_dir("spill");
  TransactionPool pool;
  spool::Journal j({dir}, 1);
  TransactionBuilder b(pool, &j, 16 * 1024);
  b.next(relation(7, {"id", "v"}), 1);
  b.next(begin(9, 0x900000), 2);
  const int rows = 5000;
  for (int i = 0; i < rows; ++i) {
    const std::string id = std::to_string(i);
    b.next(insert(7, {{'t', id}, {'t', std::string(40, 'x')}}), 10 + i);
  }
  auto f = b.next(commit(0x900000, 0x900010), 0x800000);
  ASSERT_TRUE(f.has_value());
  ASSERT_NE(f->file, nullptr);                   // spilled
  EXPECT_LT(f->txn->arena.bytes(), 32u * 1024);  // memory held stays small
  const uint64_t serial = f->file->serial();
  Transaction &t = *f->txn;
  j.write_chunk(*f->file, t, 0, t.change_ptrs.size(), nullptr);
  j.append_txn_ref(std::move(f->file), {9, 0x900000, 0x900010, 0, ""}, {});
  j.commit();
  j.wait_durable();
  spool::Reader r(j.txn_file_options(serial), spool::Position{});
  spool::RelationMap rels;
  Transaction back;
  std::string rec;
  while (r.next(rec)) {
    if (rec[0] == 'R') {
      auto d = spool::decode_relation(rec);
      rels[{d->id(), d->generation()}] = d;
      continue;
    }
    std::string &keep = back.next_record();
    keep.swap(rec);
    spool::decode_changes(keep, rels, {}, false, back);
  }
  ASSERT_EQ(back.change_ptrs.size(), static_cast<size_t>(rows));
  for (int i = 0; i < rows; i += 997)
    EXPECT_EQ(text(back.change_ptrs[i]->new_values[0]), std::to_string(i));
  fs::remove_all(dir);
}

TEST(Negotiate, DefaultsToTheServersHighestProtocolAndRefusesWhatItCannotDo) {
  SourceConfig c;
  auto o = replication::negotiate(c, 150004);
  EXPECT_EQ(o.proto_version, 3);
  EXPECT_EQ(o.streaming, "on");
  EXPECT_EQ(replication::negotiate(c, 160002).proto_version, 4);
  o = replication::negotiate(c, 130010);
  EXPECT_EQ(o.proto_version, 1);
  EXPECT_EQ(o.streaming, "");
  c.proto_version = 4;
  EXPECT_THROW(replication::negotiate(c, 150004), replication::ReplicationError);
  c.proto_version = 2;
  c.two_phase = true;
  EXPECT_THROW(replication::negotiate(c, 150004), replication::ReplicationError);
  c = SourceConfig{};
  c.origin = "none";
  try {
    replication::negotiate(c, 150004);
    FAIL();
  } catch (const replication::ReplicationError &e) {
    EXPECT_NE(std::string(e.what()).find("source.origin needs PostgreSQL 16+"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("PostgreSQL 15.4"), std::string::npos) << e.what();
  }
  c = SourceConfig{};
  c.streaming = StreamingMode::kParallel;
  EXPECT_THROW(replication::negotiate(c, 150004), replication::ReplicationError);
  EXPECT_EQ(replication::negotiate(c, 160000).streaming, "parallel");
  c = SourceConfig{};
  c.two_phase = c.messages = c.binary = true;
  o = replication::negotiate(c, 150004);
  EXPECT_TRUE(o.two_phase && o.messages && o.binary);
}

}  // namespace
}  // namespace walrelay
