-- ALTER TABLE ADD COLUMN between inserts of one transaction: the Relation message is sent
-- again with the new column before the next change.
-- capture-options: 'proto_version', '1', 'publication_names', 'pub'
CREATE TABLE evolving (id integer PRIMARY KEY, a text);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
BEGIN;
INSERT INTO evolving VALUES (1, 'before');
ALTER TABLE evolving ADD COLUMN b integer DEFAULT 7;
INSERT INTO evolving VALUES (2, 'after', 8);
COMMIT;
INSERT INTO evolving VALUES (3, 'later', NULL);
