-- Created once: a second start finds the row and leaves it alone. Emails are stored trimmed and lower-case
-- (migrations/1-normalize-emails.sql made the existing rows so).
-- No password here: SQLite cannot hash one, and a password stored as it was typed would sit in the database
-- and its backups. '!' matches no hash, so the account cannot log in until the app's own password-reset flow,
-- which hashes with a real library, sets one. With PostgreSQL, hash in the seed itself (pgcrypto's bcrypt, as
-- in examples/fastapi-template), or run the app's hasher in a `command` step.
INSERT INTO account (email, password_hash, is_admin)
VALUES (lower(trim(:email)), '!', 1)
ON CONFLICT (email) DO NOTHING;
