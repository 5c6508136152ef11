// Malformed input: truncation at every offset, absurd lengths, unknown types, trailing bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/pgoutput/decoder.h"
#include "tests/unit/pgoutput/test_util.h"

namespace walrelay::pgoutput::test {
namespace {

constexpr Lsn kWal = 0x16B374D848;  // "16/B374D848"

/// Decodes `b` expecting a DecodeError; returns its what() (empty + test failure if none).
std::string expect_error(Decoder &d, const std::vector<uint8_t> &b, Lsn wal = kWal) {
  try {
    d.decode(b.data(), b.size(), wal);
  } catch (const DecodeError &e) {
    return e.what();
  } catch (const std::exception &e) {
    ADD_FAILURE() << "non-DecodeError exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no error for " << b.size() << " byte(s)";
  return {};
}
std::string expect_error(Decoder &d, const Bytes &b, Lsn wal = kWal) {
  return expect_error(d, b.vec(), wal);
}

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

// Every strict prefix of every captured message is an error (never a crash or over-read: the
// prefix is copied into an exactly-sized heap buffer so ASan sees any read past it), the error
// names the LSN, and the decoder's stream state survives so the full message still decodes.
TEST(pgoutput_malformed, TruncatedAtEveryOffsetOfEveryCapturedMessage) {
  size_t checked = 0;
  for (const Scenario &s : all_scenarios()) {
    SCOPED_TRACE(s.name);
    Decoder d(s.protocol_version);
    for (const CapturedLine &line : load_capture(s.name)) {
      for (size_t n = 0; n < line.bytes.size(); ++n) {
        std::vector<uint8_t> prefix(line.bytes.begin(), line.bytes.begin() + n);
        prefix.shrink_to_fit();
        try {
          d.decode(n == 0 ? nullptr : prefix.data(), n, line.lsn);
          ADD_FAILURE() << "prefix of " << n << " of " << line.bytes.size() << " bytes decoded at "
                        << line.lsn_text;
        } catch (const DecodeError &e) {
          if (!contains(e.what(), line.lsn_text)) {
            ADD_FAILURE() << "error lacks LSN " << line.lsn_text << ": " << e.what();
          }
          EXPECT_LE(e.offset(), n);
          EXPECT_EQ(e.wal_start(), line.lsn);
        }
        ++checked;
      }
      // Trailing garbage after a complete message.
      std::vector<uint8_t> longer = line.bytes;
      longer.push_back(0);
      const bool was_in_stream = d.in_stream();
      const std::string err = expect_error(d, longer, line.lsn);
      EXPECT_TRUE(contains(err, "trailing")) << err;
      EXPECT_EQ(d.in_stream(), was_in_stream);
      d.decode(line.bytes.data(), line.bytes.size(), line.lsn);
    }
  }
  EXPECT_GT(checked, 10000u);
}

TEST(pgoutput_malformed, EmptyAndNull) {
  Decoder d;
  const std::string err = expect_error(d, std::vector<uint8_t>{});
  EXPECT_TRUE(contains(err, "empty")) << err;
  EXPECT_TRUE(contains(err, "16/B374D848")) << err;
  const uint8_t b = 'E';
  EXPECT_THROW(d.decode(nullptr, 1, 0), DecodeError);
  EXPECT_THROW(d.decode(&b, 0, 0), DecodeError);
}

TEST(pgoutput_malformed, UnknownTypeByteIsNamed) {
  const std::string known = "BCORYIUDTMSEcAbPKrp";
  Decoder d(4);
  for (int t = 0; t < 256; ++t) {
    if (known.find(static_cast<char>(t)) != std::string::npos) continue;
    // Pad so that it is not merely a truncation.
    std::vector<uint8_t> b(64, 0);
    b[0] = static_cast<uint8_t>(t);
    try {
      d.decode(b.data(), b.size(), kWal);
      ADD_FAILURE() << "type " << t << " accepted";
    } catch (const DecodeError &e) {
      EXPECT_EQ(e.type_byte(), t);
      EXPECT_EQ(e.offset(), 0u);
      EXPECT_TRUE(contains(e.what(), "unknown message type")) << e.what();
      EXPECT_TRUE(contains(e.what(), "16/B374D848")) << e.what();
    }
  }
  const std::string err = expect_error(d, Bytes().ch('Z').u32(0));
  EXPECT_TRUE(contains(err, "'Z' (0x5a)")) << err;
  EXPECT_TRUE(contains(expect_error(d, Bytes().u8(0xfe)), "0xfe"));
}

TEST(pgoutput_malformed, ErrorMessageShape) {
  Decoder d;
  // Insert whose text column claims -5 bytes: offset of the length field is 1+4+1+2+1 = 9.
  const std::string err =
      expect_error(d, Bytes().ch('I').u32(1).ch('N').u16(1).ch('t').i32(-5).raw("abcdef"));
  EXPECT_EQ(err,
            "pgoutput: column length -5 is negative in 'I' (0x49) message at byte offset 9 of "
            "19, WAL 16/B374D848");
}

TEST(pgoutput_malformed, AbsurdTupleLengthsAndCounts) {
  Decoder d;
  // Text/binary length larger than what is left, negative, INT32_MIN.
  for (int32_t len : {4, 0x7fffffff, -1, INT32_MIN}) {
    for (char kind : {'t', 'b'}) {
      expect_error(d, Bytes().ch('I').u32(1).ch('N').u16(1).ch(kind).i32(len).raw("abc"));
    }
  }
  // Column count larger than the bytes left / than any table can have.
  EXPECT_TRUE(
      contains(expect_error(d, Bytes().ch('I').u32(1).ch('N').u16(3).ch('n').ch('n')), "count"));
  Bytes wide;
  wide.ch('I').u32(1).ch('N').u16(0xffff);
  for (int i = 0; i < 0xffff; ++i) wide.ch('n');
  EXPECT_TRUE(contains(expect_error(d, wide), "exceeds 1664"));
  // Unknown column kind.
  EXPECT_TRUE(contains(expect_error(d, Bytes().ch('I').u32(1).ch('N').u16(1).ch('x')), "kind"));
  // Insert must say 'N'; Update 'K'/'O'/'N' then 'N'; Delete 'K'/'O'.
  expect_error(d, Bytes().ch('I').u32(1).ch('K').u16(0));
  expect_error(d, Bytes().ch('U').u32(1).ch('X').u16(0));
  expect_error(d, Bytes().ch('U').u32(1).ch('K').u16(0).ch('K').u16(0));
  expect_error(d, Bytes().ch('U').u32(1).ch('O').u16(0));  // missing new tuple
  expect_error(d, Bytes().ch('D').u32(1).ch('N').u16(0));
}

TEST(pgoutput_malformed, AbsurdRelationTruncateAndMessage) {
  Decoder d;
  // Relation: unknown replica identity, impossible column count, unterminated strings.
  expect_error(d, Bytes().ch('R').u32(1).str("s").str("t").ch('x').u16(0));
  expect_error(
      d, Bytes().ch('R').u32(1).str("s").str("t").ch('d').u16(2).u8(0).str("a").u32(23).i32(-1));
  expect_error(d, Bytes().ch('R').u32(1).str("s").str("t").ch('d').u16(0xffff));
  EXPECT_TRUE(contains(expect_error(d, Bytes().ch('R').u32(1).raw("no-nul")), "unterminated"));
  expect_error(d, Bytes().ch('Y').u32(1).str("s").raw("t"));
  // Truncate: negative and huge relation counts.
  for (int32_t n : {-1, INT32_MIN, 0x7fffffff, 2}) {
    expect_error(d, Bytes().ch('T').i32(n).u8(0).u32(1));
  }
  // Message: negative / too large content length.
  for (int32_t n : {-1, INT32_MIN, 0x7fffffff, 3}) {
    expect_error(d, Bytes().ch('M').u8(1).u64(1).str("p").i32(n).raw("ab"));
  }
  // Trailing bytes on fixed-size messages.
  expect_error(d, Bytes().ch('B').u64(1).i64(2).u32(3).u8(0));
  expect_error(d, Bytes().ch('C').u8(0).u64(1).u64(2).i64(3).u8(0));
  Decoder d3(3);
  expect_error(d3, Bytes().ch('E'));  // outside a block
  expect_error(d3, Bytes().ch('K').u8(0).u64(1).u64(2).i64(3).u32(4).str("g").u8(1));
}

// Deterministic mutations of every captured message (single-byte overwrites, random bytes
// spliced in): each decode either succeeds or throws DecodeError; ASan/UBSan catch the rest.
TEST(pgoutput_malformed, MutatedCapturedMessagesNeverCrash) {
  std::mt19937 rng(12345);
  size_t decoded = 0, rejected = 0;
  for (const Scenario &s : all_scenarios()) {
    Decoder ref(s.protocol_version);  // follows the file, so mutations see the right state
    for (const CapturedLine &line : load_capture(s.name)) {
      const auto &orig = line.bytes;
      const size_t tries = std::min<size_t>(orig.size() * 3, 300);
      for (size_t k = 0; k < tries; ++k) {
        std::vector<uint8_t> b = orig;
        const size_t pos = rng() % b.size();
        switch (k % 3) {
          case 0:
            b[pos] = static_cast<uint8_t>(rng());
            break;
          case 1:
            b[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
            break;
          default:
            b.resize(pos + 1 + rng() % 8);
            for (size_t i = pos; i < b.size(); ++i) b[i] = static_cast<uint8_t>(rng());
        }
        b.shrink_to_fit();
        Decoder d = ref;
        try {
          d.decode(b.data(), b.size(), line.lsn);
          ++decoded;
        } catch (const DecodeError &) {
          ++rejected;
        }
      }
      ref.decode(orig.data(), orig.size(), line.lsn);
    }
  }
  EXPECT_GT(decoded + rejected, 10000u);
  EXPECT_GT(rejected, 0u);
}

TEST(pgoutput_malformed, RandomBytesNeverCrash) {
  std::mt19937 rng(777);
  const std::string types = "BCORYIUDTMSEcAbPKrp";
  for (int v = 1; v <= 4; ++v) {
    Decoder d(v);
    for (int i = 0; i < 20000; ++i) {
      std::vector<uint8_t> b(rng() % 40);
      for (auto &x : b) x = static_cast<uint8_t>(rng() % 4 == 0 ? rng() % 3 : rng());
      if (!b.empty()) b[0] = static_cast<uint8_t>(types[rng() % types.size()]);
      b.shrink_to_fit();
      try {
        d.decode(b.data(), b.size(), 0);
      } catch (const DecodeError &) {
      }
    }
  }
}

}  // namespace
}  // namespace walrelay::pgoutput::test
