// End to end: PostgreSQL -> walrelay -> SQLite sink, checked row for row the way a user
// would check it, plus the slot position after a clean stop.
#include <gtest/gtest.h>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

TEST(WalrelayCli, VersionAndPluginsList) {
  auto v = RunCommand({WalrelayBin(), "--version"}, 30s);
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("0."), std::string::npos) << v.output;

  TempDir dir;
  RelayConfig c;
  c.conninfo = "host=127.0.0.1 port=1 dbname=postgres user=postgres";
  c.sinks.push_back({"replica", "sqlite", {{"path", dir.file("x.db")}}});
  std::string cfg = WriteRelayConfig(dir.file("c.yaml"), c);
  auto p = RunCommand({WalrelayBin(), "plugins", "-c", cfg}, 30s);
  EXPECT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("sqlite"), std::string::npos) << p.output;
}

// Every column rendered as the SQLite sink stores it: ints and numerics as their text,
// bool as 0/1, floats rounded the same way on both sides, bytea as lower-case hex.
std::vector<TableCheck> EndToEndChecks() {
  return {
      {"customers",
       "SELECT id, name, active::int, balance, round(score::numeric, 6), small, big, created, "
       "born, encode(data, 'hex'), tags, meta, round(price::numeric, 3) "
       "FROM customers ORDER BY id",
       "SELECT id, name, active, balance, "
       "CASE WHEN score IS NULL THEN NULL ELSE printf('%.6f', score) END, small, big, created, "
       "born, CASE WHEN data IS NULL THEN NULL ELSE lower(hex(data)) END, tags, meta, "
       "CASE WHEN price IS NULL THEN NULL ELSE printf('%.3f', price) END "
       "FROM customers ORDER BY id"},
      {"customers types",
       "SELECT 'integer', 'integer', 'text', 'real', 'blob', 'text', 'integer' "
       "FROM customers WHERE id = 1",
       "SELECT typeof(id), typeof(active), typeof(balance), typeof(score), typeof(data), "
       "typeof(created), typeof(big) FROM customers WHERE id = 1"},
      {"order_lines (composite key)",
       "SELECT order_id, line_no, sku, qty FROM order_lines ORDER BY order_id, line_no",
       "SELECT order_id, line_no, sku, qty FROM order_lines ORDER BY order_id, line_no"},
      {"events (no key, REPLICA IDENTITY FULL)",
       "SELECT kind, payload, n FROM events ORDER BY kind, payload NULLS FIRST, n NULLS FIRST",
       "SELECT kind, payload, n FROM events ORDER BY kind, payload, n"},
      {"docs (TOASTed body)", "SELECT id, title, length(body), body FROM docs ORDER BY id",
       "SELECT id, title, length(body), body FROM docs ORDER BY id"},
      {"app.items (non-public schema)",
       "SELECT id, label, price, \"group\" FROM app.items ORDER BY id",
       "SELECT id, label, price, \"group\" FROM \"app.items\" ORDER BY id"},
      {"trunc_a", "SELECT id, v FROM trunc_a ORDER BY id", "SELECT id, v FROM trunc_a ORDER BY id"},
      {"trunc_b", "SELECT id, v FROM trunc_b ORDER BY id", "SELECT id, v FROM trunc_b ORDER BY id"},
  };
}

class EndToEnd : public RelayTest {};

