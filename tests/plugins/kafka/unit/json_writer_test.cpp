// Kafka sink: the JSON writer's escaping, base64 and structure.
#include <gtest/gtest.h>

#include <string>

#include "json_writer.h"
#include "tests/plugins/kafka/common/json_value.h"

namespace walrelay::kafka {
namespace {

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(kafka_json, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(escaped(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(escaped(""), R"("")");
  EXPECT_EQ(escaped("\\\\"), R"("\\\\")");
}

TEST(kafka_json, EscapesEveryControlCharacter) {
  EXPECT_EQ(escaped("a\nb\tc\rd\be\ff"), R"("a\nb\tc\rd\be\ff")");
  EXPECT_EQ(escaped(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  for (int c = 0; c < 0x20; ++c) {
    const std::string s(1, static_cast<char>(c));
    const std::string e = escaped(s);
    for (char ch : e) EXPECT_GE(static_cast<unsigned char>(ch), 0x20) << "raw control in " << e;
    EXPECT_EQ(kafkatest::parse_json(e).str(), s) << "round trip of char " << c;
  }
  EXPECT_EQ(escaped("\x7f"), "\"\x7f\"") << "DEL is legal in JSON strings";
}

TEST(kafka_json, PassesUtf8Through) {
  const std::string emoji = "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8 \xe6\x97\xa5\xe6\x9c\xac";
  EXPECT_EQ(escaped(emoji), "\"" + emoji + "\"");
  EXPECT_EQ(kafkatest::parse_json(escaped(emoji)).str(), emoji);
}

TEST(kafka_json, WritesCommasBetweenMembersAndElements) {
  std::string buf;
  JsonWriter w(buf);
  w.begin_object();
  w.key("a");
  w.number(int64_t{-1});
  w.key("b");
  w.begin_array();
  w.null();
  w.boolean(true);
  w.string("x");
  w.begin_object();
  w.end_object();
  w.end_array();
  w.key("c");
  w.number(uint64_t{18446744073709551615u});
  w.end_object();
  EXPECT_EQ(buf, R"({"a":-1,"b":[null,true,"x",{}],"c":18446744073709551615})");
  w.clear();
  EXPECT_TRUE(buf.empty());
  w.begin_array();
  w.end_array();
  EXPECT_EQ(buf, "[]");
}

TEST(kafka_json, ReusesTheBufferWithoutGrowingIt) {
  std::string buf;
  JsonWriter w(buf);
  w.begin_object();
  w.key("k");
  w.string(std::string(1000, 'x'));
  w.end_object();
  const size_t cap = buf.capacity();
  const char *data = buf.data();
  for (int i = 0; i < 100; ++i) {
    w.clear();
    w.begin_object();
    w.key("k");
    w.string(std::string(900, 'y'));
    w.end_object();
  }
  EXPECT_EQ(buf.capacity(), cap);
  EXPECT_EQ(buf.data(), data);
}

TEST(kafka_json, Base64MatchesRfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"},
                                                         {std::string("\x00\xff\xfe", 3), "AP/+"}};
  for (const auto &[in, out] : vectors) {
    std::string buf;
    JsonWriter w(buf);
    w.base64(in);
    EXPECT_EQ(buf, "\"" + out + "\"") << in;
  }
}

}  // namespace
}  // namespace walrelay::kafka
