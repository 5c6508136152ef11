// COPY text-format rows as the server sends them, parsed back to the values.
#include "core/snapshot/copy_text.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace walrelay::snapshot {
namespace {

struct Parsed {
  bool ok;
  std::string error;
  std::vector<std::optional<std::string>> values;
};

Parsed parse(std::string_view row, size_t columns) {
  std::string out, error;
  std::vector<CopyField> fields;
  Parsed p;
  p.ok = parse_copy_text_row(row, columns, out, fields, error);
  p.error = error;
  for (const auto &f : fields)
    p.values.push_back(f.null ? std::nullopt
                              : std::optional<std::string>(out.substr(f.offset, f.len)));
  return p;
}

TEST(CopyText, SplitsColumnsAndMapsNull) {
  const Parsed p = parse("1\t\\N\tabc\t\n", 4);
  ASSERT_TRUE(p.ok) << p.error;
  ASSERT_EQ(p.values.size(), 4u);
  EXPECT_EQ(p.values[0], "1");
  EXPECT_EQ(p.values[1], std::nullopt);
  EXPECT_EQ(p.values[2], "abc");
  EXPECT_EQ(p.values[3], "");  // empty string, not NULL
}

TEST(CopyText, UndoesEveryEscape) {
  const Parsed p = parse("a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh\\101\\x41\\x4a2\\.\\q\n", 1);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.values[0], "a\tb\nc\rd\\e\bf\fg\vhAAJ2.q");
}

TEST(CopyText, BackslashNInsideTextIsNotNull) {
  const Parsed p = parse("\\\\N\tx\\N\n", 2);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.values[0], "\\N");
  EXPECT_EQ(p.values[1], "xN");
}

TEST(CopyText, KeepsUtf8AndBinaryBytes) {
  const std::string utf8 =
      "Gr\xc3\xbc\xc3\x9f"
      "e \xf0\x9f\x98\x80";
  const Parsed p = parse(utf8 + "\t\\000\\377\n", 2);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.values[0], utf8);
  EXPECT_EQ(p.values[1], std::string("\0\xff", 2));
}

TEST(CopyText, RefusesWrongColumnCountNamingIt) {
  const Parsed p = parse("1\t2\n", 3);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("2 columns, expected 3"), std::string::npos) << p.error;
}

TEST(CopyText, RefusesRowEndingInsideEscape) {
  const Parsed p = parse("1\tabc\\", 2);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("column 2"), std::string::npos) << p.error;
}

TEST(CopyText, TableWithoutColumns) {
  const Parsed p = parse("\n", 0);
  EXPECT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(p.values.empty());
}

TEST(CopyText, RowsShareOneBuffer) {
  std::string out, error;
  std::vector<CopyField> fields;
  ASSERT_TRUE(parse_copy_text_row("a\tb\n", 2, out, fields, error));
  ASSERT_TRUE(parse_copy_text_row("c\t\\N\n", 2, out, fields, error));
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(out.substr(fields[2].offset, fields[2].len), "c");
  EXPECT_TRUE(fields[3].null);
  EXPECT_EQ(out.substr(fields[0].offset, fields[0].len), "a");
}

}  // namespace
}  // namespace walrelay::snapshot
