-- migrate:up transaction:false
-- The seed's "right" index, in a file that does not run in a transaction
-- (CONCURRENTLY cannot), and re-runnable after a failed build.
SET lock_timeout = '2s';
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_user_id;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON orders (user_id);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_user_id;
