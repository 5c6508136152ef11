-- A transaction written by a session with a replication origin set up: pgoutput sends an
-- Origin ('O') message after Begin, carrying the origin name and the origin's commit LSN.
-- capture-options: 'proto_version', '1', 'publication_names', 'pub'
CREATE TABLE replicated (id integer PRIMARY KEY);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
SELECT 'origin' FROM pg_replication_origin_create('upstream_a');
SELECT 'setup' FROM pg_replication_origin_session_setup('upstream_a');
BEGIN;
SELECT 'xact' FROM pg_replication_origin_xact_setup('0/ABCDEF12', '2024-01-01 00:00:00+00');
INSERT INTO replicated VALUES (1);
COMMIT;
SELECT 'reset' FROM pg_replication_origin_session_reset();
INSERT INTO replicated VALUES (2);
