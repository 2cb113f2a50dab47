"""The input file's sha256 on failed scans, so that an input that keeps failing (a poison APK: a memory bomb, a
file that kills its scanner) is recognised and not retried without end. Successful scans have it through their
app version; failures recorded before stay NULL.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add scan.input_sha256 with an index."""
    op.add_column("scan", sa.Column("input_sha256", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_scan_input_sha256"), "scan", ["input_sha256"], unique=False)


def downgrade() -> None:
    """Drop the column (a batch operation: SQLite rebuilds the table to drop a column)."""
    op.drop_index(op.f("ix_scan_input_sha256"), table_name="scan")
    with op.batch_alter_table("scan") as batch:
        batch.drop_column("input_sha256")
