// Identifier quoting, N'' literals, schema mapping, options.
#include <gtest/gtest.h>

#include "naming.h"
#include "options.h"

namespace {

using namespace walrelay::sqlserver;  // NOLINT(google-build-using-namespace)

TEST(Naming, QuoteIdentDoublesClosingBracketOnly) {
  EXPECT_EQ(quote_ident("plain"), "[plain]");
  EXPECT_EQ(quote_ident("a]b"), "[a]]b]");
  EXPECT_EQ(quote_ident("]]"), "[]]]]]");
  EXPECT_EQ(quote_ident("it's \"q\" [x"), "[it's \"q\" [x]");
  EXPECT_EQ(quote_ident("t\xC3\xA4"
                        "ble \xE8\xA1\xA8"),
            "[t\xC3\xA4"
            "ble \xE8\xA1\xA8]");
}

TEST(Naming, NLiteralDoublesSingleQuotes) {
  EXPECT_EQ(n_literal(""), "N''");
  EXPECT_EQ(n_literal("O'Brien"), "N'O''Brien'");
  EXPECT_EQ(n_literal("''"), "N''''''");
  EXPECT_EQ(n_literal("back\\slash ]"), "N'back\\slash ]'");
}

TEST(Naming, SchemaMap) {
  std::map<std::string, std::string> m = {{"sales", "s2"}};
  EXPECT_EQ(qualified(destination("public", "t", m)), "[dbo].[t]");
  EXPECT_EQ(qualified(destination("sales", "t", m)), "[s2].[t]");
  EXPECT_EQ(qualified(destination("audit", "t", m)), "[audit].[t]");
  m["public"] = "app";
  EXPECT_EQ(qualified(destination("public", "t", m)), "[app].[t]");
}

TEST(Naming, GlobAndTableFilter) {
  using walrelay::sqlserver::glob_match;
  EXPECT_TRUE(glob_match("public.*", "public.t"));
  EXPECT_TRUE(glob_match("*.log", "audit.log"));
  EXPECT_TRUE(glob_match("p*c.t*", "public.tmp"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("public.*", "Public.t"));
  EXPECT_FALSE(glob_match("public.t", "public.tt"));
  EXPECT_FALSE(glob_match("a*b", "acbd"));
  walrelay::sqlserver::TableFilter f;
  EXPECT_TRUE(f.accepts("x", "y"));
  f.include = walrelay::sqlserver::split_patterns(" public.* , audit.log,");
  ASSERT_EQ(f.include, (std::vector<std::string>{"public.*", "audit.log"}));
  f.exclude = {"public.tmp_*"};
  EXPECT_TRUE(f.accepts("public", "t"));
  EXPECT_TRUE(f.accepts("audit", "log"));
  EXPECT_FALSE(f.accepts("audit", "other"));
  EXPECT_FALSE(f.accepts("public", "tmp_1"));
}

TEST(Options, ParsesAndRejects) {
  std::vector<wr_config_entry> e = {{"user", "sa", "f:1:1"},
                                    {"database", "db", "f:2:1"},
                                    {"schema_map", "public = app , sales=s", "f:3:1"},
                                    {"tds_version", "7.3", "f:4:1"}};
  wr_config cfg{sizeof(wr_config), static_cast<uint32_t>(e.size()), e.data()};
  SinkOptions o = SinkOptions::parse(walrelay::sdk::Config(&cfg));
  EXPECT_EQ(o.server(), "127.0.0.1:1433");
  EXPECT_EQ(o.tds_version_minor, 3);
  EXPECT_EQ(o.schema_map.at("public"), "app");
  EXPECT_EQ(o.schema_map.at("sales"), "s");
  EXPECT_EQ(o.bulk_min_rows, 1000u);
  EXPECT_FALSE(o.drop_columns);
  EXPECT_TRUE(o.tables.include.empty());
  {
    std::vector<wr_config_entry> b = e;
    b.push_back({"exclude_tables", "public.tmp_*, nodot", "f:7:1"});
    wr_config bc{sizeof(wr_config), static_cast<uint32_t>(b.size()), b.data()};
    EXPECT_THROW(SinkOptions::parse(walrelay::sdk::Config(&bc)), walrelay::sdk::Error);
  }
  {
    std::vector<wr_config_entry> b = e;
    b.push_back({"bulk_min_rows", "0", "f:6:1"});
    wr_config bc{sizeof(wr_config), static_cast<uint32_t>(b.size()), b.data()};
    EXPECT_EQ(SinkOptions::parse(walrelay::sdk::Config(&bc)).bulk_min_rows, 0u);
    b.back() = {"bulk_min_rows", "-1", "f:6:1"};
    EXPECT_THROW(SinkOptions::parse(walrelay::sdk::Config(&bc)), walrelay::sdk::Error);
  }
  e.push_back({"tds_version", "8.0", "f:5:1"});
  e[3] = {"tds_version", "8.0", "f:5:1"};
  e.pop_back();
  wr_config bad{sizeof(wr_config), static_cast<uint32_t>(e.size()), e.data()};
  try {
    SinkOptions::parse(walrelay::sdk::Config(&bad));
    FAIL() << "accepted tds_version 8.0";
  } catch (const walrelay::sdk::Error &err) {
    EXPECT_EQ(err.status(), WR_INVALID_CONFIG);
    EXPECT_NE(std::string(err.what()).find("f:5:1"), std::string::npos) << err.what();
  }
}

}  // namespace
