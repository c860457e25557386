-- The seed's TypeScript backfill runs this.  PostgreSQL has no
-- UPDATE ... LIMIT: it is a syntax error.  Batch by key range instead.
UPDATE users SET status = 'active'
WHERE id > 0 AND status IS NULL
LIMIT 1000
RETURNING id;
