"""Distributed scanning on Celery: Redis carries the queue, the shared database (PostgreSQL) holds the results.

Nothing is lost when a worker dies: tasks are acknowledged only after they finish (``acks_late``), a worker takes
one task at a time (prefetch 1), and a task whose worker vanished is redelivered once the Redis visibility timeout
(``APPSCAN_VISIBILITY_TIMEOUT`` seconds) has passed. A redelivered task must not scan twice, so ``scan_apk`` is
idempotent by the file's sha256: it holds a Redis lock on that sha256 while it checks the store, scans and saves,
and does nothing when the store already has the scan. A task given the app's privacy policy files locks the APK's
and the policies' sha256s together, and only a stored scan made with the same policies answers it. The lock is
kept alive by a heartbeat, so it outlives a long scan but expires soon after its worker is killed.

Each scan runs in a process of its own under ``APPSCAN_TIME_LIMIT`` and ``APPSCAN_MEMORY_LIMIT``, supervised by the
task's process (``appscan.jobs.supervise``, as in ``batch``): a scan that hangs in any part of the analysis is killed at
the limit and stored as failed, and the worker takes the next task. An APK that failed ``APPSCAN_MAX_FAILURES``
times is not scanned again.

Error mapping (the one place for the worker): an unreadable APK is stored as a failed scan and the task succeeds
with status ``failed``; a database that is down (``StoreError``) or a sha256 locked by another worker makes the
task retry later; anything else is a bug and fails the task.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import redis
from celery import Celery, Task

from appscan.errors import StoreError
from appscan.jobs.ingest import file_sha256, ingest, scan_key
from appscan.rules.catalog import Ruleset
from appscan.rules.loader import load_rulesets
from appscan.store import Store, open_store
from appscan.jobs.supervise import Limits, scan_supervised

__all__ = ["DEFAULT_BROKER", "app", "broker_url", "scan_apk"]

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
RETRY_S = 5
"""Delay before a task retries when its sha256 is locked or the database is unreachable."""


def broker_url() -> str:
    """``APPSCAN_BROKER``, or Redis on this machine."""
    return os.environ.get("APPSCAN_BROKER") or DEFAULT_BROKER


def _seconds(name: str, default: int) -> int:
    """A positive number of seconds from the environment."""
    value = int(os.environ.get(name) or default)
    if value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, not {value}")
    return value


def _make_app() -> Celery:
    """The Celery application, configured from the environment when this module is imported."""
    visibility = _seconds("APPSCAN_VISIBILITY_TIMEOUT", 3600)
    celery = Celery("appscan", broker=broker_url(), backend=broker_url())
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json", result_serializer="json", accept_content=["json"],
        result_expires=7 * 24 * 3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        # Look for unacknowledged messages of dead workers every quarter of the timeout (1..60 s).
        broker_transport_options={"visibility_timeout": visibility,
                                  "unacked_restore_interval": max(1, min(60, visibility // 4)),
                                  "unacked_restore_throttle": 1},
    )
    return celery


app = _make_app()


@cache
def _store() -> Store:
    """This worker process's connection pool (opened after the pool forked, never shared across processes)."""
    return open_store()


@cache
def _ruleset() -> Ruleset:
    """The bundled rules, loaded once per worker process."""
    return load_rulesets()


@cache
def _redis() -> redis.Redis | None:
    """A client for the sha256 locks: the broker's Redis; None with another broker (the store check remains)."""
    url = broker_url()
    return redis.Redis.from_url(url) if url.startswith(("redis://", "rediss://", "unix://")) else None


@contextmanager
def _sha_lock(sha256: str) -> Iterator[bool]:
    """Hold ``appscan:scan:SHA256`` (``scan_key``: with the policies' sha256s) while scanning; yields False when
    another worker holds it.

    The lock expires ``APPSCAN_LOCK_TTL`` seconds after its holder stops renewing it (renewed every third of that).
    """
    client = _redis()
    if client is None:
        yield True
        return
    ttl = _seconds("APPSCAN_LOCK_TTL", 60)
    lock = client.lock(f"appscan:scan:{sha256}", timeout=ttl, thread_local=False)  # renewed from another thread
    if not lock.acquire(blocking=False):
        yield False
        return
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(ttl / 3):
            lock.reacquire()

    beat = threading.Thread(target=heartbeat, name="appscan-lock-heartbeat", daemon=True)
    beat.start()
    try:
        yield True
    finally:
        stop.set()
        beat.join()
        try:
            lock.release()
        except redis.exceptions.LockError:  # expired while unrenewed: another worker may hold it now
            pass


@app.task(bind=True, name="appscan.scan_apk", acks_late=True, reject_on_worker_lost=True, max_retries=None)
def scan_apk(self: Task, path: str, policies: list[str] | None = None) -> dict[str, Any]:
    """Scan the APK at ``path`` (a path every worker sees) into the store, unless it is stored already;
    ``policies`` are the app's privacy policy files (paths every worker sees), compared with what the code does.

    Returns the outcome as a dict: source, sha256, status (scanned, reused, failed), scan_id, error.
    """
    policy_paths = [Path(p) for p in policies or ()]
    try:
        sha256 = file_sha256(Path(path))
    except OSError:
        sha256 = None  # unreadable here: ingest records the failure with its reason
    try:
        with _sha_lock(path if sha256 is None else scan_key(sha256, policy_paths)) as held:
            if not held:
                raise self.retry(countdown=RETRY_S)
            if sha256 is None:
                outcome = ingest(_store(), Path(path), _ruleset(), policies=policy_paths)
            else:
                outcome = scan_supervised(_store(), _store().engine.url.render_as_string(hide_password=False),
                                          Path(path), sha256, _ruleset(), limits(), _max_failures(),
                                          policies=policy_paths)
    except StoreError as exc:
        raise self.retry(exc=exc, countdown=RETRY_S)
    return dataclasses.asdict(outcome)


def limits() -> Limits:
    """The per-scan limits from ``APPSCAN_TIME_LIMIT`` (seconds) and ``APPSCAN_MEMORY_LIMIT`` (MB); unset means
    unlimited. The task's process supervises a scan process under them, as ``batch`` does."""
    time_limit = os.environ.get("APPSCAN_TIME_LIMIT")
    memory = os.environ.get("APPSCAN_MEMORY_LIMIT")
    return Limits(float(time_limit) if time_limit else None, int(memory) if memory else None)


def _max_failures() -> int | None:
    """``APPSCAN_MAX_FAILURES`` (default 3): an APK that failed this often with these rules is not scanned again;
    0 retries it without end."""
    value = int(os.environ.get("APPSCAN_MAX_FAILURES") or 3)
    return value or None
