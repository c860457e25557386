-- The corrected NOT NULL column, in phases (each a migration of its own;
-- zdm plan add-column writes them):
-- 1. add it nullable
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN email text;
-- 2. backfill in batches by key range: zdm backfill --table users --set "email = 'unknown@example.com'" --where "email IS NULL"
UPDATE users SET email = 'unknown@example.com' WHERE id > 0 AND id <= 1000 AND email IS NULL;
-- 3. a CHECK that does not scan now ...
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
-- 4. ... validated in its own transaction (SHARE UPDATE EXCLUSIVE: writes go on)
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
-- 5. SET NOT NULL uses the valid check and skips the scan (PostgreSQL 12+)
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_not_null;
