"""prediction_logs.source: where a logged row came from, so monitoring counts only real traffic

"traffic" (every row logged before), "try_it" (the Serve tab's Try-it form) or "refused" (a
request refused for its body or values: its inputs as far as they could be read, no prediction).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): a long prediction log upgrades at once.
    op.add_column(
        "prediction_logs",
        sa.Column("source", sa.String(length=16), nullable=False, server_default="traffic"),
    )


def downgrade() -> None:
    with op.batch_alter_table("prediction_logs") as table:  # SQLite drops a column by a copy
        table.drop_column("source")
