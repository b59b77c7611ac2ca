-- A data migration: applied once per database, recorded in prestart_ledger with its SHA-256.
UPDATE account SET email = lower(trim(email)) WHERE email <> lower(trim(email));
