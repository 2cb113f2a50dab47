"""Privacy policies stored with their scan (issue 14): the policies a scan read with their declarations, denials and
named SDKs as tables, so that ``appscan query policy-omits`` can ask which apps collect what their policy does not
declare; ``scan.policy_inputs``, the policy files a scan was given, so that reuse tells a scan made with a policy
from one made without; ``api_call.effect``, so that queries count only calls that really collect.

Existing scans get ``policy_inputs`` from their stored document (a policy not found inside the APK was given;
NULL, as for new scans, when none was);
their policies stay in ``facts_json`` (documents and ``diff`` are unchanged) but get no table rows: a query sees
them once they are scanned again. Their calls keep ``effect`` NULL, which counts as collection: at the time a
call section was stored in the table only when every call was plain collection.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import json
import zlib

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_EMBEDDED_PREFIX = "apk:"
"""``source`` of a policy found inside the APK (``appscan.policy.EMBEDDED_PREFIX`` when this was written; a
migration keeps its own copy so that it never changes with the code)."""

_BATCH = 200
"""Scan documents read at a time while filling ``policy_inputs``."""

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _given_policies(blob: bytes | None) -> str | None:
    """The ``policy_inputs`` value of a scan stored before this revision, from its compressed document (None when
    it was given no policy file)."""
    if blob is None:
        return None
    document = json.loads(zlib.decompress(blob).decode("utf-8"))["document"]
    return "\n".join(sorted(p["sha256"] for p in document.get("policies") or ()
                            if not p["source"].startswith(_EMBEDDED_PREFIX))) or None


def upgrade() -> None:
    """Add the policy tables and columns, and fill ``scan.policy_inputs`` of existing scans given policy files."""
    op.add_column("scan", sa.Column("policy_inputs", sa.Text(), nullable=True))
    op.add_column("api_call", sa.Column("effect", sa.String(length=32), nullable=True))
    op.create_table(
        "scan_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("account_deletion", sa.Boolean(), nullable=False),
        sa.Column("complaint_channel", sa.Boolean(), nullable=False),
        sa.Column("minors", sa.Boolean(), nullable=False),
        sa.Column("cross_border", sa.Boolean(), nullable=False),
        sa.Column("updated", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"], name=op.f("fk_scan_policy_scan_id_scan"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_policy")),
    )
    op.create_index(op.f("ix_scan_policy_scan_id"), "scan_policy", ["scan_id"])
    op.create_index(op.f("ix_scan_policy_sha256"), "scan_policy", ["sha256"])
    op.create_table(
        "policy_declaration",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("denied", sa.Boolean(), nullable=False),
        sa.Column("data_type", sa.String(length=64), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("conditional", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["policy_id"], ["scan_policy.id"],
                                name=op.f("fk_policy_declaration_policy_id_scan_policy"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_declaration")),
    )
    op.create_index(op.f("ix_policy_declaration_policy_id"), "policy_declaration", ["policy_id"])
    op.create_index(op.f("ix_policy_declaration_data_type_denied"), "policy_declaration", ["data_type", "denied"])
    op.create_table(
        "policy_sdk",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sdk_id", sa.String(length=128), nullable=True),
        sa.Column("company", sa.Text(), nullable=True),
        sa.Column("data_types", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["policy_id"], ["scan_policy.id"], name=op.f("fk_policy_sdk_policy_id_scan_policy"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_sdk")),
    )
    op.create_index(op.f("ix_policy_sdk_policy_id"), "policy_sdk", ["policy_id"])
    op.create_index(op.f("ix_policy_sdk_sdk_id"), "policy_sdk", ["sdk_id"])
    scan = sa.table("scan", sa.column("id", sa.Integer()), sa.column("status", sa.String()),
                    sa.column("facts_json", sa.LargeBinary()), sa.column("policy_inputs", sa.Text()))
    connection = op.get_bind()
    ids = list(connection.scalars(sa.select(scan.c.id).where(scan.c.status == "ok").order_by(scan.c.id)))
    update = scan.update().where(scan.c.id == sa.bindparam("scan_id")).values(policy_inputs=sa.bindparam("inputs"))
    for start in range(0, len(ids), _BATCH):  # documents in batches: a large store's never all in memory at once
        rows = connection.execute(sa.select(scan.c.id, scan.c.facts_json)
                                  .where(scan.c.id.in_(ids[start:start + _BATCH])))
        given = [{"scan_id": scan_id, "inputs": key} for scan_id, blob in rows
                 if (key := _given_policies(blob)) is not None]
        if given:
            connection.execute(update, given)


def downgrade() -> None:
    """Drop the policy tables and columns (batch operations: SQLite rebuilds a table to drop a column)."""
    op.drop_table("policy_sdk")
    op.drop_table("policy_declaration")
    op.drop_table("scan_policy")
    with op.batch_alter_table("api_call") as batch:
        batch.drop_column("effect")
    with op.batch_alter_table("scan") as batch:
        batch.drop_column("policy_inputs")
