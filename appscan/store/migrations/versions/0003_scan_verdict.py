"""The scan's verdict level and deciding rule as columns, so scan lists (``appscan db list``, the upload service)
show and filter verdicts without opening documents. Failed scans recorded before are marked undetermined
(``scan-failed``), as new failures are; other earlier scans keep NULL: their verdict was never computed.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add scan.verdict and scan.verdict_rule, index the level, and mark earlier failures undetermined."""
    op.add_column("scan", sa.Column("verdict", sa.String(length=16), nullable=True))
    op.add_column("scan", sa.Column("verdict_rule", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_scan_verdict"), "scan", ["verdict"], unique=False)
    op.execute("UPDATE scan SET verdict = 'undetermined', verdict_rule = 'scan-failed' WHERE status = 'failed'")


def downgrade() -> None:
    """Drop the verdict columns (a batch operation: SQLite rebuilds the table to drop a column)."""
    op.drop_index(op.f("ix_scan_verdict"), table_name="scan")
    with op.batch_alter_table("scan") as batch:
        batch.drop_column("verdict_rule")
        batch.drop_column("verdict")
