-- REPLICA IDENTITY FULL: UPDATE and DELETE carry the whole old row ('O').
-- capture-options: 'proto_version', '1', 'publication_names', 'pub'
CREATE TABLE people (id integer, name text, note text);
ALTER TABLE people REPLICA IDENTITY FULL;
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
INSERT INTO people VALUES (1, 'ann', NULL), (2, 'bob', 'b');
UPDATE people SET name = 'anne' WHERE id = 1;
DELETE FROM people WHERE id = 2;
