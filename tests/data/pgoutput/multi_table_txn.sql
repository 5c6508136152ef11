-- One transaction over several tables (one Begin/Commit pair, Relation messages in between).
-- capture-options: 'proto_version', '1', 'publication_names', 'pub'
CREATE TABLE t1 (id integer PRIMARY KEY, v text);
CREATE TABLE t2 (id integer PRIMARY KEY, v integer);
CREATE TABLE t3 (id integer PRIMARY KEY);
INSERT INTO t2 VALUES (1, 1);
INSERT INTO t3 VALUES (1), (2);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
BEGIN;
INSERT INTO t1 VALUES (1, 'one');
UPDATE t2 SET v = 2 WHERE id = 1;
DELETE FROM t3 WHERE id = 1;
INSERT INTO t1 VALUES (2, 'two');
COMMIT;
