// MySQL sink, no server: identifier quoting, schema mapping and generated SQL text.
#include <gtest/gtest.h>

#include "plugins/mysql/src/load_data.h"
#include "plugins/mysql/src/naming.h"
#include "plugins/mysql/src/schema.h"
#include "plugins/mysql/src/statement_cache.h"
#include "plugins/mysql/src/table_shape.h"
#include "tests/plugins/mysql/batch_builder.h"

namespace wrmysql {
namespace {

using walrelay::mysql::quote_ident;

TEST(mysql_naming, QuotesWithBackticksDoublingEmbeddedOnes) {
  EXPECT_EQ(quote_ident("users"), "`users`");
  EXPECT_EQ(quote_ident("we`ird"), "`we``ird`");
  EXPECT_EQ(quote_ident("``"), "``````");
  EXPECT_EQ(quote_ident("has space"), "`has space`");
  EXPECT_EQ(quote_ident("dq\"sq'"), "`dq\"sq'`");
  EXPECT_EQ(quote_ident("back\\slash"), "`back\\slash`");
  EXPECT_EQ(quote_ident(""), "``");
}

TEST(mysql_naming, SchemaMapPlacesTables) {
  const std::map<std::string, std::string> map = {{"sales", "sales_db"}};
  auto d = walrelay::mysql::destination("public", "t", map, "app");
  EXPECT_EQ(d.database, "app");
  EXPECT_EQ(d.table, "t");
  d = walrelay::mysql::destination("sales", "orders", map, "app");
  EXPECT_EQ(d.database, "sales_db");
  EXPECT_EQ(d.table, "orders");
  d = walrelay::mysql::destination("audit", "log", map, "app");
  EXPECT_EQ(d.database, "app");
  EXPECT_EQ(d.table, "audit.log");
  EXPECT_EQ(walrelay::mysql::qualified(d), "`app`.`audit.log`");
}

TEST(mysql_naming, CreateTableQuotesEverythingAndKeysThePrimaryKey) {
  const Relation rel(
      1, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "odd`name",
      {{"i`d", kText, true}, {"a b", kInt4}, {"\"q\"", kNumeric, false, numeric_typmod(10, 3)}});
  const auto shape = walrelay::mysql::TableShape::from_relation(*rel.get(), {}, "db");
  EXPECT_EQ(walrelay::mysql::create_table_sql(shape, "utf8mb4_nopad_bin"),
            "CREATE TABLE IF NOT EXISTS `db`.`odd``name` (`i``d` VARCHAR(255), `a b` INT, "
            "`\"q\"` DECIMAL(10,3), PRIMARY KEY (`i``d`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
            "COLLATE=utf8mb4_nopad_bin");
}

TEST(mysql_naming, FullIdentityStatementsUseNullSafeEqualityAndLimit) {
  const Relation rel(2, 1, WR_REPLICA_IDENTITY_FULL, "public", "log",
                     {{"a", kText, true}, {"b", kText, true}});
  const auto shape = walrelay::mysql::TableShape::from_relation(*rel.get(), {}, "db");
  std::vector<uint64_t> mask(2, 0);
  auto del =
      walrelay::mysql::build_statement(shape, walrelay::mysql::Op::Delete, WR_OLD_FULL, mask);
  EXPECT_EQ(del.sql, "DELETE FROM `db`.`log` WHERE `a` <=> ? AND `b` <=> ? LIMIT 1");
  mask[0] = 2;  // new `b` unchanged TOAST
  auto upd =
      walrelay::mysql::build_statement(shape, walrelay::mysql::Op::Update, WR_OLD_FULL, mask);
  EXPECT_EQ(upd.sql, "UPDATE `db`.`log` SET `a` = ? WHERE `a` <=> ? AND `b` <=> ? LIMIT 1");
  auto ins =
      walrelay::mysql::build_statement(shape, walrelay::mysql::Op::Insert, WR_OLD_NONE, {}, 3);
  EXPECT_EQ(ins.sql, "INSERT INTO `db`.`log` (`a`, `b`) VALUES (?,?),(?,?),(?,?)");
  EXPECT_EQ(ins.plan.size(), 6u);
  auto tr = walrelay::mysql::build_statement(shape, walrelay::mysql::Op::Truncate, WR_OLD_NONE, {});
  EXPECT_EQ(tr.sql, "DELETE FROM `db`.`log`");
}

}  // namespace
}  // namespace wrmysql

namespace wrmysql {
namespace {

TEST(mysql_load_data, FieldsEscapeLoadDataSpecialBytes) {
  std::string out;
  walrelay::mysql::append_field(out, std::string("a\tb\nc\rd\\e\0f'\"\\N", 15));
  EXPECT_EQ(out, std::string("a\\tb\\nc\\rd\\\\e\\0f'\"\\\\N"));
  out.clear();
  walrelay::mysql::append_null(out);
  EXPECT_EQ(out, "\\N");
}

TEST(mysql_load_data, StatementNamesEveryColumnQuoted) {
  const Relation rel(3, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "t`x",
                     {{"id", kInt4, true}, {"v w", kText}});
  const auto shape = walrelay::mysql::TableShape::from_relation(*rel.get(), {}, "db");
  EXPECT_EQ(walrelay::mysql::load_data_sql(shape),
            "LOAD DATA LOCAL INFILE 'walrelay-memory' INTO TABLE `db`.`t``x` CHARACTER SET binary "
            "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (`id`, `v w`)");
}

}  // namespace
}  // namespace wrmysql
