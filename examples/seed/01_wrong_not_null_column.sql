-- The seed's "wrong" example: a NOT NULL column with no default.
-- On PostgreSQL this fails on any table with rows; SQLite refuses it outright.
ALTER TABLE users ADD COLUMN email VARCHAR NOT NULL;
