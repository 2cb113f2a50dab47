"""Initial schema: apps, versions, scans and everything a scan stores (see ``appscan.store.models``).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table and index (parents before children)."""
    op.create_table(
        "app",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app")),
        sa.UniqueConstraint("package", name=op.f("uq_app_package"))
    )
    op.create_table(
        "clause",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=True),
        sa.Column("title_en", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clause"))
    )
    op.create_table(
        "sdk",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("vendor", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sdk"))
    )
    op.create_table(
        "suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('finding', 'rule', 'sdk', 'clause')", name=op.f("ck_suppression_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_suppression_kind_value"))
    )
    op.create_table(
        "app_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("version_code", sa.BigInteger(), nullable=True),
        sa.Column("version_name", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("min_sdk", sa.Integer(), nullable=True),
        sa.Column("target_sdk", sa.Integer(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["app_id"], ["app.id"], name=op.f("fk_app_version_app_id_app")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_version")),
        sa.UniqueConstraint("sha256", name=op.f("uq_app_version_sha256"))
    )
    op.create_index(op.f("ix_app_version_app_id_version_code"), "app_version", ["app_id", "version_code"])
    op.create_table(
        "scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_version_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tool_version", sa.String(length=64), nullable=False),
        sa.Column("ruleset_name", sa.String(length=255), nullable=True),
        sa.Column("ruleset_version", sa.String(length=64), nullable=True),
        sa.Column("ruleset_sha256", sa.String(length=64), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("app_type", sa.String(length=64), nullable=True),
        sa.Column("facts_json", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("status IN ('ok', 'failed')", name=op.f("ck_scan_status")),
        sa.ForeignKeyConstraint(["app_version_id"], ["app_version.id"], name=op.f("fk_scan_app_version_id_app_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan"))
    )
    op.create_index(op.f("ix_scan_app_version_id_ruleset_sha256_status"), "scan", ["app_version_id", "ruleset_sha256", "status"])
    op.create_table(
        "api_call",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("api_id", sa.String(length=128), nullable=False),
        sa.Column("api", sa.Text(), nullable=False),
        sa.Column("data_type", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.Text(), nullable=False),
        sa.Column("sdk_id", sa.String(length=128), nullable=True),
        sa.Column("permission", sa.String(length=255), nullable=True),
        sa.Column("startup_reachable", sa.Boolean(), nullable=True),
        sa.Column("consent_gated", sa.Boolean(), nullable=True),
        sa.Column("background", sa.Boolean(), nullable=True),
        sa.Column("entry", sa.Text(), nullable=True),
        sa.Column("entry_kind", sa.String(length=32), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_api_call_scan_id_scan"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_call"))
    )
    op.create_index(op.f("ix_api_call_data_type_startup_reachable"), "api_call", ["data_type", "startup_reachable"])
    op.create_index(op.f("ix_api_call_scan_id"), "api_call", ["scan_id"])
    op.create_index(op.f("ix_api_call_sdk_id"), "api_call", ["sdk_id"])
    op.create_table(
        "component",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("exported", sa.Boolean(), nullable=False),
        sa.Column("permission", sa.String(length=255), nullable=True),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_component_scan_id_scan"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_component"))
    )
    op.create_index(op.f("ix_component_scan_id"), "component", ["scan_id"])
    op.create_index(op.f("ix_component_type_exported"), "component", ["type", "exported"])
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.String(length=128), nullable=False),
        sa.Column("rule", sa.String(length=128), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("evidence_level", sa.String(length=16), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("advice_zh", sa.Text(), nullable=False),
        sa.Column("advice_en", sa.Text(), nullable=False),
        sa.Column("sdk", sa.String(length=128), nullable=True),
        sa.Column("data_types", sa.Text(), nullable=False),
        sa.Column("manual_check", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_finding_scan_id_scan"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding"))
    )
    op.create_index(op.f("ix_finding_finding_id"), "finding", ["finding_id"])
    op.create_index(op.f("ix_finding_rule"), "finding", ["rule"])
    op.create_index(op.f("ix_finding_scan_id"), "finding", ["scan_id"])
    op.create_table(
        "permission_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("protection_level", sa.String(length=128), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("max_sdk", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_permission_use_scan_id_scan"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permission_use"))
    )
    op.create_index(op.f("ix_permission_use_name"), "permission_use", ["name"])
    op.create_index(op.f("ix_permission_use_scan_id"), "permission_use", ["scan_id"])
    op.create_table(
        "scan_incomplete",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_scan_incomplete_scan_id_scan"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_incomplete"))
    )
    op.create_index(op.f("ix_scan_incomplete_scan_id"), "scan_incomplete", ["scan_id"])
    op.create_table(
        "sdk_detection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("sdk_id", sa.String(length=128), nullable=False),
        sa.Column("evidence_level", sa.String(length=16), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_sdk_detection_scan_id_scan"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sdk_id"], ["sdk.id"], name=op.f("fk_sdk_detection_sdk_id_sdk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sdk_detection"))
    )
    op.create_index(op.f("ix_sdk_detection_scan_id"), "sdk_detection", ["scan_id"])
    op.create_index(op.f("ix_sdk_detection_sdk_id"), "sdk_detection", ["sdk_id"])
    op.create_table(
        "finding_clause",
        sa.Column("finding_row_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("clause_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["clause_id"], ["clause.id"], name=op.f("fk_finding_clause_clause_id_clause")),
        sa.ForeignKeyConstraint(["finding_row_id"], ["finding.id"], name=op.f("fk_finding_clause_finding_row_id_finding"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("finding_row_id", "ord", name=op.f("pk_finding_clause"))
    )
    op.create_index(op.f("ix_finding_clause_clause_id"), "finding_clause", ["clause_id"])
    op.create_table(
        "finding_evidence",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("finding_row_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["finding_row_id"], ["finding.id"], name=op.f("fk_finding_evidence_finding_row_id_finding"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_evidence"))
    )
    op.create_index(op.f("ix_finding_evidence_finding_row_id"), "finding_evidence", ["finding_row_id"])
    op.create_table(
        "sdk_evidence",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["detection_id"], ["sdk_detection.id"], name=op.f("fk_sdk_evidence_detection_id_sdk_detection"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sdk_evidence"))
    )
    op.create_index(op.f("ix_sdk_evidence_detection_id"), "sdk_evidence", ["detection_id"])


def downgrade() -> None:
    """Drop every table (children before parents; their indexes go with them)."""
    for table in ("sdk_evidence", "finding_evidence", "finding_clause", "sdk_detection", "scan_incomplete",
                  "permission_use", "finding", "component", "api_call", "scan",
                  "app_version", "suppression", "sdk", "clause", "app"):
        op.drop_table(table)
