"""The data layer: SQLModel tables, migrations and the one module all writes go through."""
