-- The seed's "right" three-phase approach.  It is not zero-downtime:
--  * the UPDATE rewrites every row in one transaction (row locks on all of
--    them until commit, bloat), so batch it by key range instead;
--  * SET NOT NULL scans the whole table under ACCESS EXCLUSIVE: add
--    CHECK (email IS NOT NULL) NOT VALID, VALIDATE it in another
--    transaction, then SET NOT NULL (PostgreSQL 12+ skips the scan).
ALTER TABLE users ADD COLUMN email VARCHAR;
UPDATE users SET email = 'unknown@example.com';
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
