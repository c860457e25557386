-- migrate:up transaction:false
-- The seed's "right" index, in a section of its own: CONCURRENTLY cannot
-- run in a transaction, and dbmate sends a section as one query string,
-- which PostgreSQL runs as one implicit transaction when it holds more
-- than one statement.  IF NOT EXISTS makes a retry after a failed build
-- safe once the INVALID index is dropped (DROP INDEX CONCURRENTLY).
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON orders (user_id);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_user_id;
