"""The upload service's tables: API keys (salted hashes only) and uploads with the scan each became.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create service_api_key and service_upload."""
    op.create_table(
        "service_api_key",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_service_api_key")),
    )
    op.create_table(
        "service_upload",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("scan_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("package", sa.String(length=500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_service_upload_scan_id_scan"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_upload")),
    )
    op.create_index(op.f("ix_service_upload_package"), "service_upload", ["package"], unique=False)
    op.create_index(op.f("ix_service_upload_status"), "service_upload", ["status"], unique=False)


def downgrade() -> None:
    """Drop the service tables."""
    op.drop_index(op.f("ix_service_upload_status"), table_name="service_upload")
    op.drop_index(op.f("ix_service_upload_package"), table_name="service_upload")
    op.drop_table("service_upload")
    op.drop_table("service_api_key")
