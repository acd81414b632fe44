"""The archive: SQLModel tables, engines, migrations and the one place for each query."""
