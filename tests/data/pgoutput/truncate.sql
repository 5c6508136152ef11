-- TRUNCATE of several relations with CASCADE and RESTART IDENTITY (one 'T' message naming
-- all of them, options 3), then a plain single-table TRUNCATE (options 0).
-- capture-options: 'proto_version', '1', 'publication_names', 'pub'
CREATE TABLE parent (id serial PRIMARY KEY);
CREATE TABLE child (id serial PRIMARY KEY, parent_id integer REFERENCES parent (id));
CREATE TABLE other (id serial PRIMARY KEY);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
INSERT INTO parent DEFAULT VALUES;
INSERT INTO child (parent_id) VALUES (1);
INSERT INTO other DEFAULT VALUES;
TRUNCATE parent, other RESTART IDENTITY CASCADE;
INSERT INTO other DEFAULT VALUES;
TRUNCATE other;
