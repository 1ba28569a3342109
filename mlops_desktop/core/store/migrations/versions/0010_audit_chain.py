"""audit_events.hash: the tamper-evident chain, and indexes for the Audit pane's filters

Every event gets the SHA-256 chaining it to the one before (``governance.chain``); the events a
workspace already holds are chained here, oldest first, so ``audit verify`` covers them too.
Indexes on action, user and object let the pane and ``audit list`` filter 100,000 events
without reading them all.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 07:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

from mlops_desktop.core.governance import chain

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CHUNK = 5_000


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    op.create_index("ix_audit_events_user", "audit_events", ["user"])
    op.create_index("ix_audit_events_entity", "audit_events", ["entity"])
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime),
        sa.column("user", sa.String),
        sa.column("action", sa.String),
        sa.column("entity", sa.String),
        sa.column("details", sa.Text),
        sa.column("hash", sa.String),
    )
    connection = op.get_bind()
    previous, after = chain.GENESIS, 0
    while True:
        rows = connection.execute(
            sa.select(
                events.c.id,
                events.c.created_at,
                events.c.user,
                events.c.action,
                events.c.entity,
                events.c.details,
            )
            .where(events.c.id > after)
            .order_by(events.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        hashes = []
        for event_id, time, user, action, entity, details in rows:
            content = chain.Content(time, user, action, entity, json.loads(details))
            previous = chain.link(previous, content)
            hashes.append({"event_id": event_id, "digest": previous})
        connection.execute(
            events.update()
            .where(events.c.id == sa.bindparam("event_id"))
            .values(hash=sa.bindparam("digest")),
            hashes,
        )
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_audit_events_entity", table_name="audit_events")
    op.drop_index("ix_audit_events_user", table_name="audit_events")
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    with op.batch_alter_table("audit_events") as table:  # SQLite drops a column by a copy
        table.drop_column("hash")
