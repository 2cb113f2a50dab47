"""Fixtures of the scale tests: the CLI as a subprocess, a fresh PostgreSQL schema, a flushed Redis database.

PostgreSQL tests use their own schema in the database ``test`` (dropped and recreated per test, selected through
the connection's ``search_path``), so they never touch the tables of the store's own tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from appscan.cli import main
from appscan.store import get_scan_document, list_scans, open_store
from tests.conftest import REPO_ROOT, require

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/15"
SAMPLES = REPO_ROOT / "samples"


def appscan_cmd(*args: str) -> list[str]:
    """The argv that runs ``appscan ARGS`` in a new interpreter."""
    return [sys.executable, "-m", "appscan", *args]


def run_appscan(*args: str, env: dict[str, str] | None = None, timeout: float = 120) \
        -> subprocess.CompletedProcess[str]:
    """Run ``appscan ARGS`` to completion from the repository root."""
    return subprocess.run(appscan_cmd(*args), cwd=REPO_ROOT, env={**os.environ, **(env or {})}, text=True,
                          capture_output=True, timeout=timeout)


def invoke_appscan(*args: str) -> Result:
    """Run ``appscan ARGS`` in this process (no interpreter start-up: the batch forks its children from here)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def stored_results(db_url: str) -> dict[str, tuple[int, list[str], list[str]]]:
    """Per sha256 of the successful scans: how many scans, their finding ids and SDK ids (from the first)."""
    store = open_store(db_url)
    try:
        out: dict[str, tuple[int, list[str], list[str]]] = {}
        for scan in list_scans(store):
            if scan.status != "ok" or scan.sha256 is None:
                continue
            count = out[scan.sha256][0] + 1 if scan.sha256 in out else 1
            doc = get_scan_document(store, scan.scan_id)
            out[scan.sha256] = (count, sorted(f["id"] for f in doc["findings"]), sorted(s["id"] for s in doc["sdks"]))
        return out
    finally:
        store.close()


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A folder holding copies of the sample APKs."""
    folder = tmp_path / "apks"
    folder.mkdir()
    for apk in sorted(SAMPLES.glob("*.apk")):
        (folder / apk.name).write_bytes(apk.read_bytes())
    return folder


def _pg_answers() -> bool:
    try:
        engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # no server, no driver: the test skips (or fails under APPSCAN_REQUIRE_SERVICES)
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A SQLAlchemy URL on PostgreSQL whose tables live in a schema emptied for this test."""
    require(_pg_answers(), "no PostgreSQL server answers at 127.0.0.1:5432 (database test)")
    schema = "appscan_scale_test"
    engine = create_engine(PG_SERVER)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


@pytest.fixture
def redis_url() -> str:
    """Redis database 15, flushed: the queue of this test alone."""
    import redis
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        require(False, "no Redis server answers at 127.0.0.1:6379")
    client.flushdb()
    return REDIS_URL
