-- Exported from the template's models (backend/app/models.py) with scripts/export-schema.py:
--   python scripts/export-schema.py app.models:SQLModel.metadata --dialect postgresql > schema.sql
CREATE TABLE "user" (
	email VARCHAR(255) NOT NULL, 
	is_active BOOLEAN NOT NULL, 
	is_superuser BOOLEAN NOT NULL, 
	full_name VARCHAR(255), 
	id UUID NOT NULL, 
	hashed_password VARCHAR NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_user_email ON "user" (email);

CREATE TABLE item (
	title VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	id UUID NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE, 
	owner_id UUID NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(owner_id) REFERENCES "user" (id) ON DELETE CASCADE
);

