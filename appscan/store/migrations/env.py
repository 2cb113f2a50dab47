"""Alembic environment: migrations run on the connection ``appscan.store.migrate`` hands over, never from a URL.

SQLite cannot ALTER most things in place, so its migrations use Alembic's batch mode (copy-and-move tables).
"""

from __future__ import annotations

from alembic import context

from appscan.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
