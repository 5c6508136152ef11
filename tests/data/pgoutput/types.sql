-- Insert/update/delete over many column types, with NULLs; an enum column makes pgoutput
-- send a Type ('Y') message before the Relation.
-- capture-options: 'proto_version', '1', 'publication_names', 'pub'
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE all_types (
  id integer PRIMARY KEY,
  big bigint,
  txt text,
  num numeric(12, 4),
  flag boolean,
  raw bytea,
  ts timestamptz,
  doc jsonb,
  uid uuid,
  tags text[],
  nums integer[],
  feeling mood
);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
SET TIME ZONE 'UTC';
INSERT INTO all_types VALUES
  (1, 9223372036854775807, 'héllo wörld ✓ "quoted" it''s', 12345.6789, true, '\xdeadbeef00',
   '2024-02-29 12:34:56.789+00', '{"a": [1, 2, {"b": null}], "c": "ü"}',
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', ARRAY['x', 'y z', NULL, '"q"'], ARRAY[1, -2, 3], 'happy');
INSERT INTO all_types (id) VALUES (2);
INSERT INTO all_types VALUES
  (3, -1, '', -0.5, false, '\x', '1999-12-31 23:59:59+00', '[]',
   '00000000-0000-0000-0000-000000000000', '{}', '{}', 'sad');
UPDATE all_types SET txt = 'changed', num = NULL, feeling = 'ok' WHERE id = 1;
DELETE FROM all_types WHERE id = 3;
