"""Suppressions per tenant, and people's sessions that end when an admin changes the person (issue 13).

``suppression.tenant_id``: each team keeps its own list of findings, rules, SDKs and clauses set aside; the rows
that existed become the ``default`` tenant's (the tenant of the command line's gate, which used them), and the
same (kind, value) may now be suppressed once per tenant.

``reviewer.session_epoch``: a number every web session carries; disabling a person, enabling them again or
setting a new password moves it on, so their open sessions end at their next request instead of when they
expire.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_DEFAULT_TENANT = "default"
"""``review_records.DEFAULT_TENANT`` when this was written; a migration keeps its own copy."""


def upgrade() -> None:
    """Give suppressions the default tenant and people a session epoch of 0."""
    connection = op.get_bind()
    default_id = connection.scalar(sa.text("SELECT id FROM tenant WHERE name = :name"), {"name": _DEFAULT_TENANT})
    op.add_column("suppression", sa.Column("tenant_id", sa.Integer(), nullable=True))
    op.execute(sa.table("suppression", sa.column("tenant_id", sa.Integer())).update().values(tenant_id=default_id))
    with op.batch_alter_table("suppression") as batch:
        batch.alter_column("tenant_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(op.f("fk_suppression_tenant_id_tenant"), "tenant", ["tenant_id"], ["id"])
        batch.drop_constraint(op.f("uq_suppression_kind_value"), type_="unique")
        batch.create_unique_constraint(op.f("uq_suppression_tenant_id_kind_value"), ["tenant_id", "kind", "value"])
    op.add_column("reviewer", sa.Column("session_epoch", sa.Integer(), nullable=True))
    op.execute(sa.table("reviewer", sa.column("session_epoch", sa.Integer())).update().values(session_epoch=0))
    with op.batch_alter_table("reviewer") as batch:
        batch.alter_column("session_epoch", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    """One suppression list for the installation again (other tenants' rows are dropped: they could clash), and
    sessions that last until they expire."""
    with op.batch_alter_table("reviewer") as batch:
        batch.drop_column("session_epoch")
    connection = op.get_bind()
    default_id = connection.scalar(sa.text("SELECT id FROM tenant WHERE name = :name"), {"name": _DEFAULT_TENANT})
    connection.execute(sa.text("DELETE FROM suppression WHERE tenant_id != :id"), {"id": default_id})
    with op.batch_alter_table("suppression") as batch:
        batch.drop_constraint(op.f("uq_suppression_tenant_id_kind_value"), type_="unique")
        batch.create_unique_constraint(op.f("uq_suppression_kind_value"), ["kind", "value"])
        batch.drop_constraint(op.f("fk_suppression_tenant_id_tenant"), type_="foreignkey")
        batch.drop_column("tenant_id")
