"""Store fixtures: every store test runs on a fresh SQLite file and on a fresh schema of the real PostgreSQL.

PostgreSQL is ``postgresql+psycopg://postgres@127.0.0.1:5432/test`` (override with ``APPSCAN_TEST_PG``); each test
gets its own schema through ``search_path``, dropped afterwards, so parallel runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from appscan.store import Store, open_store
from tests.conftest import require

PG_URL = os.environ.get("APPSCAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin(statement: str) -> bool:
    """Run one statement on the PostgreSQL server; False when no server answers."""
    import psycopg

    try:
        with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True,
                             connect_timeout=3) as connection:
            connection.execute(statement)
    except psycopg.OperationalError:
        return False
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'appscan.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    require(_pg_admin(f"CREATE SCHEMA {schema}"), f"no PostgreSQL server answers at {PG_URL}")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    _pg_admin(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated store on each backend."""
    opened = open_store(db_url)
    yield opened
    opened.close()
