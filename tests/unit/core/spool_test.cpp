// Spool segment files: round trips, segment rolling, torn tails, corruption, disk full.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/spool/record_format.h"
#include "core/spool/spool.h"

namespace walrelay::spool {
namespace {

namespace fs = std::filesystem;

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::path(::testing::TempDir()) /
            ("spool-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Options opts(uint64_t segment_bytes = 64u << 20, bool compress = false) {
    Options o;
    o.dir = dir_;
    o.segment_bytes = segment_bytes;
    o.compress = compress;
    o.fsync = FsyncPolicy::kNever;
    return o;
  }

  static std::string payload(int i) {
    // Sizes 0 .. ~20 KB, compressible and not.
    std::mt19937 rng(i);
    std::string s(static_cast<size_t>((i * 7919) % 20000), '\0');
    for (size_t k = 0; k < s.size(); ++k)
      s[k] = (i % 3 == 0) ? static_cast<char>(rng()) : static_cast<char>('a' + k % 7);
    return s;
  }

  std::vector<std::string> read_all(const Options &o, Position from = {}) {
    Reader r(o, from);
    std::vector<std::string> out;
    std::string rec;
    while (r.next(rec)) out.push_back(rec);
    return out;
  }

  std::string dir_;
};

TEST_F(SpoolTest, RoundTripWithAndWithoutCompression) {
  for (bool compress : {false, true}) {
    fs::remove_all(dir_);
    Options o = opts(64u << 20, compress);
    std::vector<Position> at;
    {
      Writer w(o);
      for (int i = 0; i < 200; ++i) at.push_back(w.append(payload(i)));
      w.sync();
    }
    for (size_t i = 1; i < at.size(); ++i) EXPECT_LT(at[i - 1], at[i]);
    auto got = read_all(o);
    ASSERT_EQ(got.size(), 200u);
    for (int i = 0; i < 200; ++i) ASSERT_EQ(got[i], payload(i)) << "record " << i;
    // Reading from a returned position starts exactly at that record.
    EXPECT_EQ(read_all(o, at[150]).front(), payload(150));
  }
}

TEST_F(SpoolTest, CompressionShrinksCompressibleRecords) {
  Options o = opts(64u << 20, true);
  {
    Writer w(o);
    for (int i = 0; i < 50; ++i) w.append(std::string(10000, 'x'));
    w.sync();
  }
  EXPECT_LT(fs::file_size(segment_path(dir_, "spool", 1)), 50u * 1000u);
  auto got = read_all(o);
  ASSERT_EQ(got.size(), 50u);
  EXPECT_EQ(got[49], std::string(10000, 'x'));
}

TEST_F(SpoolTest, RollsSegmentsReadsAcrossThemAndRemovesConsumedOnes) {
  Options o = opts(8192);
  Writer w(o);
  std::vector<Position> at;
  for (int i = 0; i < 100; ++i) at.push_back(w.append(std::string(1000, static_cast<char>('A' + i % 26))));
  w.sync();
  const auto segs = list_segments(o);
  ASSERT_GT(segs.size(), 10u);
  for (uint64_t s : segs) EXPECT_LE(fs::file_size(segment_path(dir_, "spool", s)), 8192u);
  auto got = read_all(o);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[99], std::string(1000, static_cast<char>('A' + 99 % 26)));
  w.remove_before(at[60]);
  EXPECT_EQ(list_segments(o).front(), at[60].segment);
  auto rest = read_all(o, at[60]);
  ASSERT_EQ(rest.size(), 40u);
}

TEST_F(SpoolTest, ReaderFollowsTheWriter) {
  Options o = opts(4096);
  Writer w(o);
  Reader r(o, {});
  std::string rec;
  EXPECT_FALSE(r.next(rec));
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 10; ++i) w.append("round " + std::to_string(round) + " #" + std::to_string(i) + std::string(300, '.'));
    w.sync();
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(r.next(rec)) << round << "/" << i;
      EXPECT_EQ(rec.substr(0, rec.find(' ', 6)), "round " + std::to_string(round));
    }
    EXPECT_FALSE(r.next(rec));
  }
}

