-- The seed's add-column: with a constant default PostgreSQL 11+ fills
-- every row from the catalogue (no rewrite), so the backfill loop the seed
-- runs after it finds nothing to do.
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN status text DEFAULT 'active';
