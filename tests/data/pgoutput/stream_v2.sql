-- Protocol v2 streaming ('streaming' on, logical_decoding_work_mem 64kB): a big transaction
-- is sent in Stream Start/Stop blocks before its Stream Commit; a rolled-back savepoint in a
-- streamed transaction gives a Stream Abort for the subtransaction, a rolled-back streamed
-- transaction a Stream Abort for itself; a small transaction stays a plain Begin/Commit.
-- capture-options: 'proto_version', '2', 'publication_names', 'pub', 'streaming', 'on'
-- capture-settings: SET logical_decoding_work_mem = '64kB';
CREATE TABLE big (id integer PRIMARY KEY, v text);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
BEGIN;
INSERT INTO big SELECT g, 'r' || g FROM generate_series(1, 700) g;
SAVEPOINT s1;
INSERT INTO big SELECT g, 's' || g FROM generate_series(701, 1400) g;
ROLLBACK TO SAVEPOINT s1;
UPDATE big SET v = 'u' WHERE id = 1;
DELETE FROM big WHERE id = 2;
COMMIT;
BEGIN;
INSERT INTO big SELECT g, 'x' || g FROM generate_series(2001, 2700) g;
ROLLBACK;
INSERT INTO big VALUES (0, 'small');
