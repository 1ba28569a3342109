"""The one store access layer: SQLite (or a team's PostgreSQL) through SQLAlchemy 2, Alembic migrations,
artifacts."""
