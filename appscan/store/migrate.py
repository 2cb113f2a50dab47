"""Schema migrations: the Alembic scripts shipped in ``appscan/store/migrations``, run programmatically.

Opening a database runs ``upgrade_to_head``: an empty database gets every revision, an older one the missing ones,
and a database stamped with a revision this code does not know (written by a newer appscan) is refused. The check
and the upgrade run in one transaction under a lock (SQLite's write lock, a PostgreSQL advisory lock), so several
processes opening a fresh database at once create the schema exactly once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from appscan.errors import StoreError

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade_to_head", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PG_LOCK_KEY = 0x61707073  # "apps": the advisory lock that serialises schema changes on PostgreSQL


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged scripts, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is stamped with; None for a database without appscan's schema."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate to ``revision`` under the schema lock; returns the revision found before. Refuses newer schemas."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        found = current_revision(connection)
        scripts = ScriptDirectory.from_config(alembic_config())
        if found is not None and not _known(scripts, found):
            raise StoreError(f"the database schema is at revision {found}, newer than this appscan "
                             f"(which knows up to {head_revision()}): upgrade appscan")
        if found != revision and not (revision == "head" and found == scripts.get_current_head()):
            command.upgrade(alembic_config(connection), revision)
        return found


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    """True when ``revision`` is one of the shipped scripts."""
    return any(script.revision == revision for script in scripts.walk_revisions())


def upgrade_to_head(engine: Engine) -> str | None:
    """Bring the schema up to date; returns the revision found before."""
    return upgrade(engine, "head")
