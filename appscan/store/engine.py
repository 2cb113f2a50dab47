"""Opening the database: which URL, connection settings per backend, schema migration, retries.

SQLite (the default, ``./appscan.db``) runs in WAL mode with a busy timeout and takes the write lock at BEGIN
(``BEGIN IMMEDIATE``), so concurrent writers queue instead of failing half-way; PostgreSQL needs nothing special.
Any failure to reach the database becomes a one-line ``StoreError``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from appscan.errors import StoreError, extra_needed
from appscan.store.migrate import upgrade_to_head

__all__ = ["DEFAULT_URL", "Store", "open_store", "resolve_url"]

DEFAULT_URL = "sqlite:///./appscan.db"
BUSY_TIMEOUT_S = 30
RETRIES = 8
T = TypeVar("T")


def resolve_url(url: str | None) -> str:
    """``--db`` wins, then ``APPSCAN_DB``, then the default SQLite file in the current directory."""
    return url or os.environ.get("APPSCAN_DB") or DEFAULT_URL


def _reason(error: BaseException) -> str:
    """The driver's message, first line only, without SQLAlchemy's boilerplate."""
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return text.removeprefix("connection failed: ")


def _transient(error: exc.DBAPIError) -> bool:
    """Lock contention and deadlocks that a retry of the whole transaction resolves."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate in {"40001", "40P01"} or "database is locked" in str(error.orig)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys, and BEGIN IMMEDIATE so a writer waits for the lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite must not issue its own BEGIN; the "begin" hook does
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class Store:
    """An open, migrated database. Repository functions take it as their first argument."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors -> StoreError naming the database."""
        try:
            yield
        except exc.SQLAlchemyError as error:
            raise StoreError(f"database error on {self.display_url}: {_reason(error)}") from error

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction, committed at the end; retried whole on lock contention or deadlock."""
        attempt = 0
        while True:
            try:
                with self._errors(), self.sessions.begin() as session:
                    return work(session)
            except StoreError as error:
                cause = error.__cause__
                if attempt >= RETRIES or not isinstance(cause, exc.DBAPIError) or not _transient(cause):
                    raise
            time.sleep(0.05 * 2 ** attempt)
            attempt += 1

    def read(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a read transaction."""
        with self._errors(), self.sessions.begin() as session:
            return work(session)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def _create_engine(url: str) -> Engine:
    """An engine with the per-backend settings; a malformed or unsupported URL is a StoreError."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})
            _configure_sqlite(engine)
            return engine
        args = {"connect_timeout": 10} if parsed.get_backend_name() == "postgresql" else {}
        with extra_needed("postgres", "a PostgreSQL database"):
            return create_engine(parsed, connect_args=args, pool_pre_ping=True)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError, ValueError) as error:
        raise StoreError(f"invalid database URL {url!r}: {_reason(error)}") from error


def open_store(url: str | None = None, migrate: bool = True, existing: bool = False) -> Store:
    """Connect to the database (``--db``, ``APPSCAN_DB`` or ``./appscan.db``) and bring its schema up to date.

    An empty database gets the schema, an older one is migrated, a newer one is refused: nothing is recreated.
    With ``existing`` (read-only commands), a SQLite file that does not exist is an error rather than created.
    """
    engine = _create_engine(resolve_url(url))
    shown = engine.url.render_as_string(hide_password=True)
    database = engine.url.database
    if existing and engine.url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:") \
            and not Path(database).exists():
        engine.dispose()
        raise StoreError(f"no database at {database}: nothing has been scanned into it (scan first, or name the "
                         "database with --db or APPSCAN_DB)")
    try:
        with engine.connect():
            pass
    except exc.SQLAlchemyError as error:
        engine.dispose()
        raise StoreError(f"cannot connect to {shown}: {_reason(error)}") from error
    if migrate:
        try:
            upgrade_to_head(engine)
        except exc.SQLAlchemyError as error:
            engine.dispose()
            raise StoreError(f"cannot migrate {shown}: {_reason(error)}") from error
        except StoreError:
            engine.dispose()
            raise
    return Store(engine, sessionmaker(engine, expire_on_commit=False))
