-- Created once: a second start finds the row and leaves it alone.
-- (SQLite has no password hashing; a real app hashes in its own code or uses PostgreSQL's pgcrypto.)
INSERT INTO account (email, password_hash, is_admin)
VALUES (:email, 'plain:' || :password, 1)
ON CONFLICT (email) DO NOTHING;
