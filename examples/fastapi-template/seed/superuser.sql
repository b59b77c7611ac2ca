-- The first superuser, as the template's init_db() creates it: exact-match email, active, superuser,
-- a random UUID, created now. pwdlib verifies bcrypt ($2a$) and re-hashes to argon2id at first login.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- INSERT … SELECT … WHERE NOT EXISTS: bcrypt (cost 12, ~0.25 s) is computed only when the row is missing,
-- so a warm start costs one index probe; ON CONFLICT covers replicas racing to insert it.
INSERT INTO "user" (id, email, hashed_password, full_name, is_active, is_superuser, created_at)
SELECT gen_random_uuid(), :email::varchar, crypt(:password, gen_salt('bf', 12)), NULL, true, true, now()
WHERE NOT EXISTS (SELECT 1 FROM "user" WHERE email = :email::varchar)
ON CONFLICT (email) DO NOTHING;
