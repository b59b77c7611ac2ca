-- The app's tables, as scripts/export-schema.py writes them from SQLAlchemy models (sqlite dialect).
CREATE TABLE account (
	id INTEGER NOT NULL,
	email VARCHAR(255) NOT NULL,
	password_hash VARCHAR NOT NULL,
	is_admin BOOLEAN NOT NULL,
	created_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_account_email ON account (email);

CREATE TABLE audit_log (
	id INTEGER NOT NULL,
	account_id INTEGER NOT NULL,
	event VARCHAR(64) NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE
);
