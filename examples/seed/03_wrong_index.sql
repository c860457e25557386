-- The seed's "wrong" index: SHARE lock, every write waits for the build.
CREATE INDEX idx_orders_user ON orders(user_id);
