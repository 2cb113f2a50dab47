"""API key roles and the queue's index (issue 13): a key is a ``reviewer`` (reads its tenant's scans, reviews and
decides) or an ``admin`` (also makes and revokes keys, reads the audit log, edits the suppressions); every key that
existed becomes a reviewer, since no key could do an admin's work before. ``finding(scan_id, severity)`` lets the
review queue count a page's findings per severity, and sort by high findings, from the index alone.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_REVIEWER = "reviewer"
"""``service_records.KEY_ROLES[0]`` when this was written; a migration keeps its own copy."""


def upgrade() -> None:
    """Give every key a role (reviewer) and index findings by scan and severity."""
    op.add_column("service_api_key", sa.Column("role", sa.String(length=16), nullable=True))
    op.execute(sa.table("service_api_key", sa.column("role", sa.String())).update().values(role=_REVIEWER))
    with op.batch_alter_table("service_api_key") as batch:
        batch.alter_column("role", existing_type=sa.String(length=16), nullable=False)
        batch.create_check_constraint(op.f("ck_service_api_key_role"), "role IN ('reviewer', 'admin')")
    op.create_index(op.f("ix_finding_scan_id_severity"), "finding", ["scan_id", "severity"])


def downgrade() -> None:
    """Drop the index and the roles (every key reaches its tenant's data alike again)."""
    op.drop_index(op.f("ix_finding_scan_id_severity"), table_name="finding")
    with op.batch_alter_table("service_api_key") as batch:
        batch.drop_constraint(op.f("ck_service_api_key_role"), type_="check")
        batch.drop_column("role")
