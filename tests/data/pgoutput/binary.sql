-- The 'binary' option: values of types with a send function arrive as 'b' columns.
-- capture-options: 'proto_version', '1', 'publication_names', 'pub', 'binary', 'true'
CREATE TABLE bin (id integer PRIMARY KEY, big bigint, t text, f boolean, n numeric);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
INSERT INTO bin VALUES (1, 258, 'hi', true, NULL);
