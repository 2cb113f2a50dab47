"""Tenants, reviewers, finding reviews, decisions per app version and the audit log (issue 13).

An app store team (a tenant) reviews findings, decides on versions and sees only its own keys and uploads. The
``default`` tenant is made here and owns every API key and upload that existed before: the service keeps working
with the keys it has. ``tenant_id`` is added nullable, filled, then made NOT NULL (a batch operation: SQLite
rebuilds the table to add the constraint).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_DEFAULT_TENANT = "default"
"""``review_records.DEFAULT_TENANT`` when this was written; a migration keeps its own copy."""

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OWNED = ("service_api_key", "service_upload")
"""Tables whose rows get the default tenant."""


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant"))


def _reviewer_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["reviewer_id"], ["reviewer.id"], name=op.f(f"fk_{table}_reviewer_id_reviewer"))


def upgrade() -> None:
    """Create the tenant, people, review, decision and audit tables; give existing keys and uploads a tenant."""
    tenant = op.create_table(
        "tenant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant")),
        sa.UniqueConstraint("name", name=op.f("uq_tenant_name")),
    )
    op.create_table(
        "reviewer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.CheckConstraint("role IN ('reviewer', 'admin')", name=op.f("ck_reviewer_role")),
        _tenant_fk("reviewer"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer")),
        sa.UniqueConstraint("tenant_id", "login", name=op.f("uq_reviewer_tenant_id_login")),
    )
    op.create_table(
        "finding_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("package", sa.String(length=255), nullable=False),
        sa.Column("finding_id", sa.String(length=128), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("verdict IN ('confirmed', 'false-positive', 'accepted-risk')",
                           name=op.f("ck_finding_review_verdict")),
        sa.CheckConstraint("verdict != 'accepted-risk' OR expires_at IS NOT NULL",
                           name=op.f("ck_finding_review_risk_expires")),
        _reviewer_fk("finding_review"),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_finding_review_scan_id_scan"),
                                ondelete="SET NULL"),
        _tenant_fk("finding_review"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_review")),
    )
    op.create_index(op.f("ix_finding_review_tenant_id_package_finding_id"), "finding_review",
                    ["tenant_id", "package", "finding_id"])
    op.create_table(
        "app_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("decision IN ('approve', 'reject', 'rectification-required')",
                           name=op.f("ck_app_decision_decision")),
        _reviewer_fk("app_decision"),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_app_decision_scan_id_scan"),
                                ondelete="CASCADE"),
        _tenant_fk("app_decision"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_decision")),
    )
    op.create_index(op.f("ix_app_decision_tenant_id_scan_id"), "app_decision", ["tenant_id", "scan_id"])
    op.create_table(
        "audit_event",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _tenant_fk("audit_event"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_tenant_id_id"), "audit_event", ["tenant_id", "id"])

    connection = op.get_bind()
    default_id = connection.scalar(tenant.insert().returning(tenant.c.id),
                                   {"name": _DEFAULT_TENANT, "created_at": datetime.now(timezone.utc)})
    for table in _OWNED:
        op.add_column(table, sa.Column("tenant_id", sa.Integer(), nullable=True))
        connection.execute(sa.table(table, sa.column("tenant_id", sa.Integer())).update().values(tenant_id=default_id))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("tenant_id", existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(op.f(f"fk_{table}_tenant_id_tenant"), "tenant", ["tenant_id"], ["id"])
        op.create_index(op.f(f"ix_{table}_tenant_id"), table, ["tenant_id"])
    op.create_index(op.f("ix_service_upload_scan_id"), "service_upload", ["scan_id"])


def downgrade() -> None:
    """Drop the tenant columns and the tables (keys and uploads stay, shared by everyone again)."""
    op.drop_index(op.f("ix_service_upload_scan_id"), table_name="service_upload")
    for table in _OWNED:
        op.drop_index(op.f(f"ix_{table}_tenant_id"), table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_tenant_id_tenant"), type_="foreignkey")
            batch.drop_column("tenant_id")
    for table in ("audit_event", "app_decision", "finding_review", "reviewer", "tenant"):
        op.drop_table(table)
