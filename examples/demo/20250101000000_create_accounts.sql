-- migrate:up
CREATE TABLE accounts (id INTEGER PRIMARY KEY, email text NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
INSERT INTO accounts (id, email) SELECT i, 'user' || i || '@example.' || (i % 7) FROM n;

-- migrate:down
DROP TABLE accounts;
