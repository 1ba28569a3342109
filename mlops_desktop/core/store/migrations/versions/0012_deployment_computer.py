"""deployments: the computer a server runs on, so a team store's servers are told apart by computer

A process id means something only on its own computer: on a team store another member's server
must not be taken for a process here (and stopped) because a process here has the same id.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 07:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deployments", sa.Column("computer", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deployments") as table:  # SQLite drops a column by a copy
        table.drop_column("computer")
