-- Created once: a second start finds the row and leaves it alone. Emails are stored trimmed and lower-case
-- (migrations/1-normalize-emails.sql made the existing rows so).
-- (SQLite has no password hashing; a real app hashes in its own code, or uses PostgreSQL's pgcrypto as in
-- examples/fastapi-template.)
INSERT INTO account (email, password_hash, is_admin)
VALUES (lower(trim(:email)), 'plain:' || :password, 1)
ON CONFLICT (email) DO NOTHING;
