#!/usr/bin/env python3
"""Write a SQLAlchemy MetaData's CREATE statements as the schema.sql of prestart's schema step.

Run it inside the app's own Python environment, so it imports the same models the app uses:

    python scripts/export-schema.py app.models:SQLModel.metadata --dialect postgresql > schema.sql
    python scripts/export-schema.py myapp.db:Base.metadata --dialect sqlite -o schema.sql

Tables come in dependency order (MetaData.sorted_tables), each followed by its indexes; PostgreSQL
ENUM types come first. This is what SQLAlchemy's create_all would send, as one file prestart can
apply with create_all semantics and compare with the database (drift).
"""
import argparse
import importlib
import sys


def load(target: str):
    module_name, _, attribute = target.partition(":")
    if not attribute:
        sys.exit(f"export-schema: give MODULE:ATTRIBUTE, e.g. app.models:SQLModel.metadata (got {target!r})")
    value = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("metadata", help="MODULE:ATTRIBUTE of a sqlalchemy.MetaData, e.g. app.models:SQLModel.metadata")
    parser.add_argument("--dialect", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    arguments = parser.parse_args()

    sys.path.insert(0, ".")
    from sqlalchemy import Enum
    from sqlalchemy.schema import CreateIndex, CreateTable

    if arguments.dialect == "postgresql":
        from sqlalchemy.dialects import postgresql as dialect_module
    else:
        from sqlalchemy.dialects import sqlite as dialect_module
    dialect = dialect_module.dialect()
    metadata = load(arguments.metadata)

    statements = []
    if arguments.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import CreateEnumType

        seen = set()
        for table in metadata.sorted_tables:
            for column in table.columns:
                kind = column.type
                if isinstance(kind, Enum) and kind.native_enum and kind.name and kind.name not in seen:
                    seen.add(kind.name)
                    statements.append(str(CreateEnumType(kind).compile(dialect=dialect)).strip())
    for table in metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        for index in sorted(table.indexes, key=lambda index: index.name or ""):
            statements.append(str(CreateIndex(index).compile(dialect=dialect)).strip())

    text = "".join(f"{statement};\n\n" for statement in statements)
    if arguments.output:
        with open(arguments.output, "w") as file:
            file.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
