"""The one store access layer: SQLite through SQLAlchemy 2, Alembic migrations, artifacts."""
