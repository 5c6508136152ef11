-- Default replica identity (primary key): an UPDATE that changes the key sends the old key
-- ('K'); one that does not sends no old tuple; DELETE sends the old key ('K').
-- capture-options: 'proto_version', '1', 'publication_names', 'pub'
CREATE TABLE accounts (a integer, b text, balance numeric, PRIMARY KEY (a, b));
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT 'init' FROM pg_create_logical_replication_slot('slot', 'pgoutput');
INSERT INTO accounts VALUES (1, 'x', 10);
UPDATE accounts SET balance = 20 WHERE a = 1;
UPDATE accounts SET a = 2 WHERE a = 1;
DELETE FROM accounts WHERE a = 2;
