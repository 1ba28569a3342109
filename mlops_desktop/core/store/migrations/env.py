"""Alembic environment: runs migrations on the engine the Store hands over."""

from alembic import context

from mlops_desktop.core.store import postgres
from mlops_desktop.core.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    if connection.dialect.name == "postgresql":  # two programs opening a new store upgrade it once
        postgres.take_write_turn(connection)
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
