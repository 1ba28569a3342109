"""model_versions.imported_from: where a version imported from a model bundle came from

NULL for a version registered here; for an imported one, the bundle's manifest SHA-256, its file
name, the source model version and the lineage the bundle carried (``registry.bundles``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("model_versions", sa.Column("imported_from", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_versions") as table:  # SQLite drops a column by a copy
        table.drop_column("imported_from")
