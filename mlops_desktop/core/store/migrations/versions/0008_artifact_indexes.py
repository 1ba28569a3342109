"""indexes on the columns that refer to artifacts, so opening reads them without the rows' JSON

Opening a workspace reads every SHA-256 a record refers to (``store.upkeep``). Without an index
SQLite walks each dataset version's row, profile included, to reach ``artifact_sha256``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:20:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dataset_versions_artifact_sha256", "dataset_versions", ["artifact_sha256"])
    op.create_index("ix_runs_model_sha256", "runs", ["model_sha256"])


def downgrade() -> None:
    op.drop_index("ix_runs_model_sha256", table_name="runs")
    op.drop_index("ix_dataset_versions_artifact_sha256", table_name="dataset_versions")