TEST_F(EndToEnd, ReplicatesEveryKindOfChangeAndConfirmsOnStop) {
  StartCluster();
  pg().exec(R"sql(
    CREATE SCHEMA app;
    CREATE TABLE customers (
      id int PRIMARY KEY, name text NOT NULL, active bool, balance numeric(12,2),
      score float8, small int2, big int8, created timestamptz, born date, data bytea,
      tags text[], meta jsonb, price real);
    CREATE TABLE order_lines (
      order_id int, line_no int, sku text NOT NULL, qty int NOT NULL,
      PRIMARY KEY (order_id, line_no));
    CREATE TABLE events (kind text NOT NULL, payload text, n int);
    ALTER TABLE events REPLICA IDENTITY FULL;
    CREATE TABLE docs (id int PRIMARY KEY, title text, body text);
    ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
    CREATE TABLE app.items (id bigint PRIMARY KEY, label text, price numeric, "group" text);
    CREATE TABLE trunc_a (id int PRIMARY KEY, v text);
    CREATE TABLE trunc_b (id int PRIMARY KEY, v text);
    CREATE PUBLICATION walrelay_pub FOR ALL TABLES;
  )sql");
  const std::string db = pg().file("replica.db");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  cfg.create_slot = true;
  MakeRelay(cfg);
  relay().Start();
  // The slot must exist (with its consistent point) before changes are made: there is no
  // initial copy, so earlier changes would not be replicated.
  ASSERT_TRUE(WaitFor(
      [&] {
        return !relay().Running() || (pg().ConfirmedFlushLsn("walrelay").has_value() &&
                                      pg().SlotActivePid("walrelay").has_value());
      },
      30s));
  ASSERT_TRUE(relay().Running()) << DescribeStatus(relay().ExitStatus()) << "\n"
                                 << relay().LogTail();

  // Inserts of every mapped type, NULLs, quoting, unicode.
  pg().exec(R"sql(
    INSERT INTO customers VALUES
      (1, 'Alice', true, 1234567890.12, 3.14159, 7, 9223372036854775807,
       '2024-02-29 23:59:59.123456+00', '1990-01-31', '\x00ff10', '{a,b}', '{"k": [1, 2]}', 1.25),
      (2, 'Bob "the" O''Brien', false, -0.50, -2.5, -32768, -1, '2000-01-01 00:00:00+05',
       '2000-02-29', '\x', '{}', 'null', -0.5),
      (3, E'line1\nline2\ttab', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (4, 'Zoë ✓ 日本', true, 0, 0, 0, 0, 'infinity', '-infinity', '\xdeadbeef',
       '{"with space",NULL}', '{"a": "é"}', 1e10);
    INSERT INTO order_lines VALUES (1, 1, 'SKU-1', 2), (1, 2, 'SKU-2', 1), (2, 1, 'SKU-3', 5),
                                   (2, 2, 'SKU-4', 1), (3, 1, 'SKU-5', 9);
    INSERT INTO events VALUES ('click', 'a', 1), ('click', 'a', 1), ('click', 'b', 2),
                              ('view', NULL, NULL), ('view', NULL, NULL), ('dup', 'x', 0),
                              ('dup', 'x', 0), ('gone', NULL, 5);
    INSERT INTO app.items VALUES (1, 'pen', 1.50, 'office'), (2, 'ink', 12.000, NULL),
                                 (3, 'pad', 0.1, 'office');
    INSERT INTO trunc_a SELECT g, 'a' || g FROM generate_series(1, 50) g;
    INSERT INTO trunc_b SELECT g, 'b' || g FROM generate_series(1, 50) g;
  )sql");
  // A value well over 100 kB, stored out of line, uncompressed.
  pg().exec(
      "INSERT INTO docs SELECT 1, 'v1', string_agg(md5(g::text), '') "
      "FROM generate_series(1, 4000) g");
  pg().exec("INSERT INTO docs VALUES (2, 'small', 'tiny body')");
  ASSERT_EQ(pg().scalar("SELECT length(body) > 100000 FROM docs WHERE id = 1"), "t");
  ASSERT_EQ(pg().scalar("SELECT pg_column_size(body) > 100000 FROM docs WHERE id = 1"), "t");

  // Updates: plain, to NULL, a primary key change, a composite key change, an update that
  // leaves the TOASTed column alone (pgoutput sends it as "unchanged"), updates and
  // deletes of rows without a key, including one of two identical rows.
  pg().exec(R"sql(
    UPDATE customers SET balance = balance + 0.01, score = score * 2, active = NOT active
      WHERE id IN (1, 2);
    UPDATE customers SET name = 'Carol', created = '2023-06-01 12:00:00+00', tags = '{x}'
      WHERE id = 3;
    UPDATE customers SET data = NULL, meta = NULL WHERE id = 4;
    UPDATE customers SET id = 100 WHERE id = 3;
    UPDATE order_lines SET line_no = 9, qty = qty + 1 WHERE order_id = 1 AND line_no = 2;
    UPDATE order_lines SET order_id = 4 WHERE order_id = 3;
    UPDATE docs SET title = 'v2' WHERE id = 1;
    UPDATE events SET n = n + 10 WHERE kind = 'click';
    UPDATE events SET payload = 'seen' WHERE ctid = (SELECT ctid FROM events WHERE kind = 'view' LIMIT 1);
    DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE kind = 'dup' LIMIT 1);
    DELETE FROM events WHERE kind = 'gone';
    UPDATE app.items SET price = 2.25, "group" = NULL WHERE id = 1;
    DELETE FROM app.items WHERE id = 2;
    DELETE FROM customers WHERE id = 2;
    DELETE FROM order_lines WHERE order_id = 2;
  )sql");
  // One transaction touching several tables, with a truncate of two tables in one
  // statement in the middle, then rows written after it.
  pg().exec(R"sql(
    BEGIN;
    INSERT INTO trunc_a VALUES (51, 'before');
    UPDATE customers SET name = 'Alice B.' WHERE id = 1;
    TRUNCATE trunc_a, trunc_b;
    INSERT INTO trunc_a VALUES (1, 'after');
    INSERT INTO order_lines VALUES (5, 1, 'SKU-6', 1);
    COMMIT;
  )sql");
  pg().exec("TRUNCATE trunc_b");
  pg().exec("INSERT INTO trunc_b VALUES (7, 'seven')");
  // A rolled back transaction leaves no trace.
  pg().exec("BEGIN; INSERT INTO customers (id, name) VALUES (999, 'ghost'); ROLLBACK;");
  pg().exec("UPDATE docs SET body = body || 'tail' WHERE id = 1");
  pg().exec("UPDATE docs SET title = 'v3' WHERE id = 1");

  ASSERT_TRUE(WaitUntilSame(pg(), db, EndToEndChecks(), 60s, &relay()));

  // Clean stop: exit 0 and the final position confirmed to PostgreSQL.
  ASSERT_TRUE(StopRelayCleanly());
  auto cp = ReadSqliteCheckpoint(db, "replica");
  ASSERT_TRUE(cp.has_value()) << "no walrelay_checkpoint row for sink 'replica'";
  EXPECT_EQ(ParseLsn(cp->end_lsn_text), cp->end_lsn) << cp->end_lsn_text;
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay"));
  auto confirmed = pg().ConfirmedFlushLsn("walrelay");
  ASSERT_TRUE(confirmed.has_value());
  EXPECT_GE(*confirmed, cp->end_lsn) << "confirmed_flush_lsn " << FormatLsn(*confirmed)
                                     << " is behind the SQLite checkpoint " << cp->end_lsn_text;
  // Past the checkpoint only when nothing published is left: the slot holds no message
  // that walrelay did not apply.
  EXPECT_EQ(PendingSlotMessages(pg(), "walrelay", "walrelay_pub"), 0)
      << "confirmed " << FormatLsn(*confirmed) << ", checkpoint " << cp->end_lsn_text;
  EXPECT_TRUE(CompareTables(pg(), db, EndToEndChecks()));

  // Started again (the slot now exists), it resumes without repeating anything: the
  // key-less table would show a duplicate.
  relay().Start();
  pg().exec("INSERT INTO events VALUES ('after-restart', 'z', 1)");
  pg().exec("INSERT INTO customers (id, name) VALUES (5, 'Eve')");
  ASSERT_TRUE(WaitUntilSame(pg(), db, EndToEndChecks(), 60s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
  auto cp2 = ReadSqliteCheckpoint(db, "replica");
  ASSERT_TRUE(cp2.has_value());
  EXPECT_GT(cp2->end_lsn, cp->end_lsn);
}

}  // namespace
}  // namespace walrelay::test