TEST_F(SpoolTest, TornLastRecordIsCutAtEveryOffsetAndNothingBeforeItIsLost) {
  Options o = opts();
  Position last;
  {
    Writer w(o);
    for (int i = 0; i < 5; ++i) w.append(payload(i + 1));
    last = w.append(payload(99));
    w.sync();
  }
  const std::string path = segment_path(dir_, "spool", 1);
  const uint64_t full = fs::file_size(path);
  const std::string backup = dir_ + "/backup";
  fs::copy_file(path, backup);
  for (uint64_t cut = last.offset + 1; cut < full; cut += 997) {
    fs::copy_file(backup, path, fs::copy_options::overwrite_existing);
    fs::resize_file(path, cut);
    {
      Writer w(o);  // recovery
      EXPECT_EQ(w.recovered_tail_bytes(), cut - last.offset) << "cut at " << cut;
      EXPECT_EQ(w.end(), last);
      w.append("after recovery");
      w.sync();
    }
    auto got = read_all(o);
    ASSERT_EQ(got.size(), 6u) << "cut at " << cut;
    for (int i = 0; i < 5; ++i) EXPECT_EQ(got[i], payload(i + 1));
    EXPECT_EQ(got[5], "after recovery");
  }
}

TEST_F(SpoolTest, ZeroFilledTailIsTreatedAsTorn) {
  Options o = opts();
  {
    Writer w(o);
    w.append("one");
    w.append("two");
  }
  std::ofstream(segment_path(dir_, "spool", 1), std::ios::app | std::ios::binary)
      << std::string(4096, '\0');
  Writer w(o);
  EXPECT_EQ(w.recovered_tail_bytes(), 4096u);
  EXPECT_EQ(read_all(o), (std::vector<std::string>{"one", "two"}));
}

void flip_byte(const std::string &path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x40));
}

TEST_F(SpoolTest, CorruptionInTheMiddleIsAnErrorNamingFileAndOffset) {
  Options o = opts();
  std::vector<Position> at;
  {
    Writer w(o);
    for (int i = 0; i < 5; ++i) at.push_back(w.append("record number " + std::to_string(i)));
  }
  const std::string path = segment_path(dir_, "spool", 1);
  flip_byte(path, at[2].offset + kRecordHeaderSize + 3);  // a payload byte of record 2
  Reader r(o, {});
  std::string rec;
  ASSERT_TRUE(r.next(rec));
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec, "record number 1");
  try {
    r.next(rec);
    FAIL() << "corrupt record was returned: " << rec;
  } catch (const SpoolError &e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("offset " + std::to_string(at[2].offset)),
              std::string::npos)
        << e.what();
  }
  // The writer refuses to append after a corrupt record rather than hide it.
  EXPECT_THROW(Writer{o}, SpoolError);
}

TEST_F(SpoolTest, FlippedCompressionMarkerIsCaughtByTheCrc) {
  Options o = opts();
  Position at;
  {
    Writer w(o);
    at = w.append("plain record");
    w.append("next");
  }
  flip_byte(segment_path(dir_, "spool", 1), at.offset + 4);  // raw_len
  Reader r(o, {});
  std::string rec;
  EXPECT_THROW(r.next(rec), SpoolError);
}

TEST_F(SpoolTest, NotASegmentIsRefused) {
  fs::create_directories(dir_);
  std::ofstream(segment_path(dir_, "spool", 1)) << "this is not a spool segment at all";
  try {
    Writer w(opts());
    FAIL();
  } catch (const SpoolError &e) {
    EXPECT_NE(std::string(e.what()).find("not a walrelay spool segment"), std::string::npos);
  }
}

TEST_F(SpoolTest, DiskFullIsAnErrorAndLosesNothingAlreadyAppended) {
  Options o = opts();
  o.fsync = FsyncPolicy::kAlways;  // every append reaches the file (and fails) at once
  std::vector<std::string> appended;
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto *old_handler = signal(SIGXFSZ, SIG_IGN);
  bool failed = false;
  std::string message;
  {
    Writer w(o);
    rlimit small = old;
    small.rlim_cur = 64 * 1024;
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
    try {
      for (int i = 0; i < 1000; ++i) {
        std::string p = "row " + std::to_string(i) + std::string(1000, '#');
        w.append(p);
        appended.push_back(p);
      }
    } catch (const SpoolError &e) {
      failed = true;
      message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
  }
  signal(SIGXFSZ, old_handler);
  ASSERT_TRUE(failed) << "the size limit never hit";
  EXPECT_NE(message.find(segment_path(dir_, "spool", 1)), std::string::npos) << message;
  EXPECT_FALSE(appended.empty());
  Writer again(o);  // recovery cuts what the failed append left
  auto got = read_all(o);
  ASSERT_GE(got.size(), appended.size());
  for (size_t i = 0; i < appended.size(); ++i) ASSERT_EQ(got[i], appended[i]);
}

}  // namespace
}  // namespace walrelay::spool
