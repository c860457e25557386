-- The seed's type change: the new column is fine, the single UPDATE of the
-- whole table is not (batch it), and dropping the old column loses data
-- unless every reader has moved (a person confirms).
ALTER TABLE products ADD COLUMN price_cents BIGINT;
UPDATE products SET price_cents = (price * 100)::BIGINT;
ALTER TABLE products DROP COLUMN price;
