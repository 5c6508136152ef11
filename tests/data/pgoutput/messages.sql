-- pg_logical_emit_message, transactional (inside Begin/Commit) and not, with the
-- 'messages' option.
-- capture-options: 'proto_version', '1', 'publication_names', 'pub', 'messages', 'true'
CREATE TABLE m (id integer PRIMARY KEY);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
SELECT 'nontx' FROM pg_logical_emit_message(false, 'walrelay.test', 'not transactional');
BEGIN;
INSERT INTO m VALUES (1);
SELECT 'tx' FROM pg_logical_emit_message(true, 'walrelay.test', E'binary\\001\\000payload'::bytea);
COMMIT;
SELECT 'empty' FROM pg_logical_emit_message(true, '', '');
