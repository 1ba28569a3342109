"""data preparation and validation rules: saved recipes, each dataset's rules, each version's
validation report, and the rule violations of each logged prediction

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 04:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recipes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "dataset_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dataset_id"),
    )
    op.add_column("dataset_versions", sa.Column("validation", sa.JSON(), nullable=True))
    op.add_column("prediction_logs", sa.Column("violations", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("prediction_logs", "violations")
    op.drop_column("dataset_versions", "validation")
    op.drop_table("dataset_rules")
    op.drop_table("recipes")
