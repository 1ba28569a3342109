"""Four-eyes approval: a model may require that a move to production asked for by one person is
approved by another; the pending request, and who asked for a move that was approved.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 07:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "registered_models",
        sa.Column("four_eyes", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("stage_transitions", sa.Column("requested_by", sa.String(length=200)))
    op.create_table(
        "stage_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "model_version_id",
            sa.Integer(),
            sa.ForeignKey("model_versions.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("user", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stage_requests")
    with op.batch_alter_table("stage_transitions") as table:
        table.drop_column("requested_by")
    with op.batch_alter_table("registered_models") as table:
        table.drop_column("four_eyes")
