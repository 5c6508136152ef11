-- Protocol v3 two-phase ('two_phase' on, slot created with two_phase): Begin Prepare /
-- Prepare, Commit Prepared, Rollback Prepared; with streaming, a big prepared transaction
-- ends in Stream Prepare.
-- capture-options: 'proto_version', '3', 'publication_names', 'pub', 'two_phase', 'on', 'streaming', 'on'
-- capture-settings: SET logical_decoding_work_mem = '64kB';
CREATE TABLE tp (id integer PRIMARY KEY, v text);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput', false, true);
BEGIN;
INSERT INTO tp VALUES (1, 'one');
PREPARE TRANSACTION 'gid-commit';
COMMIT PREPARED 'gid-commit';
BEGIN;
INSERT INTO tp VALUES (2, 'two');
PREPARE TRANSACTION 'gid-rollback';
ROLLBACK PREPARED 'gid-rollback';
BEGIN;
INSERT INTO tp SELECT g, 'b' || g FROM generate_series(100, 799) g;
PREPARE TRANSACTION 'gid-stream';
COMMIT PREPARED 'gid-stream';
