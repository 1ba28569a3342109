"""datasets.target: the column a dataset's models predict (its role), set once and remembered

Chosen in the Datasets pane ("Set as target", ``datasets target NAME COL``) or on the first
training; the training dialog then starts from it instead of proposing one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("datasets", sa.Column("target", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("datasets") as table:  # SQLite drops a column by a copy
        table.drop_column("target")
