-- A large column stored out of line (STORAGE EXTERNAL, 3000 bytes) that an UPDATE does not
-- touch: pgoutput sends it as 'u' (unchanged TOAST) in the new tuple.
-- capture-options: 'proto_version', '1', 'publication_names', 'pub'
CREATE TABLE docs (id integer PRIMARY KEY, title text, body text);
ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
INSERT INTO docs VALUES (1, 'first', repeat('0123456789', 300));
UPDATE docs SET title = 'renamed' WHERE id = 1;
UPDATE docs SET body = 'short now' WHERE id = 1;
